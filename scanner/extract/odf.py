"""OpenDocument (``.odt``, ``.ods``, ``.odp``, ``.odg``, and the same files written by WPS Office).

A zip of XML parts, read with the OOXML module's checked package (member
count, sizes and ratios bounded before inflating; no DTDs, entities or
network).  The parts, after the ODF 1.2 specification:

- ``content.xml``: the body — text paragraphs and headings, tables, text
  boxes (``draw:text-box``), foot/endnotes (``text:note``), annotations
  (``office:annotation``, with ``dc:creator``), tracked changes
  (``text:tracked-changes``: the deleted text of each ``text:deletion``;
  the text between an insertion's ``text:change-start`` and ``change-end``
  is body text and, as in docx, also part ``inserted``),
  hidden sections (``text:display="none"``), hidden paragraphs and hidden
  text fields, and text in a character or paragraph style with
  ``text:display="none"``; spreadsheets' sheets (hidden ones by their table
  style), cells with A1 places (repeated rows and columns counted, not
  expanded), hidden rows and columns; presentations' pages, notes and
  hidden pages;
- ``styles.xml``: master pages — headers and footers (first, left, right),
  and the text on presentation masters;
- ``meta.xml``: title, subject, description, keywords, authors and the
  user-defined properties;
- embedded objects (``Object N/``, themselves OpenDocument parts; binary OLE
  objects are handed to the pipeline), pictures under ``Pictures/`` (OCR).

An encrypted document (``manifest:encryption-data``) cannot be read and is
said so.  A flat file (``.fodt``/``.fods``/``.fodp``) holds the same parts
under one ``office:document`` root and is read the same way.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scanner.extract._common import ExtractError, safe_xml_parser
from scanner.extract._container import ContainerCollector
from scanner.extract._images import package_pictures, picture
from scanner.extract._ole import unwrap_object
from scanner.extract._ooxml import MAX_PART_TAGS, Package, refuse_dtd
from scanner.roles import NoticeKind

if TYPE_CHECKING:
    from lxml.etree import _Element

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}


def _q(prefix: str, local: str) -> str:
    return f"{{{_NS[prefix]}}}{local}"


P, H, SPAN, S, TAB, BREAK = (_q("text", n) for n in ("p", "h", "span", "s", "tab", "line-break"))
NOTE, NOTE_BODY, NOTE_CITATION = _q("text", "note"), _q("text", "note-body"), _q("text", "note-citation")
ANNOTATION, TRACKED, SECTION = _q("office", "annotation"), _q("text", "tracked-changes"), _q("text", "section")
HIDDEN_TEXT, HIDDEN_PARAGRAPH = _q("text", "hidden-text"), _q("text", "hidden-paragraph")
FRAME, TEXT_BOX, IMAGE, OBJECT, OBJECT_OLE = (_q("draw", n) for n in ("frame", "text-box", "image", "object",
                                                                         "object-ole"))
TABLE, ROW, CELL, COVERED, COLUMN = (_q("table", n) for n in ("table", "table-row", "table-cell",
                                                               "covered-table-cell", "table-column"))
PAGE, NOTES = _q("draw", "page"), _q("presentation", "notes")
STYLE_NAME = _q("text", "style-name")
CHANGE_START, CHANGE_END = _q("text", "change-start"), _q("text", "change-end")
_PARTS_OF_MASTER = {"header": "header", "header-first": "header", "header-left": "header", "footer": "footer",
                    "footer-first": "footer", "footer-left": "footer"}
_MASTER_NAMES = {"header": "页眉", "header-first": "首页页眉", "header-left": "左页页眉", "footer": "页脚",
                 "footer-first": "首页页脚", "footer-left": "左页页脚"}
_META = (("dc", "title"), ("dc", "subject"), ("dc", "description"), ("meta", "keyword"),
         ("meta", "initial-creator"), ("dc", "creator"))
MAX_REPEAT = 1_048_576  # the most rows a sheet can have: a larger repeat count is not a real sheet
_DRAW = "{" + _NS["draw"] + "}"
_PLACEHOLDER_FIELDS = ("page-number", "date-time")
_FORMATS = {"text": "odt", "spreadsheet": "ods", "presentation": "odp", "drawing": "odg"}


@dataclass
class _Context:
    part: str = "body"
    source: str = ""
    page: int | None = None
    cell: tuple[int, int] | None = None
    numbered: bool = True


@dataclass
class _Reader:
    package: Package | None  # None for a flat file, whose objects are inline
    out: ContainerCollector
    hidden_styles: set[str] = field(default_factory=set)
    hidden_tables: set[str] = field(default_factory=set)
    hidden_pages: set[str] = field(default_factory=set)
    # tracked insertions: change id -> author (text:tracked-changes comes before the text it marks)
    insertions: dict[str, str] = field(default_factory=dict)
    open_insertion: str = ""  # the insertion whose change-start was met and change-end not yet
    insert_from: int | None = None  # where in the paragraph's pieces the open insertion starts
    last_insertion: str = ""  # the insertion that ended last (its author names the paragraph's inserted text)

    # -- styles --------------------------------------------------------------------------------------

    def styles(self, root: _Element) -> None:
        """Remember the styles that hide text, tables (sheets) or pages."""
        for style in root.iter(_q("style", "style")):
            name = style.get(_q("style", "name"), "")
            for properties in style:
                if properties.get(_q("text", "display")) == "none":
                    self.hidden_styles.add(name)
                if properties.get(_q("table", "display")) == "false":
                    self.hidden_tables.add(name)
                if properties.get(_q("presentation", "visibility")) == "hidden":
                    self.hidden_pages.add(name)

    # -- text ----------------------------------------------------------------------------------------

    def block(self, element: _Element, ctx: _Context) -> None:
        """Any element that holds paragraphs: read its children in document order."""
        for child in element:
            tag = child.tag
            if tag in (P, H):
                self.paragraph(child, ctx)
            elif tag == SECTION:
                hidden = child.get(_q("text", "display")) == "none" or child.get(_q("text", "condition"))
                self.block(child, _hide(ctx) if hidden else ctx)
            elif tag == TABLE:
                self.text_table(child, ctx)
            elif tag == TRACKED:
                self.tracked(child, ctx)
            elif tag == ANNOTATION:
                self.annotation(child, ctx)
            elif tag == FRAME or (isinstance(tag, str) and tag.startswith(_DRAW) and tag != PAGE):
                self.frame(child, ctx)
            elif isinstance(tag, str):
                self.block(child, ctx)

    def paragraph(self, element: _Element, ctx: _Context) -> None:
        pieces: list[str] = []
        hidden: list[str] = []
        later: list[_Element] = []  # notes, annotations and frames: read after the paragraph
        inserted: list[str] = []
        self.insert_from = 0 if self.open_insertion else None  # an insertion running on from the paragraph before
        self._inline(element, pieces, hidden, later, element.get(STYLE_NAME, "") in self.hidden_styles, inserted)
        if self.insert_from is not None:
            inserted.append("".join(pieces[self.insert_from :]))
        paragraph_hidden = any(
            field.get(_q("text", "is-hidden")) == "true" for field in element.iter(HIDDEN_PARAGRAPH)
        )
        text = "".join(pieces)
        part = "hidden" if paragraph_hidden and ctx.part not in ("deleted",) else ctx.part
        unit = self.out.add(text, part=part, source=ctx.source, page=ctx.page, cell=ctx.cell,
                            numbered=ctx.numbered and part == ctx.part)
        number = unit.paragraph if unit is not None else (self.out.paragraph or None)
        if inserted and ctx.part not in ("deleted", "hidden"):
            author = self.insertions.get(self.open_insertion or self.last_insertion, "")
            self.out.add("".join(inserted), part="inserted", source=ctx.source or f"插入修订 {author}".strip(),
                         page=ctx.page, cell=ctx.cell, paragraph=number, numbered=False)
        if hidden:
            self.out.add("".join(hidden), part="hidden", source=ctx.source or "正文", page=ctx.page, cell=ctx.cell,
                         paragraph=number, numbered=False)
        for child in later:
            if child.tag == NOTE:
                kind = "endnote" if child.get(_q("text", "note-class")) == "endnote" else "footnote"
                body = child.find(NOTE_BODY)
                if body is not None:
                    self.block(body, _Context(part=kind, source={"footnote": "脚注", "endnote": "尾注"}[kind],
                                              page=ctx.page, numbered=False))
            elif child.tag == ANNOTATION:
                self.annotation(child, ctx)
            else:
                self.frame(child, ctx)

    def _inline(self, element: _Element, pieces: list[str], hidden: list[str], later: list[_Element],
                is_hidden: bool, inserted: list[str]) -> None:
        target = hidden if is_hidden else pieces
        if element.text:
            target.append(element.text)
        for child in element:
            tag = child.tag
            if tag == S:
                target.append(" " * int(child.get(_q("text", "c"), "1") or 1))
            elif tag == TAB:
                target.append("\t")
            elif tag == BREAK:
                target.append("\n")
            elif tag in (NOTE, ANNOTATION) or (isinstance(tag, str) and tag.startswith(_DRAW)):
                later.append(child)  # a frame or a drawn shape (custom-shape, rect …) anchored in the paragraph
            elif tag == HIDDEN_TEXT:
                value = child.get(_q("text", "string-value"), "")
                (hidden if child.get(_q("text", "is-hidden")) != "false" else target).append(value)
            elif tag == SPAN:
                self._inline(child, pieces, hidden, later, is_hidden or child.get(STYLE_NAME, "") in self.hidden_styles,
                             inserted)
            elif tag == CHANGE_START and child.get(_q("text", "change-id"), "") in self.insertions:
                self.open_insertion, self.insert_from = child.get(_q("text", "change-id"), ""), len(pieces)
            elif tag == CHANGE_END and self.insert_from is not None:
                inserted.append("".join(pieces[self.insert_from :]))
                self.insert_from = None
                self.last_insertion, self.open_insertion = self.open_insertion, ""
            elif tag == NOTE_CITATION or not isinstance(tag, str):
                pass
            else:
                self._inline(child, pieces, hidden, later, is_hidden, inserted)
            if child.tail:
                target.append(child.tail)

    def annotation(self, element: _Element, ctx: _Context) -> None:
        creator = element.find(_q("dc", "creator"))
        author = (creator.text or "").strip() if creator is not None else ""
        source = ctx.source if ctx.cell is not None else f"批注 {author}".strip()
        self.block(element, _Context(part="comment", source=source, page=ctx.page, cell=ctx.cell, numbered=False))

    def tracked(self, element: _Element, ctx: _Context) -> None:
        for region in element.iter(_q("text", "changed-region")):
            insertion = region.find(_q("text", "insertion"))
            if insertion is not None:
                creator = insertion.find(f"{_q('office', 'change-info')}/{_q('dc', 'creator')}")
                region_id = region.get(_q("text", "id")) or region.get("{http://www.w3.org/XML/1998/namespace}id", "")
                self.insertions[region_id] = (creator.text or "").strip() if creator is not None else ""
        for deletion in element.iter(_q("text", "deletion")):
            creator = deletion.find(f"{_q('office', 'change-info')}/{_q('dc', 'creator')}")
            author = (creator.text or "").strip() if creator is not None else ""
            # (its change info, author and date, holds no paragraph: block() reads none of it)
            self.block(deletion, _Context(part="deleted", source=f"删除修订 {author}".strip(), page=ctx.page,
                                          numbered=False))

    def frame(self, element: _Element, ctx: _Context) -> None:
        """A frame (text box, object, picture) or a drawn shape with text of its own."""
        if element.get(_q("presentation", "class")) in _PLACEHOLDER_FIELDS:
            return  # the slide number or date a master shows, as "<number>"
        inner = ctx if ctx.part in ("slide", "notes", "master", "hidden", "deleted") else _Context(
            part="textbox", source="文本框", page=ctx.page, numbered=False)
        if element.tag != FRAME:
            self.block(element, inner)
            return
        for child in element:
            if child.tag == TEXT_BOX:
                self.block(child, inner)
            elif child.tag in (OBJECT, OBJECT_OLE):
                self.object(child)
            elif child.tag == IMAGE:
                pass  # pictures are handed to OCR from Pictures/ as a whole

    def object(self, element: _Element) -> None:
        href = element.get(_q("xlink", "href"), "").removeprefix("./").rstrip("/")
        inline = element.find(_q("office", "document"))
        if inline is not None:  # a flat file's embedded object is a whole document in place
            body = inline.find(_q("office", "body"))
            if body is not None:
                self.block(body, _Context(part="embedded", source="嵌入对象", numbered=False))
            return
        if not href or self.package is None:
            if href:
                self.out.unread(href, "embedded", "嵌入对象不在文件中 / embedded object is not in the file",
                                part="embedded")
            return
        if self.package.has(f"{href}/content.xml"):
            try:
                root = self.package.xml(f"{href}/content.xml")
            except ExtractError as error:
                self.out.error(str(error))
                return
            body = root.find(_q("office", "body"))
            if body is not None:
                self.block(body, _Context(part="embedded", source=f"嵌入对象 {href}", numbered=False))
            self.out.cover(f"{href}/content.xml", "embedded")
        elif self.package.has(href):
            label, data = unwrap_object(self.package.read(href))
            name = label or posixpath.basename(href)
            if data and self.out.may_embed(name):
                self.out.embed(name, data, part="embedded")
        else:
            self.out.unread(href, "embedded", "嵌入对象缺失 / embedded object is missing", part="embedded")

    def text_table(self, element: _Element, ctx: _Context) -> None:
        """A table in running text: each cell's paragraphs, part ``table`` with the cell's (row, column)."""
        for row, table_row in enumerate(_rows(element)):
            for col, cell in enumerate(child for child in table_row if child.tag in (CELL, COVERED)):
                inner = (_Context(part="table", page=ctx.page, cell=(row, col)) if ctx.part == "body" else
                         _Context(part=ctx.part, source=ctx.source, page=ctx.page, cell=(row, col), numbered=False))
                self.block(cell, inner)

    # -- spreadsheets ----------------------------------------------------------------------------------

    def sheet(self, element: _Element, number: int) -> bool:
        """Read one sheet; whether it is hidden."""
        name = element.get(_q("table", "name"), f"Sheet{number}")
        hidden_cols: set[int] = set()
        col = 0
        for column in element.iter(COLUMN):
            repeat = min(int(column.get(_q("table", "number-columns-repeated"), "1") or 1), MAX_REPEAT)
            if column.get(_q("table", "visibility"), "visible") != "visible" and col < 16_384:
                hidden_cols.update(range(col, min(col + repeat, 16_384)))
            col += repeat
        row = 0
        for table_row in _rows(element):
            repeat = min(int(table_row.get(_q("table", "number-rows-repeated"), "1") or 1), MAX_REPEAT)
            row_hidden = table_row.get(_q("table", "visibility"), "visible") != "visible"
            col = 0
            for cell in table_row:
                if cell.tag not in (CELL, COVERED):
                    continue
                span = min(int(cell.get(_q("table", "number-columns-repeated"), "1") or 1), 16_384)
                if len(cell):
                    # a repeated non-empty cell is the same text in each place: read once, at the first
                    part = "hidden" if row_hidden or col in hidden_cols else "sheet"
                    self.block(cell, _Context(part=part, source=name, page=number, cell=(row, col), numbered=False))
                col += span
            row += repeat
        return element.get(_q("table", "style-name"), "") in self.hidden_tables

    # -- presentations -------------------------------------------------------------------------------

    def page(self, element: _Element, number: int) -> bool:
        """Read one slide and its notes; whether it is hidden."""
        for child in element:
            if child.tag == NOTES:
                self.block(child, _Context(part="notes", source="备注", page=number, numbered=False))
            elif child.tag == FRAME:
                self.frame(child, _Context(part="slide", source=element.get(_q("draw", "name"), ""), page=number))
            elif isinstance(child.tag, str):
                self.block(child, _Context(part="slide", page=number))
        return (element.get(_q("draw", "style-name"), "") in self.hidden_pages
                or element.get(_q("presentation", "visibility")) == "hidden")


def _rows(table: _Element) -> list[_Element]:
    """The table's own rows (also inside header-row and row groups), not those of a table nested in a cell."""
    rows = []
    for child in table:
        if child.tag == ROW:
            rows.append(child)
        elif isinstance(child.tag, str) and child.tag.endswith(("header-rows", "table-rows", "row-group")):
            rows.extend(_rows(child))
    return rows


