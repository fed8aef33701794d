"""HTML: remove comments, and on request hidden elements and the attributes that carried findings.

Edited as a tree with lxml and written back in the page's own encoding.
Hidden elements are the ones the scanner treats as hidden: the ``hidden``
attribute, ``display:none`` / ``visibility:hidden`` in an inline style,
``<input type=hidden>``, and ``<template>``.  "Attributes that carried
findings" are ``alt``, ``title`` and ``<meta>`` contents (description,
keywords, author ...) in which the first scan found something; with
``attributes`` but no such findings, nothing is removed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scanner.clean.ooxml import PackageError, remove_keeping_tail

if TYPE_CHECKING:
    from scanner.clean import CleanOptions

_HIDING_STYLE = re.compile(r"(display\s*:\s*none|visibility\s*:\s*hidden)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_META_NAMES = {"description", "keywords", "author", "subject", "classification"}


def _encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    declared = _META_CHARSET.search(data[:4096])
    name = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    return "gb18030" if name in ("gb2312", "gbk", "x-gbk") else name


def clean(data: bytes, options: CleanOptions) -> tuple[bytes, list[str], list[str]]:
    """The cleaned page and what was removed.  Raises :class:`PackageError` for a page lxml cannot parse."""
    from lxml import etree, html

    encoding = _encoding(data)
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise PackageError(f"网页编码无法确定，不能清理 / cannot decode page: {error}") from error
    try:
        root = html.document_fromstring(text, parser=html.HTMLParser(no_network=True, remove_comments=False))
    except (etree.ParserError, ValueError) as error:
        raise PackageError(f"HTML 无法解析 / cannot parse HTML: {error}") from error
    removed: list[str] = []
    for comment in list(root.iter(etree.Comment)):
        remove_keeping_tail(comment)
        removed.append("网页注释")
    if options.hidden:
        for element in list(root.iter()):
            if not isinstance(element.tag, str) or element.getparent() is None:
                continue
            if (element.get("hidden") is not None or _HIDING_STYLE.search(element.get("style") or "")
                    or (element.tag == "input" and (element.get("type") or "").lower() == "hidden")
                    or element.tag == "template"):
                remove_keeping_tail(element)
                removed.append("隐藏元素")
    if options.attributes and options.flagged_texts:
        flagged = [t for t in options.flagged_texts if t.strip()]
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            names = ["content"] if element.tag == "meta" and (element.get("name") or "").lower() in _META_NAMES \
                else ["alt", "title"]
            for attribute in names:
                value = element.get(attribute) or ""
                if value and any(t in value or value.strip() in t for t in flagged):
                    del element.attrib[attribute]
                    removed.append("含发现的属性（alt、title、meta）")
        title = root.find(".//title")
        if title is not None and any(t in (title.text or "") for t in flagged):
            title.text = ""
            removed.append("含发现的属性（alt、title、meta）")
    doctype = root.getroottree().docinfo.doctype
    body = html.tostring(root, encoding=encoding, method="html", doctype=doctype or None)
    return body, list(dict.fromkeys(removed)), []
