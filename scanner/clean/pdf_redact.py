"""``clean --redact``: take the text under black boxes out of a PDF's text layer, with PDFium.

A box is a dark, opaque, filled path drawn after the text (the scanner's
own test for a failed redaction) or the rectangle of an unapplied Redact
annotation.  A text object all of whose characters lie under a box is
removed from the page and its text reported; the page's content stream is
then regenerated.  A text object only partly under a box cannot be cut
without moving the characters after the cut, so it is refused: the
publisher must remove that text in the source document.  Text inside form
XObjects is not reached; the proof scan afterwards shows any that remains.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

from scanner.clean import CleanRefused

DARK = 0.25  # luminance (0-1) below which a fill hides black text
OPAQUE = 200  # alpha (0-255)
MIN_BOX = 3.0  # points: thinner fills are rules and underlines
PAGEOBJ_TEXT, PAGEOBJ_PATH = 1, 2


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    order: int  # drawing position on the page; annotations are drawn after all content

    def covers(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


def remove_covered_text(data: bytes) -> tuple[bytes, list[str]]:
    """The PDF without the text objects hidden under black boxes, and their text (page by page).

    Raises :class:`CleanRefused` when a text object is only partly covered
    or the file cannot be opened.
    """
    import io

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise CleanRefused(f"PDF 无法打开，不能删除涂黑文字 / cannot open PDF: {error}") from error
    removed: list[str] = []
    try:
        for number, page in enumerate(document, start=1):
            boxes = _dark_boxes(raw, page.raw) + _redact_annotation_boxes(raw, page.raw)
            if not boxes:
                continue
            textpage = page.get_textpage()
            victims = _covered_objects(raw, page.raw, textpage.raw, boxes, number)
            for obj, text in victims:
                raw.FPDFPage_RemoveObject(page.raw, obj)
                raw.FPDFPageObj_Destroy(obj)
                removed.append(text)
            if victims:
                _drop_redact_annotations(raw, page.raw)
                if not raw.FPDFPage_GenerateContent(page.raw):
                    raise CleanRefused(f"第{number}页内容无法重写 / page {number} could not be rewritten")
        out = io.BytesIO()
        document.save(out)
        return out.getvalue(), removed
    finally:
        document.close()


def _objects(raw: Any, page: Any) -> list[Any]:
    return [raw.FPDFPage_GetObject(page, index) for index in range(raw.FPDFPage_CountObjects(page))]


def _bounds(raw: Any, obj: Any) -> tuple[float, float, float, float] | None:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not raw.FPDFPageObj_GetBounds(obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right),
                                     ctypes.byref(top)):
        return None
    return left.value, bottom.value, right.value, top.value


def _dark_boxes(raw: Any, page: Any) -> list[Box]:
    boxes = []
    for order, obj in enumerate(_objects(raw, page)):
        if raw.FPDFPageObj_GetType(obj) != PAGEOBJ_PATH:
            continue
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        if not raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)) or fill.value == 0:
            continue
        r, g, b, a = (ctypes.c_uint() for _ in range(4))
        if not raw.FPDFPageObj_GetFillColor(obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)):
            continue
        if a.value < OPAQUE or (0.299 * r.value + 0.587 * g.value + 0.114 * b.value) / 255 >= DARK:
            continue
        bounds = _bounds(raw, obj)
        if bounds and bounds[2] - bounds[0] >= MIN_BOX and bounds[3] - bounds[1] >= MIN_BOX:
            boxes.append(Box(*bounds, order=order))
    return boxes


def _redact_annotation_boxes(raw: Any, page: Any) -> list[Box]:
    boxes = []
    for index in range(raw.FPDFPage_GetAnnotCount(page)):
        annot = raw.FPDFPage_GetAnnot(page, index)
        try:
            if raw.FPDFAnnot_GetSubtype(annot) != raw.FPDF_ANNOT_REDACT:
                continue
            rect = raw.FS_RECTF()
            if raw.FPDFAnnot_GetRect(annot, ctypes.byref(rect)):
                boxes.append(Box(min(rect.left, rect.right), min(rect.bottom, rect.top), max(rect.left, rect.right),
                                 max(rect.bottom, rect.top), order=1 << 30))
        finally:
            raw.FPDFPage_CloseAnnot(annot)
    return boxes


def _drop_redact_annotations(raw: Any, page: Any) -> None:
    for index in reversed(range(raw.FPDFPage_GetAnnotCount(page))):
        annot = raw.FPDFPage_GetAnnot(page, index)
        subtype = raw.FPDFAnnot_GetSubtype(annot)
        raw.FPDFPage_CloseAnnot(annot)
        if subtype == raw.FPDF_ANNOT_REDACT:
            raw.FPDFPage_RemoveAnnot(page, index)


def _address(pointer: Any) -> int:
    return ctypes.cast(pointer, ctypes.c_void_p).value or 0


def _covered_objects(raw: Any, page: Any, textpage: Any, boxes: list[Box], number: int) -> list[tuple[Any, str]]:
    """Text objects under a box drawn after them, with their text; refuses partly covered ones."""
    order_of = {_address(obj): (order, obj) for order, obj in enumerate(_objects(raw, page))
                if raw.FPDFPageObj_GetType(obj) == PAGEOBJ_TEXT}
    chars: dict[int, list[tuple[str, bool]]] = {}
    for index in range(raw.FPDFText_CountChars(textpage)):
        owner = _address(raw.FPDFText_GetTextObject(textpage, index))
        if owner not in order_of:
            continue
        char = chr(raw.FPDFText_GetUnicode(textpage, index))
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        raw.FPDFText_GetCharBox(textpage, index, ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom),
                                ctypes.byref(top))
        x, y = (left.value + right.value) / 2, (bottom.value + top.value) / 2
        drawn = order_of[owner][0]
        covered = any(box.order > drawn and box.covers(x, y) for box in boxes)
        chars.setdefault(owner, []).append((char, covered))
    victims = []
    for owner, found in chars.items():
        flags = [covered for char, covered in found if not char.isspace()]
        if not any(flags):
            continue
        text = "".join(char for char, _ in found).strip()
        if not all(flags):
            raise CleanRefused(
                f"第{number}页的文字【{text[:40]}】只有一部分在涂黑方块下，无法只删除被遮盖的字符；"
                "请在原文中删除后再导出 PDF / text only partly under a black box: remove it in the source"
            )
        victims.append((order_of[owner][1], text))
    return victims