def _hide(ctx: _Context) -> _Context:
    return _Context(part="hidden", source=ctx.source or "隐藏段落", page=ctx.page, cell=ctx.cell, numbered=False)


def extract(data: bytes, out: ContainerCollector) -> None:
    """Read an OpenDocument package, or a flat OpenDocument file (``.fodt``…: one XML document)."""
    if not data.startswith(b"PK"):
        _flat(data, out)
        return
    package = Package(data)
    if package.has("META-INF/manifest.xml") and b"encryption-data" in package.read("META-INF/manifest.xml"):
        raise ExtractError("加密的 OpenDocument 文档，无法读取 / encrypted OpenDocument file")
    if not package.has("content.xml"):
        raise ExtractError("OpenDocument 文档缺少 content.xml / content.xml is missing")
    reader = _Reader(package, out)
    styles = package.xml("styles.xml") if package.has("styles.xml") else None
    content = package.xml("content.xml")
    for root in (styles, content):
        if root is not None:
            reader.styles(root)
    local = _body(reader, content)
    out.cover("content.xml", "main")
    if styles is not None:
        _masters(reader, styles, local)
        out.cover("styles.xml", "styles")
    if package.has("meta.xml"):
        try:
            _meta(package.xml("meta.xml"), out)
            out.cover("meta.xml", "properties")
        except ExtractError as error:
            out.error(str(error))
    package_pictures(package, out, "Pictures/")
    handed = {image.name for image in out.images}
    for name in sorted(package.names):
        # the rest: vector pictures (.svm, .wmf, .emf, .svg) are named as unread, tiny rasters listed
        if name.startswith("Pictures/") and not name.endswith("/") and name not in handed:
            picture(name, package.read(name), out, source="Pictures")


