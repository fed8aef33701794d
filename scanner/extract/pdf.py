"""PDF extraction: text per page and line, every other layer, and failed redactions.

Two readers share the work, each doing what it is fast and good at:

* PDFium (pypdfium2, :mod:`scanner.extract.pdf_pdfium`) reads every page:
  its text, one unit per line (part ``body``, ``page`` n, ``paragraph`` =
  line index within the page), its images (a page with images and no text
  is a scan without a text layer) and the dark filled boxes drawn over text
  (a failed redaction: the text is still in the file).  It is about ten
  times faster than pdfminer.six on page content, which is what the
  throughput target needs.
* pdfminer.six reads the document structures PDFium does not expose well
  (the information dictionary and XMP metadata as ``metadata``,
  annotations as ``annotation`` — unapplied ``/Redact`` annotations are a
  notice of their own —, AcroForm field values as ``form``, bookmarks as
  ``outline``, embedded files, listed and read recursively as
  ``attachment``).  None of that parses a page's content stream, so it is
  cheap.  pdfminer also reads the content of a page whose text PDFium
  could not map to Unicode, for that page only.

Everything that cannot be read becomes an error ``中文原因 / English reason``.
"""

from __future__ import annotations

import io
import logging
import struct
import zlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from scanner.extract._common import (
    ATTACHMENT_RULE,
    DARK_BOX_RULE,
    REDACT_ANNOT_RULE,
    Collector,
    safe_xml_parser,
)
from scanner.extract._images import pdf_page_pictures, pdf_page_scan
from scanner.extract.pdf_pdfium import (
    AFTER_EVERYTHING,
    DARK,
    DARK_TEXT,
    ENCRYPTED,
    MIN_BOX,
    UNDECODED_SHARE,
    Box,
    Hidden,
    PageError,
    luminance,
    open_document,
    read_page,
    undecoded_share,
)
from scanner.ocr import scan_page_error

__all__ = ["ENCRYPTED", "NO_TEXT", "extract"]

NO_TEXT = "PDF 中没有任何文字（可能是扫描件或空白文件） / PDF contains no text at all"
# Pages in a row that neither reader can load, after which the rest are not
# tried: a page tree's /Count can claim any number of pages (a 3.5 KB file
# declaring 114,200 made the fuzzer time out), and each one past the real
# pages is only another error.  The document goes to review either way.
MAX_UNREADABLE_RUN = 100
PAGES_NOT_READ = (
    "第{first}至{last}页未读取：已有连续 {run} 页无法读取，文件声明的页数可能有误 "
    "/ pages {first}-{last} not read: {run} pages in a row could not be read (the declared page count may be wrong)"
)
MAX_ATTACHMENT = 20 * 1024 * 1024
MAX_DEPTH = 2
_INFO_KEYS = ("Title", "Subject", "Keywords", "Author", "Creator", "Producer")
# Titles PDF producers write when the author gave none.
_PLACEHOLDER_TITLES = {"untitled", "无标题", "microsoft word - "}
_SKIP_ANNOTS = {"Link", "Widget", "Popup"}

# pdfminer signals malformed input with its own PSException family but also
# with assorted built-in errors from deep inside its parser; all of them mean
# "this part of the file cannot be read", and the message keeps the reason.
_MALFORMED: tuple[type[BaseException], ...] = (
    ValueError, KeyError, TypeError, AttributeError, IndexError, AssertionError, struct.error, zlib.error,
    EOFError, OverflowError,
)


# A chain of indirect references longer than this is a loop (an object
# that refers to itself): pdfminer's resolve1 would follow it forever.
MAX_REFERENCE_HOPS = 64


@cache
def _quiet_pdfminer_log() -> None:
    """Keep pdfminer's log records off the terminal (once per process).

    pdfminer logs the quirks it works around ("MediaBox missing ...,
    defaulting to US Letter") with no file name.  Where no logging is set
    up, Python prints them on stderr, amid the report and a batch's progress
    line; what could not be read is in the document's errors instead.  A
    handler that drops them stops only that fallback: an application that
    configures logging still receives them.
    """
    logging.getLogger("pdfminer").addHandler(logging.NullHandler())


