"""``clean --redact``: take the text under black boxes out of a PDF's text layer, with PDFium.

A box is a dark, opaque, filled path drawn after the text (the scanner's
own test for a failed redaction) or the rectangle of an unapplied Redact
annotation.  Text objects are found on the page and inside its form
XObjects (recursively).  A text object all of whose characters lie under a
box is removed from its page or form and its text reported.  A text object
only partly under a box is cut: it is removed, and each run of characters
outside the box is drawn again as a new text object of the same font, size,
orientation and colour, starting where that run started, so the characters
after the cut do not move; the covered characters are reported.  The page's
content stream (and the forms') is then regenerated.  The proof scan
afterwards shows any text that remains.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

from scanner.clean import CleanRefused

DARK = 0.25  # luminance (0-1) below which a fill hides black text
OPAQUE = 200  # alpha (0-255)
MIN_BOX = 3.0  # points: thinner fills are rules and underlines
PAGEOBJ_TEXT, PAGEOBJ_PATH, PAGEOBJ_FORM = 1, 2, 5


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
    """The PDF without the characters hidden under black boxes, and their text (page by page).

    Covered text inside a form XObject is reached by drawing that page's forms
    into the page first (:func:`scanner.clean.pdf_flatten.flatten_forms`):
    PDFium can remove objects from a form but not write the form back (its
    page text came out re-encoded wrongly when tried).  Raises
    :class:`CleanRefused` when the file cannot be opened or a page cannot be
    rewritten.
    """
    from scanner.clean.pdf_flatten import flatten_forms

    in_forms = _pass(data, edit=False)[1]
    if in_forms:
        data = flatten_forms(data, in_forms)
    result, left_in_forms = _pass(data, edit=True)
    if left_in_forms:
        pages = "、".join(str(number) for number in sorted(left_in_forms))
        raise CleanRefused(f"第{pages}页表单对象中的涂黑文字无法删除，请在原文中删除后再导出 PDF "
                           "/ covered text inside a form XObject could not be removed")
    return result


def _pass(data: bytes, *, edit: bool) -> tuple[tuple[bytes, list[str]], set[int]]:
    """One pass over the pages: with ``edit``, cut the covered text on the pages themselves.

    Returns the edited file and the removed text, and the pages where covered
    text lies inside a form XObject (left alone).
    """
    import io

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise CleanRefused(f"PDF 无法打开，不能删除涂黑文字 / cannot open PDF: {error}") from error
    removed: list[str] = []
    in_forms: set[int] = set()
    try:
        for number, page in enumerate(document, start=1):
            boxes = _dark_boxes(raw, page.raw) + _redact_annotation_boxes(raw, page.raw)
            if not boxes:
                continue
            textpage = page.get_textpage()
            try:
                victims = _covered_objects(raw, page.raw, textpage.raw, boxes)
            finally:
                textpage.close()
            if any(victim.form is not None for victim in victims):
                in_forms.add(number)
                continue
            if not edit:
                continue
            for victim in victims:
                # the kept runs take the victim's place in the drawing (and reading) order
                at = next(index for index, obj in enumerate(_objects(raw, page.raw))
                          if _address(obj) == _address(victim.obj))
                for offset, run in enumerate(victim.kept):
                    _redraw(raw, document.raw, page.raw, victim, run, at + offset)
                raw.FPDFPage_RemoveObject(page.raw, victim.obj)
                raw.FPDFPageObj_Destroy(victim.obj)
                removed.extend(victim.covered)
            if victims:
                _drop_redact_annotations(raw, page.raw)
                if not raw.FPDFPage_GenerateContent(page.raw):
                    raise CleanRefused(f"第{number}页内容无法重写 / page {number} could not be rewritten")
        out = io.BytesIO()
        if edit:
            document.save(out)
        return (out.getvalue(), removed), in_forms
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


@dataclass
class _Placed:
    """A text object, where it is drawn, and the matrix of the forms around it."""

    obj: Any
    order: int
    form: Any  # the form object holding it, None on the page itself
    outer: tuple[float, ...]  # form space -> page space (identity on the page)


@dataclass
class _Victim:
    obj: Any
    form: Any
    outer: tuple[float, ...]
    covered: list[str]  # the runs of covered characters, as reported
    kept: list[list[tuple[str, float, float]]]  # runs of characters outside the boxes: (char, x, y) in page space


_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _matrix(raw: Any, obj: Any) -> tuple[float, ...]:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    a1, b1, c1, d1, e1, f1 = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


def _text_objects(raw: Any, page: Any) -> dict[int, _Placed]:
    """Every text object of the page, forms included (to a depth of 16), keyed by address."""
    found: dict[int, _Placed] = {}

    def visit(objects: list[Any], order: int, form: Any, outer: tuple[float, ...], depth: int) -> None:
        for obj in objects:
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == PAGEOBJ_TEXT:
                found[_address(obj)] = _Placed(obj=obj, order=order, form=form, outer=outer)
            elif kind == PAGEOBJ_FORM and depth < 16:
                count = raw.FPDFFormObj_CountObjects(obj)
                children = [raw.FPDFFormObj_GetObject(obj, index) for index in range(count)]
                visit(children, order, obj, _compose(_matrix(raw, obj), outer), depth + 1)
            if form is None:
                order += 1

    for order, obj in enumerate(_objects(raw, page)):
        visit([obj], order, None, _IDENTITY, 0)
    return found


def _covered_objects(raw: Any, page: Any, textpage: Any, boxes: list[Box]) -> list[_Victim]:
    """Text objects with characters under a box drawn after them: the covered runs and the runs to keep."""
    placed = _text_objects(raw, page)
    chars: dict[int, list[tuple[str, bool, float, float]]] = {}
    for index in range(raw.FPDFText_CountChars(textpage)):
        owner = _address(raw.FPDFText_GetTextObject(textpage, index))
        if owner not in placed:
            continue
        char = chr(raw.FPDFText_GetUnicode(textpage, index))
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        raw.FPDFText_GetCharBox(textpage, index, ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom),
                                ctypes.byref(top))
        x, y = (left.value + right.value) / 2, (bottom.value + top.value) / 2
        covered = not char.isspace() and any(box.order > placed[owner].order and box.covers(x, y) for box in boxes)
        ox, oy = ctypes.c_double(), ctypes.c_double()
        raw.FPDFText_GetCharOrigin(textpage, index, ctypes.byref(ox), ctypes.byref(oy))
        chars.setdefault(owner, []).append((char, covered, ox.value, oy.value))
    victims = []
    for owner, found in chars.items():
        if not any(covered for _, covered, _, _ in found):
            continue
        covered_runs: list[str] = []
        kept_runs: list[list[tuple[str, float, float]]] = []
        state = ""  # "cover" or "keep": the run the last character went to
        for char, covered, x, y in found:
            if char.isspace():  # a blank belongs to the run it stands in and starts none
                if state == "keep":
                    kept_runs[-1].append((char, x, y))
                elif state == "cover":
                    covered_runs[-1] += char
                continue
            if ("cover" if covered else "keep") != state:
                state = "cover" if covered else "keep"
                if covered:
                    covered_runs.append("")
                else:
                    kept_runs.append([])
            if covered:
                covered_runs[-1] += char
            else:
                kept_runs[-1].append((char, x, y))
        kept = [run for run in kept_runs if "".join(char for char, _, _ in run).strip()]
        item = placed[owner]
        victims.append(_Victim(obj=item.obj, form=item.form, outer=item.outer,
                               covered=[run.strip() for run in covered_runs if run.strip()], kept=kept))
    return victims


def _redraw(raw: Any, document: Any, page: Any, victim: _Victim, run: list[tuple[str, float, float]],
            index: int) -> None:
    """Draw ``run`` (characters of ``victim`` outside the boxes) as a new text object where it stood, as the
    page's object ``index``.

    Raises :class:`CleanRefused` when PDFium cannot encode the characters in the object's font.
    """
    text = "".join(char for char, _, _ in run).rstrip()
    size = ctypes.c_float()
    font = raw.FPDFTextObj_GetFont(victim.obj)
    if not font or not raw.FPDFTextObj_GetFontSize(victim.obj, ctypes.byref(size)):
        raise CleanRefused(f"无法重排被部分涂黑的文字【{text[:40]}】 / cannot redraw a partly covered line")
    a, b, c, d, _, _ = _compose(_matrix(raw, victim.obj), victim.outer)
    scale = (a * a + b * b) ** 0.5 or 1.0  # a form drawn enlarged: the new object carries the scale in its size
    new = raw.FPDFPageObj_CreateTextObj(document, font, size.value * scale)
    wide = (ctypes.c_ushort * (len(text.encode("utf-16-le")) // 2 + 1)).from_buffer_copy(
        text.encode("utf-16-le") + b"\0\0")
    if not new or not raw.FPDFText_SetText(new, wide):
        raise CleanRefused(f"无法重排被部分涂黑的文字【{text[:40]}】 / cannot redraw a partly covered line")
    m = raw.FS_MATRIX(a / scale, b / scale, c / scale, d / scale, run[0][1], run[0][2])
    raw.FPDFPageObj_SetMatrix(new, ctypes.byref(m))
    r, g, bl, alpha = (ctypes.c_uint() for _ in range(4))
    if raw.FPDFPageObj_GetFillColor(victim.obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(bl),
                                    ctypes.byref(alpha)):
        raw.FPDFPageObj_SetFillColor(new, r.value, g.value, bl.value, alpha.value)
    raw.FPDFTextObj_SetTextRenderMode(new, raw.FPDFTextObj_GetTextRenderMode(victim.obj))
    if not raw.FPDFPage_InsertObjectAtIndex(page, new, index):
        raw.FPDFPage_InsertObject(page, new)
