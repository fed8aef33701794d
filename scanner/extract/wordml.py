"""Word 2003 XML (WordprocessingML 2003, often saved with a ``.doc`` or ``.xml`` name).

One XML file (``<?mso-application progid="Word.Document"?>``, root
``w:wordDocument``) parsed with the safe parser, no DTD.  Its layers, after
the Word 2003 XML reference schema:

- ``w:body``: paragraphs (``w:p`` / ``w:r`` / ``w:t``), tables (``table``),
  footnotes and endnotes written inside the run that cites them
  (``w:footnote`` / ``w:endnote``), text boxes (``w:txbxContent``);
- headers and footers inside each section's ``w:sectPr`` (``w:hdr`` /
  ``w:ftr`` with ``w:type`` odd, even or first);
- ``aml:annotation`` elements: comments (``Word.Comment``, with
  ``aml:author``), tracked deletions (``Word.Deletion``, ``w:delText``) and
  insertions (``Word.Insertion``: body text, and part ``inserted`` as in docx);
  insertions stay in the text;
- hidden runs (``w:vanish``);
- ``o:DocumentProperties`` (title, subject, author, keywords, description,
  last author, company, manager, category) and ``o:CustomDocumentProperties``;
- pictures in ``w:binData`` (base64) go to OCR.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from scanner.extract._common import Collector, ExtractError, safe_xml_parser
from scanner.extract._images import MIN_PICTURE_BYTES, OCR_IMAGE_EXT, picture
from scanner.extract._ooxml import refuse_dtd
from scanner.types import ImageRef

if TYPE_CHECKING:
    from lxml.etree import _Element

W = "{http://schemas.microsoft.com/office/word/2003/wordml}"
AML = "{http://schemas.microsoft.com/aml/2001/core}"
OFFICE = "{urn:schemas-microsoft-com:office:office}"
NAMESPACE = b"schemas.microsoft.com/office/word/2003/wordml"
_HEADERS = {("hdr", "odd"): ("header", "页眉"), ("hdr", "even"): ("header", "偶数页页眉"),
            ("hdr", "first"): ("header", "首页页眉"), ("ftr", "odd"): ("footer", "页脚"),
            ("ftr", "even"): ("footer", "偶数页页脚"), ("ftr", "first"): ("footer", "首页页脚")}
_PROPERTIES = ("Title", "Subject", "Author", "Keywords", "Description", "LastAuthor", "Company", "Manager", "Category")
_SKIPPED = {W + "instrText", W + "sectPr", W + "pPr", W + "rPr", W + "binData"}


def extract(data: bytes, out: Collector) -> None:
    from lxml import etree

    refuse_dtd(data, "WordML")
    try:
        root = etree.fromstring(data, safe_xml_parser())
    except etree.XMLSyntaxError as error:
        raise ExtractError(f"Word 2003 XML 文档不是有效的 XML（可能被截断） / invalid WordML: {error}") from error
    if root.tag != W + "wordDocument":
        raise ExtractError("不是 Word 2003 XML 文档（根元素不是 w:wordDocument） / not a WordML document")
    body = root.find(W + "body")
    if body is None:
        raise ExtractError("Word 2003 XML 文档没有正文 / no w:body")
    reader = _Reader(out, _hidden_styles(root))
    reader.block(body, "body", "")
    for section in root.iter(W + "sectPr"):
        for child in section:
            local = child.tag.rpartition("}")[2] if isinstance(child.tag, str) else ""
            place = _HEADERS.get((local, child.get(W + "type", "odd")))
            if place:
                reader.block(child, place[0], place[1])
    _properties(root, out)
    _pictures(root, out)


def _hidden_styles(root: _Element) -> set[str]:
    """Ids of the styles that hide their text (``w:vanish`` in the style's run properties)."""
    styles = root.find(W + "styles")
    hidden = set()
    for style in styles.iter(W + "style") if styles is not None else ():
        vanish = style.find(f"{W}rPr/{W}vanish")
        if vanish is not None and vanish.get(W + "val", "on") not in ("off", "0", "false"):
            hidden.add(style.get(W + "styleId", ""))
    return hidden


class _Reader:
    def __init__(self, out: Collector, hidden_styles: set[str]) -> None:
        self.out = out
        self.hidden_styles = hidden_styles
        self.inserted: list[str] = []  # the tracked insertions of the paragraph being read

    def block(self, element: _Element, part: str, source: str) -> None:
        """Paragraphs and tables inside ``element``, in order."""
        for child in element:
            if child.tag == W + "p":
                self.paragraph(child, part, source)
            elif child.tag == W + "tbl":
                for cell in child.iter(W + "tc"):
                    self.block(cell, "table" if part == "body" else part, source)
            elif child.tag == AML + "annotation":
                self.annotation(child, part, source)
            elif isinstance(child.tag, str) and child.tag not in _SKIPPED:
                self.block(child, part, source)

    def paragraph(self, element: _Element, part: str, source: str) -> None:
        visible: list[str] = []
        hidden: list[str] = []
        deleted: list[str] = []
        later: list[tuple[_Element, str, str]] = []
        self.inserted = []
        self._runs(element, visible, hidden, later, deleted)
        numbered = part == "body"
        unit = self.out.add("".join(visible), part=part, source=source, numbered=numbered)
        number = unit.paragraph if unit is not None else (self.out.paragraph or None) if numbered else None
        for layer, pieces in (("inserted", self.inserted), ("deleted", deleted), ("hidden", hidden)):
            if pieces:
                self.out.add("".join(pieces), part=layer, source=source or "正文", paragraph=number, numbered=False)
        for child, kind, where in later:
            self.block(child, kind, where)

    def _runs(self, element: _Element, visible: list[str], hidden: list[str],
              later: list[tuple[_Element, str, str]], deleted: list[str]) -> None:
        for child in element:
            tag = child.tag
            if tag == W + "r":
                vanish = child.find(f"{W}rPr/{W}vanish")
                style = child.find(f"{W}rPr/{W}rStyle")
                is_hidden = (vanish is not None and vanish.get(W + "val", "on") not in ("off", "0", "false")) or (
                    style is not None and style.get(W + "val") in self.hidden_styles)
                for item in child:
                    if item.tag in (W + "t", W + "delText"):
                        (hidden if is_hidden else visible).append(item.text or "")
                    elif item.tag == W + "tab":
                        visible.append("\t")
                    elif item.tag in (W + "br", W + "cr"):
                        visible.append("\n")
                    elif item.tag == W + "footnote":
                        later.append((item, "footnote", "脚注"))
                    elif item.tag == W + "endnote":
                        later.append((item, "endnote", "尾注"))
                    elif item.tag == AML + "annotation" and item.get(W + "type") == "Word.Comment":
                        later.append((item, "comment", f"批注 {item.get(AML + 'author', '')}".strip()))
                    elif isinstance(item.tag, str) and item.tag not in _SKIPPED:
                        for box in item.iter(W + "txbxContent"):
                            later.append((box, "textbox", "文本框"))
            elif tag == AML + "annotation":
                kind = child.get(W + "type", "")
                if kind == "Word.Deletion":
                    deleted.extend(text.text or "" for text in child.iter(W + "delText", W + "t"))
                elif kind == "Word.Comment":
                    later.append((child, "comment", f"批注 {child.get(AML + 'author', '')}".strip()))
                elif kind == "Word.Insertion":
                    # visible text, as in docx reported again as the inserted layer
                    before = len(visible)
                    self._runs(child, visible, hidden, later, deleted)
                    self.inserted.extend(visible[before:])
            elif isinstance(tag, str) and tag not in _SKIPPED:
                self._runs(child, visible, hidden, later, deleted)  # hyperlinks, fields, smart tags, aml:content

    def annotation(self, element: _Element, part: str, source: str) -> None:
        """An annotation met between paragraphs: a deleted paragraph, or a comment's range."""
        kind = element.get(W + "type", "")
        if kind == "Word.Deletion":
            self.block(element, "deleted", "删除修订")
        elif kind == "Word.Comment":
            self.block(element, "comment", f"批注 {element.get(AML + 'author', '')}".strip())
        else:
            self.block(element, part, source)


def _properties(root: _Element, out: Collector) -> None:
    props = root.find(OFFICE + "DocumentProperties")
    if props is not None:
        for name in _PROPERTIES:
            value = props.find(OFFICE + name)
            if value is not None and value.text:
                out.add(value.text.strip(), part="metadata", source=f"属性 {name}", numbered=False)
    custom = root.find(OFFICE + "CustomDocumentProperties")
    if custom is not None:
        for value in custom:
            if isinstance(value.tag, str) and value.text:
                out.add(value.text.strip(), part="metadata", source=f"自定义属性 {value.tag.rpartition('}')[2]}",
                        numbered=False)


def _pictures(root: _Element, out: Collector) -> None:
    for number, element in enumerate(root.iter(W + "binData"), start=1):
        name = element.get(W + "name", f"图片{number}")
        try:
            data = base64.b64decode(element.text or "")
        except (binascii.Error, ValueError):
            out.error(f"图片 {name} 的数据已损坏 / picture {name} is corrupt")
            continue
        if name.lower().endswith(OCR_IMAGE_EXT):
            if len(data) >= MIN_PICTURE_BYTES:
                out.images.append(ImageRef(name=name, data=data, source="w:binData"))
        else:
            picture(name, data, out, source="w:binData")  # a .wmf/.emf is named as unread unless tiny