@cache
def _bound_pdfminer_references() -> None:
    """Make pdfminer's ``resolve1`` give up on reference loops (once per process).

    pdfminer follows ``N 0 R`` until it reaches a direct object; a crafted
    file whose object resolves to itself makes that an endless loop (found
    by the fuzzer: tests/data/fuzz-regressions/pdf-object-loop-timeout.pdf).
    Its modules import ``resolve1`` by name, so each binding is replaced with
    a bounded version that raises pdfminer's own PDFSyntaxError, which the
    extractor already reports as an unreadable structure.
    """
    from pdfminer import pdffont, pdfinterp, pdfpage, pdftypes
    from pdfminer.pdfparser import PDFSyntaxError

    def bounded_resolve1(x: object, default: object = None) -> Any:
        for _ in range(MAX_REFERENCE_HOPS):
            if not isinstance(x, pdftypes.PDFObjRef):
                return x
            x = x.resolve(default=default)
        if isinstance(x, pdftypes.PDFObjRef):
            raise PDFSyntaxError(f"reference loop: more than {MAX_REFERENCE_HOPS} indirect hops")
        return x

    for module in (pdftypes, pdffont, pdfinterp, pdfpage):
        if getattr(module, "resolve1", None) is not None:
            module.resolve1 = bounded_resolve1  # type: ignore[attr-defined]


def extract(data: bytes, out: Collector) -> None:
    """Read ``data`` into ``out``.  Raises :class:`ExtractError` if the file cannot be opened at all."""
    document = open_document(data)
    try:
        _extract(document, data, out)
    finally:
        document.close()


def _extract(document: Any, data: bytes, out: Collector) -> None:
    miner = _Miner.open(data, out)
    count = len(document)
    out.pages = count
    any_text = False
    unreadable_run = 0
    for index in range(count):
        read = _page(document, miner, index, out)
        any_text |= read is True
        unreadable_run = unreadable_run + 1 if read is None else 0
        if unreadable_run == MAX_UNREADABLE_RUN and index + 1 < count:
            out.error(PAGES_NOT_READ.format(first=index + 2, last=count, run=MAX_UNREADABLE_RUN))
            break
    if not any_text and not out.errors:
        out.error(NO_TEXT)
    if miner is None:
        return
    for reader in (_info, _xmp, _form, _outline):
        try:
            reader(miner.document, out)
        except miner.malformed as error:
            out.error(f"PDF 附加信息无法读取 / cannot read {reader.__name__[1:]}: {type(error).__name__}: {error}")
    try:
        _attachments(miner.document, out, out.depth, miner.malformed)
    except miner.malformed as error:
        out.error(f"PDF 附件无法读取 / cannot read attachments: {type(error).__name__}: {error}")


def _page(document: Any, miner: _Miner | None, index: int, out: Collector) -> bool | None:
    """Add one page's lines, annotations and failed redactions.

    True if it has text, False if it has none, None if neither reader could
    read it (an error says so).
    """
    number = index + 1
    annotation_boxes: list[Box] | None = None

    def annotations() -> list[Box]:
        nonlocal annotation_boxes
        if annotation_boxes is None:
            annotation_boxes = miner.annotations(index, out) if miner is not None else []
        return annotation_boxes

    try:
        content = read_page(document, index, annotations)
    except PageError as error:
        # PDFium could not load the page: pdfminer's text stands in, but a
        # page neither reader can vouch for is an error, never a blank page.
        mined = _mine(miner, index, annotations())
        if isinstance(mined, str) or not mined.lines:
            reason = f"{error}; {mined}" if isinstance(mined, str) else str(error)
            out.error(f"第{number}页无法读取 / page {number} cannot be read: {reason}")
            return None
        if mined.undecoded > UNDECODED_SHARE:
            out.error(f"第{number}页文字无法解码（字体缺少编码表） / page {number} text cannot be decoded")
        return _emit(mined.lines, mined.hidden, number, out)
    lines, hidden, bad = content.lines, content.hidden, content.undecoded
    if bad > UNDECODED_SHARE or (not lines and content.text_objects):
        # PDFium could not map this page's fonts to Unicode (or found text
        # objects but no text): ask pdfminer, and keep whichever read more.
        mined = _mine(miner, index, annotation_boxes or [])
        if not isinstance(mined, str) and mined.lines and (not lines or mined.undecoded < bad):
            lines, hidden, bad = mined.lines, mined.hidden, mined.undecoded
        # Text objects that hold only spaces are a blank page, not an unreadable one.
        if bad > UNDECODED_SHARE or (not lines and (isinstance(mined, str) or mined.undecoded > 0)):
            out.error(f"第{number}页文字无法解码（字体缺少编码表） / page {number} text cannot be decoded")
    if not lines:
        if content.images:
            out.error(scan_page_error(number))
            pdf_page_scan(document, index, out)
        return False
    if content.images:
        pdf_page_pictures(document, index, out)
    return _emit(lines, hidden, number, out)