def _flat(data: bytes, out: ContainerCollector) -> None:
    """A flat OpenDocument file: the parts of a package as children of one ``office:document`` root.

    Its styles, master pages (headers, footers), meta and body are read as
    in a package; pictures are inline (``office:binary-data``, base64).
    """
    from lxml import etree

    refuse_dtd(data, "OpenDocument XML")
    tags = data.count(b"<")
    if tags > MAX_PART_TAGS:
        raise ExtractError(f"OpenDocument XML 文档含 {tags:,} 个标签，超过上限 {MAX_PART_TAGS:,}，拒绝读取 "
                           f"/ flat OpenDocument file has {tags:,} tags, more than {MAX_PART_TAGS:,}: refused")
    try:
        root = etree.fromstring(data, safe_xml_parser())
    except etree.XMLSyntaxError as error:
        raise ExtractError(f"OpenDocument XML 文档不是有效的 XML（可能被截断） / invalid flat OpenDocument: {error}") from error
    if root is None or root.tag != _q("office", "document"):
        raise ExtractError("不是 OpenDocument XML 文档（根元素不是 office:document） / not a flat OpenDocument file")
    reader = _Reader(None, out)
    reader.styles(root)
    local = _body(reader, root)
    out.cover("office:body", "main")
    _masters(reader, root, local)
    out.cover("office:master-styles", "styles")
    meta = root.find(_q("office", "meta"))  # not the whole root: annotations and changes have a dc:creator too
    if meta is not None:
        _meta(meta, out)
        out.cover("office:meta", "properties")
    _inline_pictures(root, out)


