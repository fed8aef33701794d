"""Page content of a PDF through PDFium: text lines, images and dark boxes.

PDFium (via pypdfium2) reads page text an order of magnitude faster than
pdfminer.six, which is what makes the throughput target (issue #9) reachable.
For each page this module returns the text as lines (PDFium's own line
breaks), how many text and image objects the page draws, whether the text
looks undecoded (so the caller can ask pdfminer instead), and the text that
lies under a dark opaque box — a failed redaction.

Drawing order is what tells a black box drawn *over* text (the text is still
in the file) from a dark background drawn *under* white text (a design):
page objects are walked in content-stream order, descending into form
XObjects, and each character is traced back to its text object with
``FPDFText_GetTextObject``.  Character boxes are only read on pages that
have a candidate box with text under it, so ordinary pages cost one text
call and one walk over the page objects.

Coordinates are PDF user space throughout (PDFium reports character and
object boxes in it; objects inside a form XObject are in form space and are
mapped through the form matrices), the same space as an annotation's
``/Rect``.

The same walk notes which form XObject each text object is in (so a line
drawn by a letterhead form is located by the form's name, see
:func:`~scanner.extract.pdf_lines.line_forms`) and which fonts the text
objects use (their base names, for the coverage ledger of a file not walked
by structure: one call a text object, 0.6 % of a small PDF's extraction).

pypdfium2 is imported inside the functions: importing this module is free.

Why this module is long: the walk, the hidden-text search and
the C prototypes they call (``_SIGNATURES``) are one contract with PDFium;
split, a prototype would live away from the only code that relies on it.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import compress, repeat
from typing import Any

from scanner.extract._common import ExtractError
from scanner.extract.pdf_lines import (
    GLYPH_HEIGHT,
    GLYPH_SEGMENTS,
    line_bands,
    line_forms,
    lines_and_starts,
    vector_rows,
)

ENCRYPTED = "加密文件，无法读取 / encrypted"
DARK = 0.25  # luminance below which a filled box hides black text
DARK_TEXT = 0.5  # text darker than this is hidden by a dark box whatever the drawing order
OPAQUE = 200  # of 255: a box more transparent than this lets the text show through
MIN_BOX = 3.0  # points; thinner fills are rules and underlines, not boxes
AFTER_EVERYTHING = 1 << 60  # drawing order of annotations: over all page content
# Share of undecodable characters (U+FFFD, private use, control codes) above
# which a page's text is taken as not mapped to Unicode.
UNDECODED_SHARE = 0.1
_FORM_DEPTH = 32  # PDFium refuses deeper form nesting itself; this only bounds the walk

# Characters that are not text: what a reader emits for a glyph it cannot
# map (U+FFFD, a private-use code, a raw control code other than PDFium's
# line-end hyphen U+0002).
_NOT_TEXT = re.compile("[\x00\x01\x03-\x08\x0b\x0c\x0e-\x1f\ufffd\ue000-\uf8ff]")
_WHITESPACE = re.compile(r"\s")
# Annotation subtypes that never carry text to review nor hide any: Link,
# Popup, Widget (form fields, read from the AcroForm).
_PLAIN_ANNOTS = frozenset({2, 16, 20})


@dataclass(frozen=True, kw_only=True)
class Box:
    """A filled area that can hide text, in user space; ``order`` is its drawing position."""

    x0: float
    y0: float
    x1: float
    y1: float
    order: int

    def covers(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def describe(self) -> str:
        return f"({self.x0:.0f}, {self.y0:.0f}, {self.x1:.0f}, {self.y1:.0f})"


@dataclass(frozen=True, kw_only=True)
class Hidden:
    """Characters still extractable under one dark box."""

    box: Box
    text: str
    count: int


@dataclass(frozen=True, kw_only=True)
class PageContent:
    lines: tuple[str, ...]
    # "top"/"bottom" for the first and last BAND_LINES lines standing in the
    # page's top or bottom band, else None (one per line)
    bands: tuple[str | None, ...] = ()
    # rows of glyph-shaped filled paths with no text on them: text drawn as outlines (x0, y0, x1, y1)
    vector: tuple[tuple[float, float, float, float], ...] = ()
    text_objects: int
    images: int
    undecoded: float  # share of characters not mapped to Unicode (see :func:`undecoded_share`)
    hidden: tuple[Hidden, ...]
    # per line, the form XObject its first character was drawn by, as ordinals in drawing order (the
    # page's 2nd form, that form's 1st form: (2, 1)), None for the page's own text; () when no text is in a form
    forms: tuple[tuple[int, ...] | None, ...] = ()
    fonts: tuple[str, ...] = ()  # base names of the fonts the page's text objects use (forms included), sorted


class PageError(Exception):
    """PDFium cannot load or read one page; the message says why."""


def open_document(data: bytes) -> Any:
    """A ``pypdfium2.PdfDocument`` opened with the empty user password.

    Raises :class:`ExtractError` (encrypted, or corrupt with PDFium's reason).
    """
    import pypdfium2

    _no_system_fonts()
    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        if getattr(error, "err_code", None) == pypdfium2.raw.FPDF_ERR_PASSWORD:
            raise ExtractError(ENCRYPTED) from error
        raise ExtractError(f"PDF 文件损坏，无法打开 / corrupt PDF: {error}") from error


@cache  # once per process; the cache also keeps the hook alive (PDFium holds a pointer to it)
def _no_system_fonts() -> Any:
    """Keep PDFium from loading system fonts for fonts a PDF does not embed.

    Why: PDFium computes the box of every character from its glyph, and a
    substituted system CJK font (Noto CJK: 20 MB of CFF outlines) costs
    ~40 ms a page of 1,200 characters (STSong-Light from reportlab, SimSun
    from office exports), ten times the rest of the page.  Without system
    fonts the text is the same (a font that is not embedded maps to
    Unicode through its encoding, CMap and character collection, never
    through a substitute's glyphs), PDFium falls back to its built-in
    fonts, and the result no longer depends on the fonts installed on the
    machine.  Character boxes keep their widths; callers use the loose box
    (font ascent to descent), which does not need the glyph.  We never
    render.  PDFium's font settings are global to the process; this
    scanner is its only user in it.
    """
    import pypdfium2.raw as pdfium_c

    slots = dict(pdfium_c.FPDF_SYSFONTINFO._fields_)
    info = pdfium_c.FPDF_SYSFONTINFO()
    info.version = 1
    # Callbacks must not raise (ctypes cannot pass an exception back
    # through C): each one returns a constant meaning "no such font".
    info.Release = slots["Release"](lambda this: None)
    info.EnumFonts = slots["EnumFonts"](lambda this, mapper: None)
    info.MapFont = slots["MapFont"](lambda this, weight, italic, charset, pitch, face, exact: None)
    info.GetFont = slots["GetFont"](lambda this, face: None)
    info.GetFontData = slots["GetFontData"](lambda this, font, table, buffer, size: 0)
    info.GetFaceName = slots["GetFaceName"](lambda this, font, buffer, size: 0)
    info.GetFontCharset = slots["GetFontCharset"](lambda this, font: 0)
    info.DeleteFont = slots["DeleteFont"](lambda this, font: None)
    pdfium_c.FPDF_SetSystemFontInfo(ctypes.byref(info))
    return info


def read_page(document: Any, index: int, annotations: Callable[[], list[Box]]) -> PageContent:
    """Read page ``index`` (0-based) of a document from :func:`open_document`.

    ``annotations`` is called when the page has annotations other than
    links, pop-ups and form widgets; it reads them and returns the dark
    boxes they draw over the page.  Raises :class:`PageError` when PDFium
    cannot load the page or its text.
    """
    api = _api()
    page = api.FPDF_LoadPage(ctypes.cast(document.raw, ctypes.c_void_p).value, index)
    if not page:
        # (no error code: FPDF_GetLastError reports the last failed document load in the
        # process, not this page, so it changed with whatever was scanned before)
        raise PageError("PDFium cannot load the page")
    try:
        textpage = api.FPDFText_LoadPage(page)
        if not textpage:
            raise PageError("PDFium cannot read the page's text")
        try:
            chars = api.FPDFText_CountChars(textpage)
            text = _text(api, textpage, chars)
            walk = _Walk(api, page)
            lines, starts = lines_and_starts(text)
            boxes = walk.boxes + annotations() if _has_annotations(api, page) else walk.boxes
            hidden = _hidden(api, textpage, walk, boxes, chars) if boxes and lines else ()
            return PageContent(
                lines=lines,
                bands=line_bands(api, page, textpage, starts, len(lines)),
                vector=tuple(row for row in vector_rows(walk.glyphs) if not _bounded_text(
                    api, textpage, Box(x0=row[0], y0=row[1], x1=row[2], y1=row[3], order=0)).strip()),
                text_objects=walk.text_objects,
                images=walk.images,
                undecoded=undecoded_share(text),
                hidden=hidden,
                forms=line_forms(api, textpage, text, walk.form_text) if walk.form_text and lines else (),
                fonts=_font_names(api, walk.text_handles),
            )
        finally:
            api.FPDFText_ClosePage(textpage)
    finally:
        api.FPDF_ClosePage(page)


def _text(api: _Api, textpage: int, chars: int) -> str:
    if chars <= 0:
        return ""
    # PDFium writes UTF-16 (surrogate pairs for characters beyond the BMP)
    # and a terminating NUL; a lone surrogate becomes U+FFFD, which counts
    # as undecoded.
    buffer = (ctypes.c_ushort * (chars + 1))()
    written = api.FPDFText_GetText(textpage, 0, chars, buffer)
    return ctypes.string_at(buffer, max(written - 1, 0) * 2).decode("utf-16-le", "replace")


def _font_names(api: _Api, text_handles: list[int | None]) -> tuple[str, ...]:
    """The base names of the fonts of these text objects: one call an object, one more a distinct font."""
    names = set()
    buffer = ctypes.create_string_buffer(256)
    for font in set(map(api.FPDFTextObj_GetFont, text_handles)):
        if font and (size := api.FPDFFont_GetBaseFontName(font, buffer, len(buffer))) > 1:
            names.add(buffer.raw[: min(size, len(buffer)) - 1].decode("latin-1"))
    return tuple(sorted(names))


def _bounded_text(api: _Api, textpage: int, box: Box) -> str:
    size = api.FPDFText_GetBoundedText(textpage, box.x0, box.y1, box.x1, box.y0, None, 0)
    if size <= 0:
        return ""
    buffer = (ctypes.c_ushort * (size + 1))()
    written = api.FPDFText_GetBoundedText(textpage, box.x0, box.y1, box.x1, box.y0, buffer, size)
    return ctypes.string_at(buffer, max(written, 0) * 2).decode("utf-16-le", "replace")


def undecoded_share(text: str) -> float:
    """Share of the non-blank characters of ``text`` that are not text (0 for no text)."""
    bad = len(_NOT_TEXT.findall(text))
    if not bad:
        return 0.0
    total = len(text) - len(_WHITESPACE.findall(text))
    return bad / total if total else 0.0


def _has_annotations(api: _Api, page: int) -> bool:
    for index in range(api.FPDFPage_GetAnnotCount(page)):
        annot = api.FPDFPage_GetAnnot(page, index)
        if not annot:
            return True  # PDFium cannot read it: let pdfminer try
        try:
            if api.FPDFAnnot_GetSubtype(annot) not in _PLAIN_ANNOTS:
                return True
        finally:
            api.FPDFPage_CloseAnnot(annot)
    return False


class _Walk:
    """One pass over a page's objects in drawing order (forms included)."""

    def __init__(self, api: _Api, page: int) -> None:
        self.api = api
        self.page = page
        self.text_objects = 0
        self.images = 0
        self.boxes: list[Box] = []
        self.glyphs: list[tuple[float, float, float, float]] = []  # filled paths shaped like glyphs
        self.form_text: dict[int, tuple[int, ...]] = {}  # text object inside a form -> the form's ordinals
        self.text_handles: list[int | None] = []  # every text object, for the fonts in the ledger
        self._text_order: dict[int, int] | None = None
        self._walk_page()

    def text_order(self) -> dict[int, int]:
        """Drawing position of every text object, keyed by its address (walked again on first use)."""
        if self._text_order is None:
            self._text_order = {}
            self._walk_page()
        return self._text_order

    def _walk_page(self) -> None:
        self.text_objects = self.images = 0
        self.boxes = []
        self.glyphs = []
        self.form_text = {}
        self.text_handles = []
        page, api = self.page, self.api
        count = api.FPDFPage_CountObjects(page)
        self._walk(list(map(api.FPDFPage_GetObject, repeat(page, count), range(count))), None, 0, 0)

    def _walk(self, objects: list[int | None], matrix: tuple[float, ...] | None, order: int, depth: int,
              path: tuple[int, ...] = ()) -> int:
        """Visit ``objects``, drawn after ``order`` others; return the order of the last one.

        A page holds up to thousands of objects, nearly all text, and one
        ctypes call costs about half a microsecond: the types are read with
        ``map`` and only paths and forms (and, on the second walk, text) are
        visited one by one.  ``order`` counts every object, those inside
        forms included, in the order they are drawn.
        """
        api = self.api
        kinds = list(map(api.FPDFPageObj_GetType, objects))  # a NULL object has type 0 (unknown)
        texts = kinds.count(_TEXT)
        self.text_objects += texts
        self.images += kinds.count(_IMAGE)
        if texts:
            handles = list(compress(objects, map(_TEXT.__eq__, kinds)))
            self.text_handles += handles
            if path:  # text drawn by a form: which form, for the lines' location
                self.form_text.update((obj or 0, path) for obj in handles)
        text_order = self._text_order
        if text_order is None:
            visit = [i for i, kind in enumerate(kinds) if kind in (_PATH, _FORM)]
        else:
            visit = [i for i, kind in enumerate(kinds) if kind in _ORDERED]
        nested = 0  # objects inside the forms visited so far
        forms = 0  # forms among these objects so far (their ordinals name them in the page's content)
        for i in visit:
            obj, kind, position = objects[i], kinds[i], order + i + 1 + nested
            if kind == _TEXT and text_order is not None:
                text_order[obj or 0] = position
            elif kind == _PATH:
                box = self._dark_box(obj or 0, matrix, position)
                if box is not None:
                    self.boxes.append(box)
            elif kind == _FORM and depth < _FORM_DEPTH:
                forms += 1
                m = _Matrix()
                if not api.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
                    continue
                inner = (m.a, m.b, m.c, m.d, m.e, m.f)
                count = api.FPDFFormObj_CountObjects(obj)
                children = list(map(api.FPDFFormObj_GetObject, repeat(obj, count), range(count)))
                last = self._walk(children, _compose(inner, matrix) if matrix else inner, position, depth + 1,
                                  (*path, forms))
                nested += last - position
        return order + len(objects) + nested

    def _dark_box(self, obj: int, matrix: tuple[float, ...] | None, order: int) -> Box | None:
        """The box of a dark opaque filled path; notes a filled path shaped like a glyph on the way."""
        api = self.api
        fill = ctypes.c_int()
        stroke = ctypes.c_int()
        if not api.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)) or fill.value == 0:
            return None  # 0: FPDF_FILLMODE_NONE
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        if not api.FPDFPageObj_GetBounds(obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right),
                                         ctypes.byref(top)):
            return None
        x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
        if matrix:
            x0, y0, x1, y1 = _transform_box(matrix, x0, y0, x1, y1)
        if GLYPH_HEIGHT[0] <= y1 - y0 <= GLYPH_HEIGHT[1] and api.FPDFPath_CountSegments(obj) >= GLYPH_SEGMENTS:
            self.glyphs.append((x0, y0, x1, y1))
        r, g, b, a = (ctypes.c_uint() for _ in range(4))
        # False for pattern and shading fills: cannot judge, not a box.
        if not api.FPDFPageObj_GetFillColor(obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)):
            return None
        if a.value < OPAQUE or luminance(r.value, g.value, b.value) / 255 >= DARK:
            return None
        if x1 - x0 < MIN_BOX or y1 - y0 < MIN_BOX:
            return None
        return Box(x0=x0, y0=y0, x1=x1, y1=y1, order=order)


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    """``inner`` then ``outer`` (PDF row-vector convention: p' = p * inner * outer)."""
    a1, b1, c1, d1, e1, f1 = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


