"""HTML extraction: visible text by block, plus the layers a browser hides.

Block elements (p, div, li, td, h1 ...) become one unit each in document
order.  Text inside ``hidden`` elements or inline ``display:none`` /
``visibility:hidden`` is part ``hidden``; HTML comments are part
``comment``; ``title`` and ``alt`` attributes are ``alt-text``; the
``<title>`` and ``<meta name=description|keywords|author>`` are metadata.
``<noscript>`` text is part ``noscript``, the strings of a JSON data
script (``application/json``, ``ld+json``) part ``script-data``, and a
document embedded as a ``data:`` URI is read with its own extractor as part
``data-uri``.  Program code (other scripts, styles, ``<template>``) is
listed in the coverage ledger, not read.  Pictures (``<img>``,
``<picture>``, ``data:`` images, CSS backgrounds) are judged in :mod:`html_images`: decoration
is listed as ``info``, pictures embedded in the page go to OCR.

A web page is an article inside a site's template.  The article is the
element whose own paragraphs hold the most text (structure, measured on the
real pages of the web corpus); its body units have ``source`` ``article``,
so the head block is judged at the article's start.  Template comments
(conditional comments, CMS markers, commented-out markup, short labels)
and hidden navigation (hidden elements inside nav/menu/login/search
blocks, or short labels) are read and matched like everything else but
raise the ``info`` site-template notice, not the hidden-layer notices: a
finding in their text keeps the severity its content deserves.
"""

from __future__ import annotations

import binascii
import functools
import json
import re
from collections.abc import Callable
from typing import Any

from scanner.extract._common import Collector, ExtractError, decoded_safely, no_surrogates
from scanner.extract.html_images import (
    Picture,
    background_sources,
    data_uri_bytes,
    data_uri_media,
    picture_source,
    record,
    style_pictures,
)
from scanner.extract.text import decode

# Bytes of markup parsed; more is not read and says so (a page this size is
# generated, not written, and the tree would cost ten times as much memory).
MAX_HTML_BYTES = 32 * 1024 * 1024
HTML_TRUNCATED = (
    f"网页超过 {MAX_HTML_BYTES:,} 字节，只读取了开头部分 / page larger than {MAX_HTML_BYTES:,} bytes: "
    "only the beginning was read"
)
# Tags parsed ("<" in the markup): lxml keeps ~250 bytes an element, each block becomes a unit.
MAX_HTML_TAGS = 500_000
TOO_MANY_TAGS = (
    "网页含 {tags:,} 个标签，超过上限 " + f"{MAX_HTML_TAGS:,}" + "，只读取了开头部分 "
    "/ page has {tags:,} tags, more than " + f"{MAX_HTML_TAGS:,}" + ": only the beginning was read"
)
FLATTENED = (
    "网页结构嵌套过深或已损坏（{reason}），已按纯文本读取，隐藏内容无法区分 "
    "/ markup too deeply nested or broken ({reason}): read as flat text, hidden layers not told apart"
)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SKIP = {"script", "style", "noscript", "template", "head"}
_DATA_SCRIPTS = {"application/json", "application/ld+json"}
_DATA_ATTRIBUTES = ("src", "href", "data")
MAX_DATA_URI = 20 * 1024 * 1024
MAX_DEPTH = 2
# Comments that belong to the site's template: conditional comments for old
# browsers, commented-out markup, and short labels without a sentence
# ("右侧 Start", "搜索框", "二维码微信微博").
_CONDITIONAL = re.compile(r"^\s*\[if\b|<!\[endif\]|^\s*\[endif\]", re.IGNORECASE)
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*[\s>/]")
_SENTENCE = re.compile(r"[。，；！？]")
TEMPLATE_LABEL_CHARS = 30
# id/class words of template blocks: navigation, menus, login, search, share.
_TEMPLATE_BLOCK = re.compile(
    r"nav|menu|login|logon|search|share|footer|header|top|bottom|banner|sidebar|crumb|dropdown|submenu|toolbar"
    r"|qrcode|ewm|weixin|wechat|weibo|userinfo|modal|popup|dialog|skip",
    re.IGNORECASE,
)
_TEMPLATE_TAGS = {"nav", "header", "footer", "aside", "menu", "form"}
# An article needs this many characters in its own paragraphs.
MIN_ARTICLE_CHARS = 100
_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    "option", "legend", "details", "summary",
}
_HIDING_STYLE = re.compile(r"(display\s*:\s*none|visibility\s*:\s*hidden)", re.IGNORECASE)
_META_NAMES = {"description", "keywords", "author", "subject", "classification"}
_PICTURE_TAGS = ("img", "source", "input")