def _body(reader: _Reader, content: _Element) -> str:
    """Read ``office:body`` of ``content`` (a text, sheets or pages); returns its kind (``text``, ``spreadsheet``…)."""
    out = reader.out
    body = content.find(_q("office", "body"))
    kind = next(iter(body), None) if body is not None else None
    local = kind.tag.rpartition("}")[2] if kind is not None and isinstance(kind.tag, str) else ""
    out.format = _FORMATS.get(local, "odt")
    if kind is None:
        raise ExtractError("OpenDocument 文档没有正文 / office:body is empty")
    if local == "spreadsheet":
        hidden = []
        sheets = kind.findall(TABLE)
        for number, sheet in enumerate(sheets, start=1):
            before = len(out.units)
            if reader.sheet(sheet, number):
                name = sheet.get(_q("table", "name"), f"Sheet{number}")
                hidden.append((name, " ".join(unit.text for unit in out.units[before:])))
        out.pages = len(sheets)
        if hidden:
            out.notice(NoticeKind.HIDDEN_SHEET, text=next((t for _, t in hidden if t.strip()), hidden[0][0])[:80],
                       part="sheet", source=hidden[0][0],
                       detail=f"{len(hidden)} 个隐藏工作表：{'、'.join(name for name, _ in hidden)}")
    elif local in ("presentation", "drawing"):
        hidden_pages = []
        pages = kind.findall(PAGE)
        for number, page in enumerate(pages, start=1):
            before = len(out.units)
            if reader.page(page, number):
                hidden_pages.append((number, " ".join(unit.text for unit in out.units[before:])))
        out.pages = len(pages)
        if hidden_pages:
            out.notice(NoticeKind.HIDDEN_SLIDE, text=next((t for _, t in hidden_pages if t.strip()), "")[:80], part="slide",
                       page=hidden_pages[0][0],
                       detail=f"{len(hidden_pages)} 张隐藏幻灯片：{'、'.join(f'第{n}张' for n, _ in hidden_pages)}")
    else:
        reader.block(kind, _Context())
    return local


