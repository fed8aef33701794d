"""HTML extraction: visible text by block, plus the layers a browser hides.

Block elements (p, div, li, td, h1 ...) become one unit each in document
order.  Text inside ``hidden`` elements or inline ``display:none`` /
``visibility:hidden`` is part ``hidden``; HTML comments containing
Chinese are part ``comment``; ``title`` and ``alt`` attributes are ``alt-text``; the
``<title>`` and ``<meta name=description|keywords|author>`` are metadata.
Script, style, noscript and template content is not text and is skipped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from scanner.extract._common import Collector, ExtractError
from scanner.extract.text import decode

# Bytes of markup parsed; more is not read and says so (a page this size is
# generated, not written, and the tree would cost ten times as much memory).
MAX_HTML_BYTES = 32 * 1024 * 1024
HTML_TRUNCATED = (
    f"网页超过 {MAX_HTML_BYTES:,} 字节，只读取了开头部分 / page larger than {MAX_HTML_BYTES:,} bytes: "
    "only the beginning was read"
)
FLATTENED = (
    "网页结构嵌套过深或已损坏（{reason}），已按纯文本读取，隐藏内容无法区分 "
    "/ markup too deeply nested or broken ({reason}): read as flat text, hidden layers not told apart"
)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SKIP = {"script", "style", "noscript", "template", "head"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    "option", "legend", "details", "summary",
}
_HIDING_STYLE = re.compile(r"(display\s*:\s*none|visibility\s*:\s*hidden)", re.IGNORECASE)
_META_NAMES = {"description", "keywords", "author", "subject", "classification"}


def extract(data: bytes, out: Collector) -> None:
    from lxml import etree

    if len(data) > MAX_HTML_BYTES:
        out.error(HTML_TRUNCATED)
        data = data[:MAX_HTML_BYTES]
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
    walker = _Walker(out)
    walker.walk(body if body is not None else root, hidden=False)
    walker.flush()
    index = 0
    for comment in root.iter(etree.Comment):
        text = (comment.text or "").strip()
        # Comments without any Chinese are page scaffolding ("end header",
        # conditional comments for old browsers), not a reviewer's note.
        if _CJK.search(text):
            index += 1
            out.add(text, part="comment", source="html-comment", paragraph=index)


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
                return data.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                pass  # the declaration lies; fall back to detection
    text, _ = decode(data)
    return text


class _Walker:
    """Collects the text of block elements in order, splitting visible from hidden."""

    def __init__(self, out: Collector) -> None:
        self.out = out
        self.visible: list[str] = []
        self.hidden: list[str] = []
        self.hidden_index = 0

    def walk(self, element, hidden: bool) -> None:  # type: ignore[no-untyped-def]
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP:
            self._tail(element, hidden)
            return
        if not tag:  # comment or processing instruction: read separately
            self._tail(element, hidden)
            return
        # most elements have no attribute: one call says so (a get per
        # attribute below was most of the walk's time on a plain page)
        attributes = element.keys()
        own_hidden = hidden or (
            bool(attributes)
            and (
                element.get("hidden") is not None
                or bool(_HIDING_STYLE.search(element.get("style") or ""))
                or (element.get("type") or "").lower() == "hidden"
            )
        )
        block = tag in _BLOCKS
        if block:
            self.flush()
        if attributes:
            for attribute in ("alt", "title"):
                value = (element.get(attribute) or "").strip()
                if value:
                    self.out.add(value, part="alt-text", source=f"{tag}@{attribute}", numbered=False)
            if tag == "input" and (element.get("type") or "").lower() == "hidden" and element.get("value"):
                self.hidden.append(element.get("value"))
        if tag == "br":
            (self.hidden if own_hidden else self.visible).append("\n")
        if element.text:
            (self.hidden if own_hidden else self.visible).append(element.text)
        for child in element:
            self.walk(child, own_hidden)
        if block:
            self.flush()
        self._tail(element, hidden)

    def _tail(self, element, hidden: bool) -> None:  # type: ignore[no-untyped-def]
        if element.tail:
            (self.hidden if hidden else self.visible).append(element.tail)

    def flush(self) -> None:
        # (most calls have nothing hidden, and half nothing at all: a block
        # that follows another)
        if self.visible:
            text = _squeeze("".join(self.visible))
            self.visible.clear()
            self.out.add(text)
        if self.hidden:
            hidden_text = _squeeze("".join(self.hidden))
            self.hidden.clear()
            if hidden_text:
                self.hidden_index += 1
                self.out.add(hidden_text, part="hidden", source="html", paragraph=self.hidden_index)


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