def _transform_box(m: tuple[float, ...], x0: float, y0: float, x1: float, y1: float) -> tuple[float, ...]:
    a, b, c, d, e, f = m
    xs, ys = [], []
    for x, y in ((x0, y0), (x0, y1), (x1, y0), (x1, y1)):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    return min(xs), min(ys), max(xs), max(ys)


def luminance(r: float, g: float, b: float) -> float:
    """Brightness of an RGB colour (ITU-R BT.601 weights), on the scale of its components."""
    return 0.299 * r + 0.587 * g + 0.114 * b


def _hidden(api: _Api, textpage: int, walk: _Walk, boxes: list[Box], chars: int) -> tuple[Hidden, ...]:
    # Most dark boxes on real pages (table headers, banners) hold no text,
    # or white text drawn on top; asking PDFium for the text inside a box is
    # one call, reading every character box is a thousand.
    candidates = [box for box in boxes if _bounded_text(api, textpage, box).strip()]
    if not candidates:
        return ()
    order = walk.text_order()
    found: dict[int, list[str]] = {id(box): [] for box in candidates}
    # The loose box spans the font's ascent to descent: without the glyph
    # (a font that is not embedded) the tight box is flat.
    rect = _Rect()
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    for index in range(chars):
        if api.FPDFText_IsGenerated(textpage, index) == 1:
            continue
        code = api.FPDFText_GetUnicode(textpage, index)
        char = chr(code) if 0 < code < 0x110000 else ""
        if not char.strip():
            continue
        if not api.FPDFText_GetLooseCharBox(textpage, index, ctypes.byref(rect)):
            continue
        x = (rect.left + rect.right) / 2
        y = (rect.bottom + rect.top) / 2
        covering = [box for box in candidates if box.covers(x, y)]
        if not covering:
            continue
        # A character PDFium cannot trace to an object counts as drawn first.
        drawn = order.get(api.FPDFText_GetTextObject(textpage, index) or 0, 0)
        dark_text = bool(
            api.FPDFText_GetFillColor(textpage, index, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b),
                                      ctypes.byref(a))
        ) and luminance(r.value, g.value, b.value) / 255 < DARK_TEXT
        for box in covering:
            # Hidden if the box was drawn after the text, or the text is dark
            # itself (dark on dark).  White text on a dark background drawn
            # first is a design, not a redaction.
            if box.order > drawn or dark_text:
                found[id(box)].append(char)
    return tuple(
        Hidden(box=box, text="".join(found[id(box)]), count=len(found[id(box)]))
        for box in candidates
        if found[id(box)]
    )


