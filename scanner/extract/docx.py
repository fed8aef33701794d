"""Word (.docx) extraction: every layer, streamed with lxml, no python-docx.

Reading order: body paragraphs and tables (cells as part ``table``; their
paragraph numbers continue the body sequence), then text boxes where they
are anchored, then headers and footers (every variant), footnotes,
endnotes, comments and document properties.

Tracked changes: inserted text is visible, so it is part of the body text
*and* reported again as part ``inserted``; deleted text is not visible and
is reported only as part ``deleted``.  Text with the ``w:vanish`` run
property, or hidden by its character or paragraph style (``docx_styles``),
is reported only as part ``hidden``.

Pages: Word does not store pages.  When the file was last saved by Word it
holds ``w:lastRenderedPageBreak`` marks, which are the real page starts;
otherwise explicit page breaks, ``pageBreakBefore`` and section breaks are
counted.  Either way the page number is an estimate.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scanner.extract._common import Collector, ExtractError
from scanner.extract._images import docx_picture, package_pictures
from scanner.extract._ooxml import Package, account, embedded_objects_notice, read_properties
from scanner.extract.docx_styles import HiddenStyles, hidden_styles_of
from scanner.types import Embedded

if TYPE_CHECKING:
    from lxml.etree import _Element

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
P, R, T, TBL, TR, TC, SDT, SDT_CONTENT = (W + x for x in ("p", "r", "t", "tbl", "tr", "tc", "sdt", "sdtContent"))
INS, DEL, MOVE_TO, MOVE_FROM = (W + x for x in ("ins", "del", "moveTo", "moveFrom"))
DEL_TEXT, TAB, BR, CR = (W + x for x in ("delText", "tab", "br", "cr"))
PPR, RPR, VANISH, SECT_PR = (W + x for x in ("pPr", "rPr", "vanish", "sectPr"))
PAGE_BREAK_BEFORE, LAST_RENDERED = W + "pageBreakBefore", W + "lastRenderedPageBreak"
DRAWING, PICT, OBJECT, TXBX = W + "drawing", W + "pict", W + "object", W + "txbxContent"
NO_BREAK_HYPHEN, SOFT_HYPHEN = W + "noBreakHyphen", W + "softHyphen"
TYPE, VAL = W + "type", W + "val"
CUSTOM_XML = W + "customXml"
# Containers whose children are runs like the paragraph's own.
INLINE_WRAPPERS = {W + x for x in ("hyperlink", "smartTag", "fldSimple", "sdtContent", "customXml", "bdo", "dir")}
MC_ALT = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
MC_CHOICE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Choice"
DOC_PR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"

MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_OFF = {"0", "false", "off"}
# Relationship types (their last segment) of the main part whose targets hold
# text, and the part their text becomes.
_STORY_RELS = {"header": "header", "footer": "footer"}
_NOTE_RELS = {"footnotes": ("footnote", "footnote"), "endnotes": ("endnote", "endnote")}
_EMBEDDED_RELS = ("oleObject", "package")
MAX_ALTCHUNK = 20 * 1024 * 1024
MAX_DEPTH = 2


@dataclass
class _Para:
    """Text of one paragraph, split by layer."""

    visible: list[str] = field(default_factory=list)
    inserted: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    alts: list[str] = field(default_factory=list)
    boxes: list[_Element] = field(default_factory=list)
    breaks_after: int = 0


@dataclass
class _Context:
    """Where the blocks being read live: body, a header, a comment ..."""

    part: str
    source: str
    in_body: bool
    paragraph: int | None = None  # fixed paragraph number (text boxes)
    counter: int = 0

    def next_paragraph(self) -> int:
        self.counter += 1
        return self.counter


def extract(data: bytes, out: Collector) -> None:
    """Read the package by its relationships: the main part named by ``_rels/.rels``, then every
    part the main part refers to (headers, footers, notes, comments, altChunks, embedded objects).
    A part that is referred to but missing is a located notice, never silently dropped."""
    package = Package(data)
    main = package.main_part("word/document.xml")
    reader = _Reader(package, out)
    by_type: dict[str, list[str]] = {}
    for _, kind, target in package.relationships(main):
        by_type.setdefault(kind.rsplit("/", 1)[-1], []).append(target)
    # text hidden through a style is the hidden layer too (read in body())
    reader.styles_part = next((name for name in by_type.get("styles", ()) if package.has(name)), "")
    reader.body(main)
    kinds = {main: "document"}
    for kind in ("header", "footer"):
        for name in sorted(set(by_type.get(kind, ()))):
            kinds[name] = kind
            if not package.has(name):
                out.unread(name, kind, "文档引用了此部件，但文件中缺少 / referenced but missing from the package",
                           part=_STORY_RELS[kind])
                continue
            reader.container(name, _Context(part=_STORY_RELS[kind], source=name, in_body=False))
    for kind, (part, tag) in _NOTE_RELS.items():
        for name in by_type.get(kind, ()):
            kinds[name] = kind
            if package.has(name):
                reader.notes(name, part, W + tag)
            else:
                out.unread(name, kind, "文档引用了此部件，但文件中缺少 / referenced but missing from the package",
                           part=part)
    for name in by_type.get("comments", ()):
        kinds[name] = "comments"
        if package.has(name):
            reader.comments(name)
    for name in by_type.get("aFChunk", ()):
        kinds[name] = "altchunk"
        _alt_chunk(package, name, out)
    for name in by_type.get("glossaryDocument", ()):
        # building blocks and placeholder text: stored, never shown on a page
        kinds[name] = "glossary"
        if package.has(name):
            reader.container(name, _Context(part="metadata", source=name, in_body=False))
    for kind in _EMBEDDED_RELS:
        for name in by_type.get(kind, ()):
            if package.has(name):
                out.embedded.append(Embedded(name=posixpath.basename(name), data=package.read(name),
                                             part="embedded", source=name))
    _orphans(package, reader, kinds)
    read_properties(package, out)
    package_pictures(package, out, "word/media/")
    embedded_objects_notice(package, out, "word/media/", "word/embeddings/")
    account(package, out, kinds)


_WORDML = "application/vnd.openxmlformats-officedocument.wordprocessingml."


def _orphans(package: Package, reader: _Reader, kinds: dict[str, str]) -> None:
    """Story parts no relationship leads to, read by their content type all the same.

    Word does not show them, but they ship with the file: headers, footers,
    notes and comments keep their own part; a second main document (a decoy
    beside the real one) is read as ``hidden``.
    """
    for name in package.names:
        if name in package.touched:
            continue
        content_type = package.content_type(name)
        if not content_type.startswith(_WORDML):
            continue
        kind = content_type[len(_WORDML):].removesuffix("+xml")
        if kind in ("header", "footer"):
            kinds[name] = kind
            reader.container(name, _Context(part=kind, source=name, in_body=False))
        elif kind in _NOTE_RELS:
            kinds[name] = kind
            part, tag = _NOTE_RELS[kind]
            reader.notes(name, part, W + tag)
        elif kind == "comments":
            kinds[name] = kind
            reader.comments(name)
        elif kind in ("document.main", "template.main", "document.macroEnabled.main"):
            kinds[name] = "document (unreferenced)"
            try:
                root = package.xml(name)
            except ExtractError as error:
                reader.out.unread(name, "document", str(error), part="hidden")
                continue
            body = root.find(W + "body")
            if body is not None:
                reader.blocks(body, _Context(part="hidden", source=name, in_body=False))


def _alt_chunk(package: Package, name: str, out: Collector) -> None:
    """An altChunk: a whole document (HTML, RTF, text, another docx) that Word shows in place.

    Its text is read with the extractor of its own format, as part ``altchunk``.
    """
    from scanner.extract import extract_nested

    if not package.has(name):
        out.unread(name, "altchunk", "文档引用了此部件，但文件中缺少 / referenced but missing from the package",
                   part="altchunk")
        return
    if out.depth >= MAX_DEPTH:
        out.unread(name, "altchunk", "嵌套过深 / nested too deeply", part="altchunk")
        return
    data = package.read(name)
    inner = extract_nested(data[:MAX_ALTCHUNK], name, out.depth + 1)
    for unit in inner.units:
        out.add(unit.text, part="altchunk", source=name, cell=unit.cell)
    for reason in inner.errors:
        out.error(f"嵌入正文块 {name}：{reason}")


class _Reader:
    def __init__(self, package: Package, out: Collector) -> None:
        self.package = package
        self.out = out
        self.page = 1
        self.rendered = False
        self.styles_part = ""
        self.styles: HiddenStyles | None = None  # None: no style of the document hides text
        self.paragraph_hidden = False  # the runs of the paragraph being read are hidden by its style

    # -- containers -------------------------------------------------------

    def body(self, name: str) -> None:
        raw = self.package.read(name)
        # Word writes rendered page breaks when it saves; when present they
        # already include manual breaks, so counting both would double up.
        self.rendered = b"lastRenderedPageBreak" in raw
        if self.styles_part and (b"pStyle" in raw or b"rStyle" in raw):
            # Only a body that applies styles is read against them: the styles part is often the
            # package's largest (350 KB from python-docx's template).  A hidden default style with
            # no style applied anywhere is missed; its text is still matched, as body text.
            info = self.package.zip.getinfo(self.styles_part)
            styles = hidden_styles_of((info.CRC, info.file_size), lambda: self.package.read(self.styles_part))
            self.package.touched.discard(self.styles_part)  # no text in it: the ledger still lists it
            self.styles = styles if styles else None
        root = self.package.xml(name, raw)  # (the bytes just read: inflated once)
        body = root.find(W + "body")
        if body is None:
            raise ExtractError("文档缺少正文部件 / document has no body")
        self.blocks(body, _Context(part="body", source=name, in_body=True))
        self.out.pages = self.page

    def container(self, name: str, ctx: _Context) -> None:
        try:
            root = self.package.xml(name)
        except ExtractError as error:
            self.out.error(str(error))
            return
        self.blocks(root, ctx)

    def notes(self, name: str, part: str, tag: str) -> None:
        try:
            root = self.package.xml(name)
        except ExtractError as error:
            self.out.error(str(error))
            return
        for index, note in enumerate(root.iter(tag), start=1):
            if note.get(TYPE) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            self.blocks(note, _Context(part=part, source=f"{name}#{note.get(W + 'id', index)}", in_body=False))

    def comments(self, name: str) -> None:
        try:
            root = self.package.xml(name)
        except ExtractError as error:
            self.out.error(str(error))
            return
        for index, comment in enumerate(root.iter(W + "comment"), start=1):
            texts = ["".join(node.text or "" for node in p.iter(T)) for p in comment.iter(P)]
            author = comment.get(W + "author", "")
            source = f"{name}#{author}" if author else name
            self.out.add("\n".join(t for t in texts if t.strip()), part="comment", source=source, paragraph=index)

    # -- blocks -----------------------------------------------------------

    def blocks(self, container: _Element, ctx: _Context) -> None:
        for child in container:
            tag = child.tag
            if tag == P:
                self.paragraph(child, ctx)
            elif tag == TBL:
                self.table(child, ctx)
            elif tag in (SDT, CUSTOM_XML, SDT_CONTENT, INS, MOVE_TO):
                self.blocks(child, ctx)
            elif tag == MC_ALT:
                self.blocks(_alternative(child), ctx)

    def paragraph(self, p: _Element, ctx: _Context) -> None:
        para = self.read_paragraph(p, ctx)
        page = self.page if ctx.in_body else None
        text = "".join(para.visible)
        if ctx.part == "body":
            unit = self.out.add(text, page=page, source=ctx.source)
            number = unit.paragraph if unit else self.out.paragraph
        else:
            number = ctx.paragraph if ctx.paragraph is not None else ctx.next_paragraph()
            self.out.add(text, part=ctx.part, page=page, source=ctx.source, paragraph=number)
        self.emit_layers(para, ctx, page, number)
        self.page += para.breaks_after

    def table(self, tbl: _Element, ctx: _Context) -> None:
        nested: list[_Element] = []
        page = self.page if ctx.in_body else None
        # Rows and cells of nested tables are read with their own table.
        rows = [tr for tr in tbl.iter(TR) if _owner(tr, TBL) is tbl]
        for row_index, tr in enumerate(rows):
            cells = [tc for tc in tr.iter(TC) if _owner(tc, TR) is tr]
            for col_index, tc in enumerate(cells):
                texts = []
                layers = _Para()
                for p in _cell_paragraphs(tc, nested):
                    para = self.read_paragraph(p, ctx)
                    texts.append("".join(para.visible))
                    for name in ("inserted", "deleted", "hidden", "alts", "boxes"):
                        getattr(layers, name).extend(getattr(para, name))
                    layers.breaks_after += para.breaks_after
                text = "\n".join(t for t in texts if t.strip())
                part = "table" if ctx.part == "body" else ctx.part
                if ctx.part == "body":
                    unit = self.out.add(text, part=part, page=page, source=ctx.source, cell=(row_index, col_index))
                    number = unit.paragraph if unit else self.out.paragraph
                else:
                    number = ctx.paragraph if ctx.paragraph is not None else ctx.next_paragraph()
                    self.out.add(text, part=part, page=page, source=ctx.source, cell=(row_index, col_index),
                                 paragraph=number)
                self.emit_layers(layers, ctx, page, number)
                self.page += layers.breaks_after
        for inner in nested:
            self.table(inner, ctx)

    def emit_layers(self, para: _Para, ctx: _Context, page: int | None, number: int | None) -> None:
        for part, pieces in (("inserted", para.inserted), ("deleted", para.deleted), ("hidden", para.hidden)):
            self.out.add("".join(pieces), part=part, page=page, source=ctx.source, paragraph=number)
        for alt in para.alts:
            self.out.add(alt, part="alt-text", page=page, source=ctx.source, paragraph=number)
        for box in para.boxes:
            self.blocks(box, _Context(part="textbox", source=ctx.source, in_body=ctx.in_body, paragraph=number))

    # -- inline content ---------------------------------------------------

    def read_paragraph(self, p: _Element, ctx: _Context) -> _Para:
        para = _Para()
        ppr = p.find(PPR)
        if ppr is not None and ctx.in_body and not self.rendered:
            if ppr.find(PAGE_BREAK_BEFORE) is not None and self.out.paragraph > 0:
                self.page += 1
            sect = ppr.find(SECT_PR)
            if sect is not None:
                kind = sect.find(TYPE)
                if kind is None or kind.get(VAL) not in ("continuous",):
                    para.breaks_after += 1
        if self.styles is not None:
            outer, self.paragraph_hidden = self.paragraph_hidden, self.styles.paragraph_hidden(p)
            self.inline(p, para, "normal", ctx)
            self.paragraph_hidden = outer
        else:
            self.inline(p, para, "normal", ctx)
        return para

    def inline(self, element: _Element, para: _Para, mode: str, ctx: _Context) -> None:
        for child in element:
            tag = child.tag
            if tag == R:
                self.run(child, para, mode, ctx)
            elif tag in (INS, MOVE_TO):
                self.inline(child, para, "ins" if mode == "normal" else mode, ctx)
            elif tag in (DEL, MOVE_FROM):
                self.inline(child, para, "del", ctx)
            elif tag in INLINE_WRAPPERS or tag == SDT:
                self.inline(child, para, mode, ctx)
            elif tag == MC_ALT:
                self.inline(_alternative(child), para, mode, ctx)

    def run(self, r: _Element, para: _Para, mode: str, ctx: _Context) -> None:
        hidden = False
        if self.styles is not None:
            hidden = self.styles.run_hidden(r, self.paragraph_hidden)
        elif (rpr := r.find(RPR)) is not None:
            vanish = rpr.find(VANISH)
            hidden = vanish is not None and vanish.get(VAL, "true") not in _OFF
        for child in r:
            tag = child.tag
            if tag in (T, DEL_TEXT):
                piece = child.text or ""
            elif tag == TAB:
                piece = "\t"
            elif tag == BR:
                if child.get(TYPE) == "page":
                    if ctx.in_body and not self.rendered:
                        self.page_break(para)
                    continue
                piece = "\n"
            elif tag == CR:
                piece = "\n"
            elif tag == NO_BREAK_HYPHEN:
                piece = "-"
            elif tag == LAST_RENDERED:
                if ctx.in_body and self.rendered:
                    self.page_break(para)
                continue
            elif tag in (DRAWING, PICT, OBJECT):
                self.drawing(child, para)
                if ctx.in_body:
                    docx_picture(child, self.package, self.out, self.page, "word/document.xml")
                continue
            elif tag == MC_ALT:
                choice = child.find(MC_CHOICE)
                if choice is not None:  # the fallback repeats the choice for old readers
                    self.drawing(choice, para)
                    if ctx.in_body:
                        docx_picture(choice, self.package, self.out, self.page, "word/document.xml")
                continue
            else:
                continue
            if mode == "del" or tag == DEL_TEXT:
                para.deleted.append(piece)
            elif hidden:
                para.hidden.append(piece)
            else:
                para.visible.append(piece)
                if mode == "ins":
                    para.inserted.append(piece)

    def page_break(self, para: _Para) -> None:
        # A break before any visible text moves the whole paragraph to the
        # next page; after text, the paragraph started on this page.
        if "".join(para.visible).strip():
            para.breaks_after += 1
        else:
            self.page += 1

    def drawing(self, element: _Element, para: _Para) -> None:
        for doc_pr in element.iter(DOC_PR):
            for attribute in ("title", "descr"):
                value = (doc_pr.get(attribute) or "").strip()
                if value:
                    para.alts.append(value)
        for box in element.iter(TXBX):
            if not any(ancestor.tag == TXBX for ancestor in box.iterancestors(TXBX)):
                para.boxes.append(box)


def _alternative(element: _Element) -> _Element:
    """The branch of ``mc:AlternateContent`` Word shows: its first ``mc:Choice``, else its ``mc:Fallback``."""
    for tag in (MC_CHOICE, MC_FALLBACK):
        branch = element.find(tag)
        if branch is not None:
            return branch
    return element


def _owner(element: _Element, tag: str) -> _Element | None:
    """The nearest ancestor with ``tag``."""
    for ancestor in element.iterancestors(tag):
        return ancestor
    return None


def _cell_paragraphs(tc: _Element, nested: list[_Element]) -> list[_Element]:
    """Paragraphs of a cell in order, collecting nested tables for later."""
    found: list[_Element] = []
    stack = list(tc)[::-1]
    while stack:
        element = stack.pop()
        if element.tag == P:
            found.append(element)
        elif element.tag == TBL:
            nested.append(element)
        elif element.tag in (SDT, SDT_CONTENT, CUSTOM_XML):
            stack.extend(list(element)[::-1])
    return found