def extract(data: bytes, out: Collector) -> None:
    from lxml import etree

    if len(data) > MAX_HTML_BYTES:
        out.error(HTML_TRUNCATED)
        data = data[:MAX_HTML_BYTES]
    # (a tag is at least one byte: a page no longer than the bound is not counted, 3 µs a page)
    tags = data.count(b"<") if len(data) > MAX_HTML_TAGS else 0
    if tags > MAX_HTML_TAGS:
        # 3 million tiny blocks (<p>字</p>) made a tree and units of 2.4 GB: keep about the first MAX_HTML_TAGS
        out.error(TOO_MANY_TAGS.format(tags=tags))
        data = data[: len(data) * MAX_HTML_TAGS // tags]
    text = _decode(data)
    # huge_tree stays off: libxml2 then stops at 256 levels of nesting, and
    # the walker below recurses once per level.  lxml.etree's parser, not
    # lxml.html's: the same tree, without lxml.html's element classes, whose
    # choice runs Python code for each element the walker visits.
    parser = etree.HTMLParser(huge_tree=False, no_network=True)
    try:
        root = etree.fromstring(text, parser)
    except (etree.ParserError, ValueError) as error:
        raise ExtractError(f"HTML 无法解析 / cannot parse HTML: {error}") from error
    if root is None:  # as lxml.html.document_fromstring says it
        raise ExtractError("HTML 无法解析 / cannot parse HTML: Document is empty")
    fatal = [entry for entry in parser.error_log if entry.level_name == "FATAL"]
    if fatal:
        # libxml2 gave up part-way (nesting deeper than its limit) and
        # silently returns what it had, often nothing: read the text flat
        # with a parser that keeps no tree rather than lose it.
        out.error(FLATTENED.format(reason=fatal[0].message.strip()))
        _flat_text(text, out)
        return
    title = root.find(".//title")
    if title is not None and (title_text := _string_value(title)).strip():
        out.title = " ".join(title_text.split())
        out.add(out.title, part="metadata", source="title", numbered=False)
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").lower()
        content = (meta.get("content") or "").strip()
        if name in _META_NAMES and content:
            out.add(content, part="metadata", source=f"meta:{name}", numbered=False)
    body = root.find("body")
    top = body if body is not None else root
    article = _article(top)
    walker = _Walker(out, article)
    walker.walk(top, hidden=False)
    walker.flush()
    if walker.hidden_index:  # (the walker's flush adds every hidden unit: most pages have none to compare)
        _visible_copies(out)
    out.cover("html", "page")
    index = 0
    for comment in root.iter(etree.Comment):
        text = (comment.text or "").strip()
        if not text:
            continue
        # a comment without a word of Chinese is scaffolding ("end header"), read all the same:
        # a commented-out number is still a number
        template = not _CJK.search(text) or _template_comment(
            text, inside=article is None or _within(comment, article))
        index += 1
        out.add(text, part="comment", source="html-comment", paragraph=index, template=template)
    _scripts(root, out)
    if "data:" in text:  # (one search in C spares a walk over every element of most pages)
        _data_uris(root, out, walker.pictures)
    if "url(" in text:  # CSS background pictures of <style> rules (inline ones are the walker's)
        walker.pictures.extend(style_pictures(root, len(out.units)))
    record(walker.pictures, out)


_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{6,}")
# Share of a hidden block's runs of Chinese that must be visible elsewhere on
# the page for it to be a copy (a print version, a share summary cut with "...")
COPY_SHARE = 0.8


def _visible_copies(out: Collector) -> None:
    """Hidden blocks that repeat the page's visible text hide nothing: they are template, not hidden content."""
    hidden = [index for index, unit in enumerate(out.units) if unit.part == "hidden" and index not in out.template]
    if not hidden:
        return
    visible = "\n".join(unit.text for unit in out.units if unit.part == "body")
    for index in hidden:
        runs = _CJK_RUN.findall(out.units[index].text)
        if runs and sum(run in visible for run in runs) >= COPY_SHARE * len(runs):
            out.template.add(index)


def _template_comment(text: str, *, inside: bool) -> bool:
    """Whether a comment is the site template's, not a note about the document.

    Conditional comments and commented-out markup are template anywhere; a
    short label without a sentence ("右侧 Start") only outside the article,
    where a note about the document would not be.
    """
    if _CONDITIONAL.search(text) or _MARKUP.search(text):
        return True
    return not inside and len(text) <= TEMPLATE_LABEL_CHARS and not _SENTENCE.search(text)


def _within(node: Any, ancestor: Any) -> bool:
    return any(parent is ancestor for parent in node.iterancestors())


def _article(top: Any) -> Any:
    """The element whose own paragraphs and own text hold the most: the article, or None for a page without one.

    A paragraph's text counts for its parent; text written straight into an
    element (between ``<br>`` lines, the way many CMS editors save) for the
    element itself.
    """
    scores: dict[Any, int] = {}
    for paragraph in top.iter("p"):
        parent = paragraph.getparent()
        # paragraphs straight in <body> are a page without template, not an article in one
        if parent is not None and parent is not top:
            scores[parent] = scores.get(parent, 0) + len(_string_value(paragraph).strip())
    for element in top.iter("div", "td", "article", "section", "font", "span"):
        own = len((element.text or "").strip()) + sum(len((child.tail or "").strip()) for child in element)
        if own:
            scores[element] = scores.get(element, 0) + own
    if not scores:
        return None
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= MIN_ARTICLE_CHARS else None


def _scripts(root: Any, out: Collector) -> None:
    """JSON data scripts are read (their strings, part ``script-data``); program code is listed."""
    index = 0
    for script in root.iter("script"):
        kind = (script.get("type") or "").split(";")[0].strip().lower()
        index += 1
        name = f"<script> #{index}"
        if kind not in _DATA_SCRIPTS:
            if (script.text or "").strip():
                out.cover(name, "script", "listed", "程序代码，不作为文字审查 / program code, not text")
            continue
        try:
            data = json.loads(script.text or "null")
        except ValueError as error:
            out.unread(name, "script-data", f"JSON 数据无法解析 / invalid JSON: {error}", part="script-data")
            continue
        strings = [no_surrogates(value.strip()) for value in _strings(data) if value.strip()]
        out.add("\n".join(strings), part="script-data", source=name)
        out.cover(name, "script-data")


def _strings(value: Any) -> list[str]:
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return found


def _data_uris(root: Any, out: Collector, pictures: list[Picture]) -> None:
    """Documents embedded in ``data:`` URIs, read with their own extractor (part ``data-uri``).

    Pictures shown by ``<img>``/``<source>``/``<input>`` are the walker's;
    a picture in another attribute (a link to it) joins ``pictures``.
    """
    from scanner.extract import extract_nested

    index = 0
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.keys():
            continue
        for attribute in _DATA_ATTRIBUTES:
            value = element.get(attribute) or ""
            if value[:5].lower() != "data:":
                continue
            index += 1
            media = data_uri_media(value) or "text/plain"
            name = f"data:{media} #{index}"
            if media.startswith("image/"):
                if element.tag not in _PICTURE_TAGS:
                    pictures.append(Picture(element=element, source=value, template=False, anchor=len(out.units)))
                continue
            try:
                data = data_uri_bytes(value)
            except (binascii.Error, ValueError) as error:
                out.unread(name, "data-uri", f"内嵌数据无法解码 / cannot decode: {error}", part="data-uri")
                continue
            if len(data) > MAX_DATA_URI or out.depth >= MAX_DEPTH:
                out.unread(name, "data-uri", "内嵌文档过大或嵌套过深 / too large or nested too deeply", part="data-uri")
                continue
            inner = extract_nested(data, _DATA_NAMES.get(media, ""), out.depth + 1)
            for unit in inner.units:
                out.add(unit.text, part="data-uri", source=name, cell=unit.cell)
            for reason in inner.errors:
                out.error(f"内嵌数据 {name}：{reason}")
            out.cover(name, "data-uri", "partial" if inner.errors else "read")


# media type -> a file name hint for the nested extractor
_DATA_NAMES = {
    "application/pdf": "x.pdf", "text/html": "x.html", "text/plain": "x.txt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "x.docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "x.xlsx",
}


@functools.cache
def _string_xpath() -> Callable[[Any], str]:
    from lxml import etree

    return etree.XPath("string()")  # type: ignore[return-value]


def _string_value(element: Any) -> str:
    """The element's text and its descendants' (lxml.html's ``text_content()``)."""
    return _string_xpath()(element)


def _decode(data: bytes) -> str:
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            encoding = declared.group(1).decode("ascii").lower()
            # Pages that say gb2312 use GBK characters in practice.
            if encoding in ("gb2312", "gbk", "x-gbk"):
                encoding = "gb18030"
            try:
                return decoded_safely(data.decode(encoding), encoding)
            except (LookupError, UnicodeDecodeError):
                pass  # the declaration lies; fall back to detection
    text, _ = decode(data)
    return text


class _Walker:
    """Collects the text of block elements in order, splitting visible from hidden."""

    def __init__(self, out: Collector, article: Any = None) -> None:
        self.out = out
        self.article = article
        self.in_article = False
        self.template_depth = 0  # inside a nav/menu/login block
        self.visible: list[str] = []
        self.hidden: list[str] = []
        self.hidden_index = 0
        self.noscripts = 0
        self.pictures: list[Picture] = []

    def walk(self, element, hidden: bool) -> None:  # type: ignore[no-untyped-def]
        # (each of lxml's tag, text and tail properties makes a new str when read: each is read once)
        tag = element.tag
        if not isinstance(tag, str):  # comment or processing instruction: read separately
            self._tail(element, hidden)
            return
        if tag in _SKIP:
            if tag == "noscript":
                self.noscript(element)
            self._tail(element, hidden)
            return
        if not tag:
            self._tail(element, hidden)
            return
        # most elements have no attribute: one call says so (a get per
        # attribute below was most of the walk's time on a plain page)
        attributes = element.keys()
        if attributes:
            own_hidden = hidden or (
                # a page hidden while it loads (body style="display:none", shown by a script) hides nothing
                tag not in ("body", "html")
                and (
                    "hidden" in attributes
                    or ("style" in attributes and bool(_HIDING_STYLE.search(element.get("style") or "")))
                    or ("type" in attributes and (element.get("type") or "").lower() == "hidden")
                )
            )
            # (a link's or a cell's attributes name no block: the id and class are looked at only when there)
            template = tag in _TEMPLATE_TAGS or (
                ("id" in attributes or "class" in attributes)
                and bool(_TEMPLATE_BLOCK.search(f"{element.get('id') or ''} {element.get('class') or ''}"))
            )
        else:
            own_hidden = hidden
            template = tag in _TEMPLATE_TAGS
        block = tag in _BLOCKS
        if block:
            self.flush()
        if template:
            self.template_depth += 1
        article = element is self.article
        if article:
            self.flush()
            self.in_article = True
        if attributes:
            for attribute in ("alt", "title"):
                if attribute in attributes and (value := (element.get(attribute) or "").strip()):
                    self.out.add(value, part="alt-text", source=f"{tag}@{attribute}", numbered=False)
            if tag == "input" and (element.get("type") or "").lower() == "hidden" and element.get("value"):
                self.hidden.append(element.get("value"))
            if tag in _PICTURE_TAGS and (source := picture_source(element, tag)):
                # a page without an article has no template to tell apart
                in_template = self.article is not None and (not self.in_article or self.template_depth > 0)
                self.pictures.append(Picture(element=element, source=source, template=in_template,
                                             anchor=len(self.out.units)))
            if "style" in attributes and "url(" in (style := element.get("style") or ""):
                in_template = self.article is not None and (not self.in_article or self.template_depth > 0)
                self.pictures.extend(Picture(element=element, source=source, template=in_template,
                                             anchor=len(self.out.units), background=True)
                                     for source in background_sources(style))
        if tag == "br":
            (self.hidden if own_hidden else self.visible).append("\n")
        if text := element.text:
            (self.hidden if own_hidden else self.visible).append(text)
        for child in element:
            self.walk(child, own_hidden)
        if block or article:
            self.flush()
        if article:
            self.in_article = False
        if template:
            self.template_depth -= 1
        if tail := element.tail:
            (self.hidden if hidden else self.visible).append(tail)

    def noscript(self, element) -> None:  # type: ignore[no-untyped-def]
        """What a browser without scripts shows: read, as part ``noscript``."""
        self.flush()
        self.noscripts += 1
        name = f"<noscript> #{self.noscripts}"
        text = _squeeze(_string_value(element))
        self.out.add(text, part="noscript", source=name, numbered=False)
        self.out.cover(name, "noscript")

    def _tail(self, element, hidden: bool) -> None:  # type: ignore[no-untyped-def]
        if element.tail:
            (self.hidden if hidden else self.visible).append(element.tail)

    def flush(self) -> None:
        # (most calls have nothing hidden, and half nothing at all: a block
        # that follows another)
        if self.visible:
            text = _squeeze("".join(self.visible))
            self.visible.clear()
            self.out.add(text, source="article" if self.in_article else "")
        if self.hidden:
            hidden_text = _squeeze("".join(self.hidden))
            self.hidden.clear()
            if hidden_text:
                self.hidden_index += 1
                # a page without an article (a fragment, a short notice) has no template to tell apart
                # outside the article: a nav/menu/login block, or labels without a sentence (a menu)
                template = self.article is not None and not self.in_article and (
                    self.template_depth > 0 or not _SENTENCE.search(hidden_text)
                )
                self.out.add(hidden_text, part="hidden", source="html", paragraph=self.hidden_index,
                             template=template)


def _squeeze(text: str) -> str:
    lines = text.splitlines()
    if len(lines) == 1:  # most blocks: one line
        return " ".join(lines[0].split())
    squeezed = (" ".join(line.split()) for line in lines)
    return "\n".join(line for line in squeezed if line)


class _FlatText:
    """Text of a page without building a tree: for markup lxml refuses.

    Uses the standard library's event parser, whose memory does not grow
    with nesting depth.  Script, style and similar content is skipped.
    """

    def __init__(self, out: Collector) -> None:
        from html.parser import HTMLParser

        collector = self
        self.out = out
        self.pieces: list[str] = []
        self.skipping = 0

        class _Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
                if tag in _SKIP - {"head"}:
                    collector.skipping += 1
                elif tag in _BLOCKS or tag == "br":
                    collector.flush()

            def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
                if tag in _SKIP - {"head"}:
                    collector.skipping = max(0, collector.skipping - 1)
                elif tag in _BLOCKS:
                    collector.flush()

            def handle_data(self, data):  # type: ignore[no-untyped-def]
                if not collector.skipping:
                    collector.pieces.append(data)

            def handle_comment(self, data):  # type: ignore[no-untyped-def]
                if _CJK.search(data):
                    collector.out.add(data.strip(), part="comment", source="html-comment")

        self.parser = _Parser(convert_charrefs=True)

    def flush(self) -> None:
        self.out.add(_squeeze("".join(self.pieces)))
        self.pieces.clear()


def _flat_text(text: str, out: Collector) -> None:
    flat = _FlatText(out)
    flat.parser.feed(text)
    flat.parser.close()
    flat.flush()