def _mine(miner: _Miner | None, index: int, annotation_boxes: list[Box]) -> _MinedPage | str:
    """pdfminer's reading of one page, or why there is none."""
    if miner is None:
        return "pdfminer cannot open the file"
    try:
        return miner.page(index, annotation_boxes)
    except PageError as error:
        return str(error)


def _emit(lines: tuple[str, ...], hidden: tuple[Hidden, ...], number: int, out: Collector) -> bool:
    for index, line in enumerate(lines, start=1):
        out.add(line, page=number, paragraph=index)
    for found in hidden:
        out.notice(
            DARK_BOX_RULE,
            text=found.text,
            part="body",
            page=number,
            detail=f"第{number}页深色方块 {found.box.describe()} 下仍有 {found.count} 个可提取的字符：{found.text[:40]}",
        )
    return bool(lines)


# -- pdfminer: document structures, and page text PDFium cannot decode -------


@dataclass(frozen=True, kw_only=True)
class _MinedPage:
    lines: tuple[str, ...]
    undecoded: float  # share of characters pdfminer could not map to Unicode either
    hidden: tuple[Hidden, ...]


class _Miner:
    """pdfminer.six's view of the same file.

    The page tree is walked lazily, only as far as a page that has
    annotations or that PDFium cannot decode: most documents never need it.
    """

    def __init__(self, data: bytes) -> None:
        from pdfminer.pdfdocument import PDFDocument
        from pdfminer.pdfpage import PDFPage
        from pdfminer.pdfparser import PDFParser
        from pdfminer.psexceptions import PSException

        _bound_pdfminer_references()
        _quiet_pdfminer_log()
        self.malformed: tuple[type[BaseException], ...] = (PSException, *_MALFORMED)
        self.document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
        self._pages: list[Any] = []
        self._walker: Any = PDFPage.create_pages(self.document)
        self._tree_error = ""
        self._interpreter: Any = None
        self._device: Any = None

    @classmethod
    def open(cls, data: bytes, out: Collector) -> _Miner | None:
        """The reader, or None (and an error in ``out``) when pdfminer cannot parse the file."""
        from pdfminer.pdfdocument import PDFPasswordIncorrect
        from pdfminer.psexceptions import PSException

        unreadable: tuple[type[BaseException], ...] = (PDFPasswordIncorrect, PSException, *_MALFORMED)
        try:
            return cls(data)
        except unreadable as error:
            out.error(
                "PDF 文档结构无法读取，元数据、注释、表单、书签和附件未审查 / cannot read the document structure "
                f"(metadata, annotations, forms, outline, attachments not checked): {type(error).__name__}: {error}"
            )
            return None

    def page_object(self, index: int) -> Any:
        """pdfminer's page ``index`` (0-based).  Raises :class:`PageError`."""
        while len(self._pages) <= index and self._walker is not None:
            try:
                self._pages.append(next(self._walker))
            except StopIteration:
                self._walker = None
            except self.malformed as error:
                self._walker = None
                self._tree_error = f"{type(error).__name__}: {error}"
        if index < len(self._pages):
            return self._pages[index]
        raise PageError(f"pdfminer: page not in the page tree {self._tree_error}".strip())

    def annotations(self, index: int, out: Collector) -> list[Box]:
        number = index + 1
        try:
            page = self.page_object(index)
        except PageError as error:
            out.error(f"第{number}页注释无法读取 / page {number} annotations cannot be read: {error}")
            return []
        return _annotations(page, number, out, self.malformed)

    def page(self, index: int, annotation_boxes: list[Box]) -> _MinedPage:
        """Read one page's content.  Raises :class:`PageError`."""
        page = self.page_object(index)
        try:
            if self._interpreter is None:
                from pdfminer.converter import PDFPageAggregator
                from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager

                manager = PDFResourceManager(caching=True)
                # No layout analysis: it is slow and would lose the drawing order.
                self._device = PDFPageAggregator(manager, laparams=None)
                self._interpreter = PDFPageInterpreter(manager, self._device)
            self._interpreter.process_page(page)
            layout = self._device.get_result()
        except self.malformed as error:
            raise PageError(f"pdfminer: {type(error).__name__}: {error}") from error
        return _mined_page(layout, annotation_boxes)