# -- PDFium's C API -----------------------------------------------------------

_TEXT, _PATH, _IMAGE, _FORM = 1, 2, 3, 5  # FPDF_PAGEOBJ_*
_ORDERED = frozenset({_TEXT, _PATH, _FORM})


class _Matrix(ctypes.Structure):
    _fields_ = [(name, ctypes.c_float) for name in "abcdef"]


class _Rect(ctypes.Structure):
    _fields_ = [(name, ctypes.c_float) for name in ("left", "top", "right", "bottom")]


_VOID = ctypes.c_void_p
_INT = ctypes.c_int
_UINT_P = ctypes.POINTER(ctypes.c_uint)
_FLOAT_P = ctypes.POINTER(ctypes.c_float)
_INT_P = ctypes.POINTER(ctypes.c_int)
# name: (result, *arguments).  Every handle is a plain address (c_void_p):
# pypdfium2's own prototypes wrap each handle in a pointer object, which
# costs a third of a walk over a page of a thousand text objects.
_SIGNATURES: dict[str, tuple[Any, ...]] = {
    "FPDF_LoadPage": (_VOID, _VOID, _INT),
    "FPDF_ClosePage": (None, _VOID),
    "FPDF_GetLastError": (ctypes.c_ulong,),
    "FPDFText_LoadPage": (_VOID, _VOID),
    "FPDFText_ClosePage": (None, _VOID),
    "FPDFText_CountChars": (_INT, _VOID),
    "FPDFText_GetText": (_INT, _VOID, _INT, _INT, ctypes.POINTER(ctypes.c_ushort)),
    "FPDFText_GetBoundedText": (
        _INT, _VOID, ctypes.c_double, ctypes.c_double, ctypes.c_double, ctypes.c_double,
        ctypes.POINTER(ctypes.c_ushort), _INT,
    ),
    "FPDFText_GetUnicode": (ctypes.c_uint, _VOID, _INT),
    "FPDFText_IsGenerated": (_INT, _VOID, _INT),
    "FPDFText_GetLooseCharBox": (_INT, _VOID, _INT, ctypes.POINTER(_Rect)),
    "FPDFText_GetCharBox": (_INT, _VOID, _INT, *([ctypes.POINTER(ctypes.c_double)] * 4)),
    "FPDF_GetPageHeightF": (ctypes.c_float, _VOID),
    "FPDFText_GetTextObject": (_VOID, _VOID, _INT),
    "FPDFText_GetFillColor": (_INT, _VOID, _INT, _UINT_P, _UINT_P, _UINT_P, _UINT_P),
    "FPDFPage_CountObjects": (_INT, _VOID),
    "FPDFPage_GetObject": (_VOID, _VOID, _INT),
    "FPDFPageObj_GetType": (_INT, _VOID),
    "FPDFFormObj_CountObjects": (_INT, _VOID),
    "FPDFFormObj_GetObject": (_VOID, _VOID, ctypes.c_ulong),
    "FPDFPageObj_GetMatrix": (_INT, _VOID, ctypes.POINTER(_Matrix)),
    "FPDFPath_GetDrawMode": (_INT, _VOID, _INT_P, _INT_P),
    "FPDFPath_CountSegments": (_INT, _VOID),
    "FPDFPageObj_GetFillColor": (_INT, _VOID, _UINT_P, _UINT_P, _UINT_P, _UINT_P),
    "FPDFPageObj_GetBounds": (_INT, _VOID, _FLOAT_P, _FLOAT_P, _FLOAT_P, _FLOAT_P),
    "FPDFTextObj_GetFont": (_VOID, _VOID),
    "FPDFFont_GetBaseFontName": (ctypes.c_size_t, _VOID, ctypes.c_char_p, ctypes.c_size_t),
    "FPDFPage_GetAnnotCount": (_INT, _VOID),
    "FPDFPage_GetAnnot": (_VOID, _VOID, _INT),
    "FPDFAnnot_GetSubtype": (_INT, _VOID),
    "FPDFPage_CloseAnnot": (None, _VOID),
}


class _Api:
    """PDFium's functions (the ones pypdfium2 loaded) with address-typed prototypes."""

    def __init__(self) -> None:
        import pypdfium2.raw as pdfium_c

        for name, (result, *arguments) in _SIGNATURES.items():
            address = ctypes.cast(getattr(pdfium_c, name), ctypes.c_void_p).value
            if address is None:  # CFUNCTYPE would raise this TypeError too, without naming the function
                raise TypeError(f"pypdfium2 loaded {name} at a NULL address")
            setattr(self, name, ctypes.CFUNCTYPE(result, *arguments)(address))

    def __getattr__(self, name: str) -> Any:  # for type checkers: attributes are set in __init__
        raise AttributeError(name)


@cache
def _api() -> _Api:
    return _Api()
