"""PDF extraction with pdfminer.six: text per page and line, every other layer,
and failed redactions.

Text is read without pdfminer's layout analysis (``laparams=None``): the
analysis is the slow part, and skipping it keeps the page objects in the
order they were drawn, which is what tells a black box drawn *over* text
(a failed redaction: the text is still in the file) from a dark background
drawn *under* white text (a design).  Characters are grouped into lines
here, one unit per line (part ``body``, ``page`` n, ``paragraph`` = line
index within the page).

Other layers: the document information dictionary and XMP metadata
(``metadata``), annotations (``annotation``; unapplied ``/Redact``
annotations are a notice of their own), AcroForm field values (``form``),
bookmarks (``outline``) and embedded files (listed, and read recursively
as ``attachment`` when small enough).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from scanner.extract._common import (
    ATTACHMENT_RULE,
    DARK_BOX_RULE,
    REDACT_ANNOT_RULE,
    Collector,
    ExtractError,
    safe_xml_parser,
)

ENCRYPTED = "加密文件，无法读取 / encrypted"
NO_TEXT = "PDF 中没有任何文字（可能是扫描件或空白文件） / PDF contains no text at all"
DARK = 0.25  # luminance below which a filled box hides black text
MIN_BOX = 3.0  # points; thinner fills are rules and underlines, not boxes
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


@dataclass(frozen=True)
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float
    order: int  # position in drawing order; annotations draw after everything

    def covers(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def describe(self) -> str:
        return f"({self.x0:.0f}, {self.y0:.0f}, {self.x1:.0f}, {self.y1:.0f})"


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


def extract(data: bytes, out: Collector) -> None:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psexceptions import PSException

    malformed = (PSException, *_MALFORMED)
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except PDFPasswordIncorrect as error:
        raise ExtractError(ENCRYPTED) from error
    except malformed as error:
        raise ExtractError(f"PDF 文件损坏，无法打开 / corrupt PDF: {type(error).__name__}: {error}") from error
    manager = PDFResourceManager(caching=True)
    device = PDFPageAggregator(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    any_text = False
    count = 0
    fallback = _Fallback(data)
    try:
        pages = list(PDFPage.create_pages(document))
    except malformed as error:
        raise ExtractError(f"PDF 页面结构损坏 / corrupt page tree: {type(error).__name__}: {error}") from error
    for number, page in enumerate(pages, start=1):
        count = number
        annots = _annotations(page, number, out, malformed)
        try:
            interpreter.process_page(page)
            layout = device.get_result()
        except malformed as error:
            out.error(f"第{number}页无法读取 / page {number} cannot be read: {type(error).__name__}: {error}")
            continue
        any_text |= _page_text(layout, number, annots, out, fallback)
    out.pages = count
    if not any_text and not out.errors:
        out.error(NO_TEXT)
    for reader in (_info, _xmp, _form, _outline):
        try:
            reader(document, out)
        except malformed as error:
            out.error(f"PDF 附加信息无法读取 / cannot read {reader.__name__[1:]}: {type(error).__name__}: {error}")
    try:
        _attachments(document, out, out.depth, malformed)
    except malformed as error:
        out.error(f"PDF 附件无法读取 / cannot read attachments: {type(error).__name__}: {error}")


# -- page text --------------------------------------------------------------


def _page_text(layout: Any, number: int, annot_boxes: list[_Box], out: Collector, fallback: _Fallback) -> bool:
    from pdfminer.layout import LTChar, LTCurve, LTImage

    chars: list[_Char] = []
    boxes: list[_Box] = []
    images = 0
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
            if item.fill and item.width >= MIN_BOX and item.height >= MIN_BOX:
                if _luminance(item.non_stroking_color) < DARK:
                    boxes.append(_Box(item.x0, item.y0, item.x1, item.y1, order))
        elif isinstance(item, LTImage):
            images += 1
        elif hasattr(item, "__iter__"):  # a figure (form XObject): its objects in order
            stack.extend(list(item)[::-1])
    if undecoded and undecoded >= len(chars):
        lines_read = fallback.page_lines(number)
        if lines_read:
            for index, line in enumerate(lines_read, start=1):
                out.add(line, page=number, paragraph=index)
            return True
        out.error(f"第{number}页文字无法解码（字体缺少编码表） / page {number} text cannot be decoded")
    if not chars:
        if images:
            out.error(f"第{number}页无文字层（扫描图像） / page {number} has no text layer (scanned image)")
        return False
    lines = _lines(chars)
    for index, line in enumerate(lines, start=1):
        out.add("".join(_with_spaces(line)), page=number, paragraph=index)
    _redactions(chars, boxes + annot_boxes, number, out)
    return True


class _Fallback:
    """PDFium's text for pages whose fonts pdfminer cannot map to Unicode
    (it fails, for example, on CID fonts of encrypted files); opened only
    when needed.  Without character boxes no redaction check is possible
    on such a page, which is why it is a fallback and not the main path."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.document: Any = None

    def page_lines(self, number: int) -> list[str]:
        try:
            import pypdfium2
        except ImportError:
            return []
        try:
            if self.document is None:
                self.document = pypdfium2.PdfDocument(self.data)
            text = self.document[number - 1].get_textpage().get_text_range()
        except (pypdfium2.PdfiumError, IndexError):
            return []
        lines = text.replace("\r\n", "\n").split("\n")
        return [line for line in lines if line.strip()]


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


def _redactions(chars: list[_Char], boxes: list[_Box], number: int, out: Collector) -> None:
    for box in boxes:
        hidden = [
            char for char in chars
            # Text under a dark box is hidden if the box was drawn after it,
            # or if the text itself is dark (dark on dark).  White text on
            # a dark background drawn first is a design, not a redaction.
            if char.text.strip()
            and box.covers((char.x0 + char.x1) / 2, (char.y0 + char.y1) / 2)
            and (box.order > char.order or _luminance(char.colour) < 0.5)
        ]
        if hidden:
            text = "".join(char.text for char in hidden)
            out.notice(
                DARK_BOX_RULE,
                text=text,
                part="body",
                page=number,
                detail=f"第{number}页深色方块 {box.describe()} 下仍有 {len(hidden)} 个可提取的字符：{text[:40]}",
            )


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
            return 0.299 * r + 0.587 * g + 0.114 * b
        if len(values) == 4:
            c, m, y, k = values
            r, g, b = ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
            return 0.299 * r + 0.587 * g + 0.114 * b
    return 1.0


# -- annotations, forms, outline, metadata ----------------------------------


def _annotations(page: Any, number: int, out: Collector, malformed: tuple[type[BaseException], ...]) -> list[_Box]:
    """Read a page's annotations; return the boxes of dark highlights (drawn over the text)."""
    from pdfminer.pdftypes import resolve1

    boxes: list[_Box] = []
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


def _rect(value: Any) -> _Box | None:
    from pdfminer.pdftypes import resolve1

    value = resolve1(value)
    if not isinstance(value, list) or len(value) != 4:
        return None
    x0, y0, x1, y1 = (float(resolve1(v)) for v in value)
    return _Box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), order=1 << 60)


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