@dataclass
class _Char:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    colour: Any  # fill colour; judged only for characters under a dark box
    order: int


def _mined_page(layout: Any, annot_boxes: list[Box]) -> _MinedPage:
    from pdfminer.layout import LTChar, LTCurve

    chars: list[_Char] = []
    boxes: list[Box] = []
    undecoded = 0
    order = 0
    stack = list(layout)[::-1]
    while stack:
        item = stack.pop()
        order += 1
        if isinstance(item, LTChar):
            text = item.get_text()
            if text.startswith("(cid:"):
                undecoded += 1
                continue
            chars.append(_Char(text, item.x0, item.y0, item.x1, item.y1, item.size, item.graphicstate.ncolor, order))
        elif isinstance(item, LTCurve):  # LTRect and LTLine are curves too
            big = item.width >= MIN_BOX and item.height >= MIN_BOX
            if item.fill and big and _luminance(item.non_stroking_color) < DARK:
                boxes.append(Box(x0=item.x0, y0=item.y0, x1=item.x1, y1=item.y1, order=order))
        elif hasattr(item, "__iter__"):  # a figure (form XObject): its objects in order
            stack.extend(list(item)[::-1])
    lines = tuple(text for text in ("".join(_with_spaces(line)).strip() for line in _lines(chars)) if text)
    share = max(undecoded_share("".join(lines)), undecoded / (undecoded + len(chars)) if undecoded else 0.0)
    return _MinedPage(lines=lines, undecoded=share, hidden=_redactions(chars, boxes + annot_boxes))


def _lines(chars: list[_Char]) -> list[list[_Char]]:
    """Group characters, in drawing order, into lines."""
    lines: list[list[_Char]] = []
    current: list[_Char] = []
    for char in chars:
        if current:
            last = current[-1]
            height = max(last.size, char.size, 1.0)
            same_line = abs(char.y0 - last.y0) < height * 0.5 and char.x0 > last.x0 - height
            if not same_line:
                lines.append(current)
                current = []
        current.append(char)
    if current:
        lines.append(current)
    return lines


def _with_spaces(line: list[_Char]) -> list[str]:
    pieces = []
    previous = None
    for char in line:
        if previous is not None and char.text != " " and previous.text != " ":
            gap = char.x0 - previous.x1
            if gap > max(previous.size, 1.0) * 0.3:
                pieces.append(" ")
        pieces.append(char.text)
        previous = char
    return pieces


def _redactions(chars: list[_Char], boxes: list[Box]) -> tuple[Hidden, ...]:
    found = []
    for box in boxes:
        hidden = [
            char for char in chars
            # Same rule as PDFium's reading: drawn after the text, or dark on dark.
            if char.text.strip()
            and box.covers((char.x0 + char.x1) / 2, (char.y0 + char.y1) / 2)
            and (box.order > char.order or _luminance(char.colour) < DARK_TEXT)
        ]
        if hidden:
            found.append(Hidden(box=box, text="".join(char.text for char in hidden), count=len(hidden)))
    return tuple(found)


