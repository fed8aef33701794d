"""Excel (.xlsx) extraction: every sheet, including hidden and very hidden ones.

Sheets are streamed with lxml ``iterparse`` (openpyxl loads the whole
workbook into objects and is an order of magnitude slower).  Each non-empty
cell is one unit (part ``sheet``, ``source`` the sheet name, ``page`` the
sheet's position, ``cell`` 0-based row and column).  Cells in hidden rows
or columns are part ``hidden``: they are a classic leak (a column of ID
numbers hidden before the sheet was published).
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from scanner.extract._common import Collector, ExtractError
from scanner.extract._images import package_pictures
from scanner.extract._ooxml import (
    DTD_REFUSED,
    NS,
    Package,
    account,
    embedded_objects_notice,
    q,
    read_properties,
    refuse_dtd,
)
from scanner.roles import NoticeKind

if TYPE_CHECKING:
    from lxml.etree import _Element

S = "{" + NS["s"] + "}"
A_P, A_T = q("a", "p"), q("a", "t")
_REF = re.compile(r"^([A-Z]+)(\d+)$")
_HEADER_CODE = re.compile(r'&(?:"[^"]*"|K[0-9A-Fa-f]{6}|K\d\d[+-]\d{3}|\d+|[LCR])')
_HEADER_FIELD = re.compile(r"&[A-Za-z]")
_HEADER_TAGS = {S + x: ("header" if "Header" in x else "footer") for x in (
    "oddHeader", "evenHeader", "firstHeader", "oddFooter", "evenFooter", "firstFooter")}
_TRUE = {"1", "true"}


def extract(data: bytes, out: Collector) -> None:
    package = Package(data)
    main = package.main_part("xl/workbook.xml")
    workbook = package.xml(main)
    rels = package.rels(main)
    shared = _shared_strings(package, rels)
    hidden_sheets: list[tuple[str, str]] = []
    sheets = workbook.find(S + "sheets")
    entries = list(sheets.iter(S + "sheet")) if sheets is not None else []
    read: set[str] = set()
    for number, sheet in enumerate(entries, start=1):
        name = sheet.get("name", f"Sheet{number}")
        target = rels.get(sheet.get(q("r", "id"), ""))
        if target is None or not package.has(target):
            out.error(f"工作表“{name}”缺失 / sheet {name!r} is missing")
            continue
        if target in read:
            # one part named by many sheet entries (100,000 of them made a
            # 250 kB file take minutes): its text is read once
            continue
        read.add(target)
        before = len(out.units)
        try:
            _sheet(package, target, name, number, shared, out)
        except ExtractError as error:
            out.error(str(error))
        if sheet.get("state") in ("hidden", "veryHidden"):
            texts = [unit.text for unit in out.units[before:]]
            hidden_sheets.append((name, " ".join(texts)))
    if hidden_sheets:
        names = "、".join(name for name, _ in hidden_sheets)
        first_text = next((text for _, text in hidden_sheets if text.strip()), hidden_sheets[0][0])
        out.notice(
            NoticeKind.HIDDEN_SHEET,
            text=first_text[:80],
            part="sheet",
            source=hidden_sheets[0][0],
            detail=f"{len(hidden_sheets)} 个隐藏工作表：{names}",
        )
    for name in sorted(n for n in package.names if re.match(r"^xl/drawings/drawing\d+\.xml$", n)):
        try:
            root = package.xml(name)
        except ExtractError as error:
            out.error(str(error))
            continue
        for index, paragraph in enumerate(root.iter(A_P), start=1):
            text = "".join(t.text or "" for t in paragraph.iter(A_T))
            out.add(text, part="textbox", source=name, paragraph=index)
    read_properties(package, out)
    package_pictures(package, out, "xl/media/")
    embedded_objects_notice(package, out, "xl/media/", "xl/embeddings/")
    account(package, out, units_name_their_part=False)  # cells name their sheet


def _shared_strings(package: Package, rels: dict[str, str]) -> list[str]:
    name = next((t for t in rels.values() if t.endswith("sharedStrings.xml")), "xl/sharedStrings.xml")
    if not package.has(name):
        return []
    strings = []
    for _, item in _iterparse(package.read(name), (S + "si",), name):
        # Phonetic guides (rPh) repeat the reading of the text, not content.
        strings.append("".join(t.text or "" for t in item.iter(S + "t") if t.getparent().tag != S + "rPh"))
        item.clear()
    return strings


def _iterparse(raw: bytes, tags: tuple[str, ...], name: str, events: tuple[str, ...] = ("end",)):  # type: ignore[no-untyped-def]
    from lxml import etree

    refuse_dtd(raw, name)
    parser = etree.iterparse(
        io.BytesIO(raw), events=events, tag=tags, resolve_entities=False, no_network=True, huge_tree=False,
        load_dtd=False,
    )
    checked = False
    try:
        for event, element in parser:
            if not checked:  # the DTD precedes the first element; look once
                docinfo = element.getroottree().docinfo
                if docinfo.doctype or docinfo.internalDTD is not None:
                    raise ExtractError(DTD_REFUSED.format(name=name))
                checked = True
            yield event, element
    except etree.XMLSyntaxError as error:
        raise ExtractError(f"部件 {name} 不是有效的 XML / part {name} is not valid XML: {error}") from error


def _sheet(package: Package, target: str, name: str, number: int, shared: list[str], out: Collector) -> None:
    hidden_cols: set[int] = set()
    row_hidden = False
    tags = (S + "c", S + "row", S + "col", *_HEADER_TAGS)
    for event, element in _iterparse(package.read(target), tags, target, ("start", "end")):
        tag = element.tag
        if tag == S + "row":
            if event == "start":
                row_hidden = element.get("hidden") in _TRUE
            else:
                element.clear()
            continue
        if event == "start":
            continue
        if tag == S + "c":
            text = _cell_text(element, shared)
            if text:
                row, col = _ref(element.get("r", ""))
                part = "hidden" if row_hidden or col in hidden_cols else "sheet"
                out.add(text, part=part, page=number, source=name, cell=(row, col))
            element.clear()
        elif tag == S + "col":
            if element.get("hidden") in _TRUE:
                hidden_cols.update(range(int(element.get("min", "1")) - 1, int(element.get("max", "1"))))
        else:
            text = _header_text(element.text or "")
            out.add(text, part=_HEADER_TAGS[tag], page=number, source=name, paragraph=number)
    comments = next(iter(package.rels(target, "/comments").values()), None)
    if comments and package.has(comments):
        _comments(package, comments, name, number, out)


def _cell_text(cell: _Element, shared: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(S + "t"))
    value = cell.find(S + "v")
    if value is None or value.text is None:
        return ""
    if kind == "s":
        try:
            return shared[int(value.text)]
        except (ValueError, IndexError):
            return ""
    return value.text


def _ref(ref: str) -> tuple[int, int]:
    match = _REF.match(ref)
    if not match:
        return (0, 0)
    col = 0
    for letter in match.group(1):
        col = col * 26 + ord(letter) - 64
    return int(match.group(2)) - 1, col - 1


def _header_text(raw: str) -> str:
    text = _HEADER_CODE.sub(" ", raw.replace("&&", "\0"))
    return _HEADER_FIELD.sub(" ", text).replace("\0", "&").strip()


def _comments(package: Package, name: str, sheet: str, number: int, out: Collector) -> None:
    try:
        root = package.xml(name)
    except ExtractError as error:
        out.error(str(error))
        return
    for index, comment in enumerate(root.iter(S + "comment"), start=1):
        text = "".join(t.text or "" for t in comment.iter(S + "t"))
        out.add(text.strip(), part="comment", page=number, source=sheet, cell=_ref(comment.get("ref", "")),
                paragraph=index)