def _inline_pictures(root: _Element, out: ContainerCollector) -> None:
    """Pictures of a flat file (``draw:image`` › ``office:binary-data``): rasters to OCR, others named as unread."""
    for number, element in enumerate(root.iter(_q("office", "binary-data")), start=1):
        name = f"图片{number}"
        try:
            data = base64.b64decode(element.text or "")
        except (binascii.Error, ValueError):
            out.unread(name, "image", "图片数据已损坏 / picture data is corrupt", part="embedded")
            continue
        picture(name, data, out, source="office:binary-data")


def _masters(reader: _Reader, styles: _Element, kind: str) -> None:
    """Headers and footers of the master pages; a presentation master's own text."""
    for master in styles.iter(_q("style", "master-page")):
        name = master.get(_q("style", "display-name")) or master.get(_q("style", "name"), "")
        for child in master:
            local = child.tag.rpartition("}")[2] if isinstance(child.tag, str) else ""
            if local in _PARTS_OF_MASTER and child.get(_q("style", "display")) != "false":
                reader.block(child, _Context(part=_PARTS_OF_MASTER[local], source=f"{_MASTER_NAMES[local]} {name}".strip(),
                                             numbered=False))
            elif child.tag == FRAME and kind in ("presentation", "drawing"):
                reader.frame(child, _Context(part="master", source=f"母版 {name}".strip(), numbered=False))


def _meta(root: _Element, out: ContainerCollector) -> None:
    """Properties from ``meta.xml`` (or a flat file's ``office:meta``)."""
    for prefix, local in _META:
        for element in root.iter(_q(prefix, local)):
            out.add((element.text or "").strip(), part="metadata", source=f"属性 {local}", numbered=False)
    for element in root.iter(_q("meta", "user-defined")):
        out.add((element.text or "").strip(), part="metadata",
                source=f"自定义属性 {element.get(_q('meta', 'name'), '')}".strip(), numbered=False)