def _luminance(color: Any) -> float:
    """0 (black) .. 1 (white) for a pdfminer colour; PDF's default fill is black."""
    if color is None:
        return 0.0
    if isinstance(color, int | float):
        return float(color)
    if isinstance(color, tuple) and color and isinstance(color[-1], str):
        return 1.0  # a pattern: cannot judge, treat as not dark
    if isinstance(color, list | tuple):
        values = [float(v) for v in color if isinstance(v, int | float)]
        if len(values) == 1:
            return values[0]
        if len(values) == 3:
            r, g, b = values
            return luminance(r, g, b)
        if len(values) == 4:
            c, m, y, k = values
            return luminance((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return 1.0


# -- annotations, forms, outline, metadata ----------------------------------


def _annotations(page: Any, number: int, out: Collector, malformed: tuple[type[BaseException], ...]) -> list[Box]:
    """Read a page's annotations; return the boxes of dark highlights (drawn over the text)."""
    from pdfminer.pdftypes import resolve1

    boxes: list[Box] = []
    try:
        annots = resolve1(page.annots) or []
    except malformed as error:
        out.error(f"第{number}页注释无法读取 / page {number} annotations: {type(error).__name__}: {error}")
        return boxes
    if not isinstance(annots, list):
        return boxes
    index = 0
    for annot in annots:
        try:
            annot = resolve1(annot)
            if not isinstance(annot, dict):
                continue
            subtype = _name(annot.get("Subtype"))
            if subtype in _SKIP_ANNOTS:
                continue
            contents = _text(annot.get("Contents")) or _text(annot.get("OverlayText"))
            rect = _rect(annot.get("Rect"))
            if subtype == "Redact":
                out.notice(
                    REDACT_ANNOT_RULE,
                    text=contents or "",
                    part="annotation",
                    page=number,
                    detail=f"第{number}页有未应用的涂黑（Redact）注释 {rect.describe() if rect else ''}",
                )
                if rect:
                    boxes.append(rect)
                continue
            if subtype in ("Highlight", "Square") and rect:
                colour = resolve1(annot.get("IC" if subtype == "Square" else "C"))
                if isinstance(colour, list) and colour and _luminance(tuple(colour)) < DARK:
                    boxes.append(rect)
            if subtype == "FileAttachment":
                out.extra_layers.add("attachment")
            if contents:
                index += 1
                out.add(contents, part="annotation", page=number, source=subtype or "Annot", paragraph=index)
        except malformed as error:
            out.error(f"第{number}页注释无法读取 / page {number} annotation: {type(error).__name__}: {error}")
    return boxes


def _rect(value: Any) -> Box | None:
    from pdfminer.pdftypes import resolve1

    value = resolve1(value)
    if not isinstance(value, list) or len(value) != 4:
        return None
    x0, y0, x1, y1 = (float(resolve1(v)) for v in value)
    return Box(x0=min(x0, x1), y0=min(y0, y1), x1=max(x0, x1), y1=max(y0, y1), order=AFTER_EVERYTHING)


def _name(value: Any) -> str:
    from pdfminer.pdftypes import resolve1

    value = resolve1(value)
    return getattr(value, "name", value if isinstance(value, str) else "")


def _text(value: Any) -> str:
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    value = resolve1(value)
    if isinstance(value, bytes):
        return decode_text(value).strip()
    if isinstance(value, str):
        return value.strip()
    return ""


def _info(document: Any, out: Collector) -> None:
    for info in document.info:
        for key in _INFO_KEYS:
            value = _text(info.get(key))
            if value:
                out.add(value, part="metadata", source=key, numbered=False)
                if key == "Title" and not out.title and value.lower() not in _PLACEHOLDER_TITLES:
                    out.title = value


def _xmp(document: Any, out: Collector) -> None:
    from lxml import etree
    from pdfminer.pdftypes import resolve1, stream_value

    metadata = resolve1(document.catalog.get("Metadata"))
    if metadata is None:
        return
    raw = stream_value(metadata).get_data()
    try:
        root = etree.fromstring(raw, safe_xml_parser())
    except etree.XMLSyntaxError as error:
        out.error(f"XMP 元数据不是有效的 XML / XMP metadata is not valid XML: {error}")
        return
    values = [value.strip() for value in root.itertext() if value.strip()]
    if values:
        out.add("\n".join(values), part="metadata", source="xmp", numbered=False)


def _form(document: Any, out: Collector) -> None:
    from pdfminer.pdftypes import resolve1

    form = resolve1(document.catalog.get("AcroForm"))
    if not isinstance(form, dict):
        return
    stack = [(resolve1(field), "") for field in (resolve1(form.get("Fields")) or [])]
    index = 0
    seen: set[int] = set()
    while stack:
        field, parent = stack.pop(0)
        if not isinstance(field, dict) or id(field) in seen:
            continue
        seen.add(id(field))
        name = _text(field.get("T"))
        full = f"{parent}.{name}" if parent and name else name or parent
        value = _text(field.get("V"))
        if value:
            index += 1
            out.add(value, part="form", source=full, paragraph=index)
        stack.extend((resolve1(kid), full) for kid in (resolve1(field.get("Kids")) or []))


def _outline(document: Any, out: Collector) -> None:
    from pdfminer.pdfdocument import PDFNoOutlines

    try:
        for index, entry in enumerate(document.get_outlines(), start=1):
            title = entry[1]
            text = title if isinstance(title, str) else _text(title)
            out.add(text, part="outline", source=f"level {entry[0]}", paragraph=index)
    except PDFNoOutlines:
        return


# -- embedded files ---------------------------------------------------------


def _attachments(document: Any, out: Collector, depth: int, malformed: tuple[type[BaseException], ...]) -> None:
    from pdfminer.pdftypes import resolve1

    names = resolve1(document.catalog.get("Names"))
    if not isinstance(names, dict):
        return
    tree = resolve1(names.get("EmbeddedFiles"))
    found: list[tuple[str, Any]] = []
    _walk_name_tree(tree, found, 0)
    if not found:
        return
    listed = []
    for name, spec in found:
        spec = resolve1(spec)
        filename = name
        if isinstance(spec, dict):
            filename = _text(spec.get("UF")) or _text(spec.get("F")) or name
        listed.append(filename)
        embedded = resolve1(resolve1(spec.get("EF")).get("F")) if isinstance(spec, dict) and spec.get("EF") else None
        if embedded is None:
            continue
        declared = resolve1(resolve1(embedded.attrs.get("Params") or {}).get("Size")) if hasattr(embedded, "attrs") else None
        if isinstance(declared, int) and declared > MAX_ATTACHMENT:
            out.error(f"附件“{filename}”过大，未审查 / attachment {filename!r} too large to read")
            continue
        if depth >= MAX_DEPTH:
            out.error(f"附件“{filename}”嵌套过深，未审查 / attachment {filename!r} nested too deeply")
            continue
        try:
            data = embedded.get_data()
        except malformed as error:
            out.error(f"附件“{filename}”无法读取 / attachment {filename!r}: {type(error).__name__}: {error}")
            continue
        _read_attachment(data[: MAX_ATTACHMENT + 1], filename, out, depth)
    out.extra_layers.add("attachment")
    out.notice(
        ATTACHMENT_RULE,
        text="、".join(listed)[:80],
        part="attachment",
        source=listed[0],
        detail=f"{len(listed)} 个嵌入附件：{'、'.join(listed[:5])}",
    )


def _walk_name_tree(node: Any, found: list[tuple[str, Any]], level: int) -> None:
    from pdfminer.pdftypes import resolve1

    node = resolve1(node)
    if not isinstance(node, dict) or level > 16:
        return
    pairs = resolve1(node.get("Names")) or []
    for i in range(0, len(pairs) - 1, 2):
        key = resolve1(pairs[i])
        found.append((_text(key) if isinstance(key, bytes) else str(key), pairs[i + 1]))
    for kid in resolve1(node.get("Kids")) or []:
        _walk_name_tree(kid, found, level + 1)


def _read_attachment(data: bytes, filename: str, out: Collector, depth: int) -> None:
    from scanner.extract import extract_nested

    if len(data) > MAX_ATTACHMENT:
        out.error(f"附件“{filename}”过大，未审查 / attachment {filename!r} too large to read")
        return
    inner = extract_nested(data, filename, depth + 1)
    for unit in inner.units:
        source = f"{filename}:{unit.source}" if unit.source else filename
        out.add(unit.text, part="attachment", source=source, paragraph=unit.paragraph, cell=unit.cell,
                numbered=False)
    for reason in inner.errors:
        out.error(f"附件“{filename}”：{reason}")
    for notice in inner.notices:
        out.notices.append(
            type(notice)(rule=notice.rule, text=notice.text, part="attachment", page=None,
                         paragraph=notice.paragraph, source=filename, detail=f"附件“{filename}”：{notice.detail}")
        )
