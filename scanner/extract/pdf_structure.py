"""PDF document structures, read with pdfminer.six: everything outside the page content.

The information dictionary and XMP metadata (part ``metadata``), page
annotations (``annotation``; an unapplied ``/Redact`` annotation is a notice
of its own and its box hides text like a dark box), AcroForm field values
(``form``), bookmarks (``outline``) and embedded files (listed, and read
recursively as ``attachment``).  None of this parses a content stream, so
it is cheap; page text is :mod:`scanner.extract.pdf` and
:mod:`scanner.extract.pdf_miner`.

Each reader takes pdfminer's ``PDFDocument`` (or a page) and a
:class:`~scanner.extract._common.Collector`; malformed structures raise
one of pdfminer's exceptions, which the caller turns into an error.
"""

from __future__ import annotations

from typing import Any

from scanner.extract._common import Collector, safe_xml_parser
from scanner.extract.pdf_pdfium import AFTER_EVERYTHING, DARK, Box, luminance
from scanner.extract.pdf_streams import StreamTooLarge
from scanner.roles import NoticeKind

MAX_ATTACHMENT = 20 * 1024 * 1024
MAX_DEPTH = 2
_INFO_KEYS = ("Title", "Subject", "Keywords", "Author", "Creator", "Producer")
# Titles PDF producers write when the author gave none.
_PLACEHOLDER_TITLES = {"untitled", "无标题", "microsoft word - "}
_SKIP_ANNOTS = {"Link", "Widget", "Popup"}


def miner_luminance(color: Any) -> float:
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



def page_annotations(page: Any, number: int, out: Collector, malformed: tuple[type[BaseException], ...]) -> list[Box]:
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
                    NoticeKind.UNAPPLIED_REDACTION,
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
                if isinstance(colour, list) and colour and miner_luminance(tuple(colour)) < DARK:
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


def info(document: Any, out: Collector) -> None:
    for info in document.info:
        for key in _INFO_KEYS:
            value = _text(info.get(key))
            if value:
                out.add(value, part="metadata", source=key, numbered=False)
                if key == "Title" and not out.title and value.lower() not in _PLACEHOLDER_TITLES:
                    out.title = value


def xmp(document: Any, out: Collector) -> None:
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


def form(document: Any, out: Collector) -> None:
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


MAX_OUTLINE_ENTRIES = 10_000


def outline(document: Any, out: Collector) -> None:
    """Bookmark titles, walked without recursion, each entry once (a /Next loop ends)."""
    from pdfminer.pdftypes import resolve1

    root = resolve1(document.catalog.get("Outlines"))
    if not isinstance(root, dict):
        return
    seen: set[int] = set()
    stack = [(root.get("First"), 1)]
    index = 0
    while stack and index < MAX_OUTLINE_ENTRIES:
        reference, level = stack.pop()
        key = getattr(reference, "objid", None)
        entry = resolve1(reference)
        if not isinstance(entry, dict) or (key if key is not None else id(entry)) in seen:
            continue
        seen.add(key if key is not None else id(entry))
        # the next sibling after this entry's children: pushed first, popped last
        stack.append((entry.get("Next"), level))
        if entry.get("First") is not None:
            stack.append((entry.get("First"), level + 1))
        title = _text(entry.get("Title"))
        if title:
            index += 1
            out.add(title, part="outline", source=f"level {level}", paragraph=index)


# -- embedded files ---------------------------------------------------------


def attachments(document: Any, out: Collector, depth: int, malformed: tuple[type[BaseException], ...]) -> None:
    from pdfminer.pdftypes import resolve1

    names = resolve1(document.catalog.get("Names"))
    if not isinstance(names, dict):
        return
    found: list[tuple[str, Any]] = []
    _walk_name_tree(names.get("EmbeddedFiles"), found)
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
            out.cover(f"附件 {filename}", "attachment", "listed", "无嵌入数据 / no embedded data")
            continue
        declared = resolve1(resolve1(embedded.attrs.get("Params") or {}).get("Size")) if hasattr(embedded, "attrs") else None
        if isinstance(declared, int) and declared > MAX_ATTACHMENT:
            _unread_attachment(out, filename, f"附件“{filename}”过大，未审查 / attachment {filename!r} too large to read")
            continue
        if depth >= MAX_DEPTH:
            _unread_attachment(out, filename, f"附件“{filename}”嵌套过深，未审查 / attachment {filename!r} nested too deeply")
            continue
        try:
            data = embedded.get_data()
        except StreamTooLarge as error:
            _unread_attachment(out, filename, f"附件“{filename}”{error.zh}，未审查 / attachment {filename!r}: {error}")
            continue
        except malformed as error:
            _unread_attachment(out, filename, f"附件“{filename}”无法读取 / attachment {filename!r}: {type(error).__name__}: {error}")
            continue
        out.cover(f"附件 {filename}", "attachment")
        _read_attachment(data[: MAX_ATTACHMENT + 1], filename, out, depth)
    out.extra_layers.add("attachment")
    out.notice(
        NoticeKind.ATTACHMENT,
        text="、".join(listed)[:80],
        part="attachment",
        source=listed[0],
        detail=f"{len(listed)} 个嵌入附件：{'、'.join(listed[:5])}",
    )


# Entries and nodes of one name tree read at most: a real tree of attachments
# has a handful; a crafted one can reference one node from every other.
MAX_NAME_TREE_NODES = 10_000


def _unread_attachment(out: Collector, filename: str, reason: str) -> None:
    """An attachment that was not read: its ledger entry and the document's error (review)."""
    out.cover(f"附件 {filename}", "attachment", "unread", reason)
    out.error(reason)


def _walk_name_tree(root: Any, found: list[tuple[str, Any]], level: int = 0) -> None:
    """The (name, value) pairs of a name tree, each node visited once however often it is referenced.

    A node referenced from many places (or from itself) is read the first
    time only: without that a 1 KB tree whose nodes each list the same kid
    40 times takes 40 to the power of its depth steps.  At most 16 levels
    and :data:`MAX_NAME_TREE_NODES` nodes are read.
    """
    from pdfminer.pdftypes import resolve1

    seen: set[int] = set()
    stack = [(root, level)]
    while stack and len(seen) < MAX_NAME_TREE_NODES:
        reference, depth = stack.pop()
        key = getattr(reference, "objid", None)
        node = resolve1(reference)
        if not isinstance(node, dict) or depth > 16:
            continue
        key = key if key is not None else id(node)
        if key in seen:
            continue
        seen.add(key)
        pairs = resolve1(node.get("Names")) or []
        for i in range(0, len(pairs) - 1, 2):
            name = resolve1(pairs[i])
            found.append((_text(name) if isinstance(name, bytes) else str(name), pairs[i + 1]))
        kids = resolve1(node.get("Kids")) or []
        if isinstance(kids, list):
            stack.extend((kid, depth + 1) for kid in reversed(kids))


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
            type(notice)(kind=notice.kind, text=notice.text, part="attachment", page=None,
                         paragraph=notice.paragraph, source=filename, detail=f"附件“{filename}”：{notice.detail}")
        )
