"""Where a PDF page's lines and drawings stand: text lines with their PDFium indexes, the top and bottom
bands (running headers and footers, :mod:`scanner.extract.pdf_running`), and rows of glyph-shaped paths
(text drawn as outlines).  Split from :mod:`scanner.extract.pdf_pdfium`, which calls these while it reads
a page; ``api`` is its table of PDFium functions.
"""

from __future__ import annotations

import ctypes
import re
from typing import Any

# Control characters removed from the lines; tabs become spaces.  PDFium
# writes a hyphen it takes for a word broken at the line end as U+FFFE (or
# U+0002) and joins the two halves: the hyphen is drawn, so it is kept.
_CLEAN = {
    **dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xFFFF]),
    0x09: " ",
    0x02: "-",
    0xFFFE: "-",
}
# Share of the page height at its top and bottom where running headers and
# footers stand, and how many lines at each end are looked at.
BAND = 0.12
BAND_LINES = 3


_LINE = re.compile(r"[^\r\n]+")
# The characters _CLEAN changes (line breaks aside): most pages have none, and
# str.translate with a dict looks up every character (77 µs a page of 570
# characters, half of this module's time), where one search in C costs 2 µs.
_TO_CLEAN = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_CLEAN)) + "]")


def _cleaned(text: str) -> str:
    """``text.translate(_CLEAN)``, without the translation when nothing in ``text`` is to be cleaned."""
    return text.translate(_CLEAN) if _TO_CLEAN.search(text) else text


def lines_and_starts(text: str) -> tuple[tuple[str, ...], dict[int, int]]:
    """The page's lines, and for the first and last :data:`BAND_LINES` of them the index in ``text``
    (PDFium's character index) of their first character: ``{line index: character index}``."""
    normal = text.replace("\r\n", "\n").replace("\r", "\n")
    clean = _TO_CLEAN.search(normal) is None
    if not clean:
        normal = normal.translate(_CLEAN)
    lines = tuple(line for line in (raw.strip() for raw in normal.split("\n")) if line)
    starts: dict[int, int] = {}
    if not lines:
        return lines, starts
    matches = [match for match in _LINE.finditer(text)]
    kept = 0
    for match in matches:  # from the top
        if (match.group() if clean else _cleaned(match.group())).strip():
            starts[kept] = _line_start(match)
            kept += 1
            if kept == BAND_LINES:
                break
    kept = len(lines) - 1
    for match in reversed(matches):  # from the bottom
        if kept < 0 or len(lines) - kept > BAND_LINES:
            break
        if (match.group() if clean else _cleaned(match.group())).strip():
            starts[kept] = _line_start(match)
            kept -= 1
    return lines, starts


def _line_start(match: re.Match[str]) -> int:
    raw = match.group()
    return match.start() + len(raw) - len(raw.lstrip())


def line_forms(api: Any, textpage: int, text: str,
               form_text: dict[int, tuple[int, ...]]) -> tuple[tuple[int, ...] | None, ...]:
    """For each line :func:`lines_and_starts` keeps, the form its first character's text object is in
    (``form_text``: text object -> the form's ordinals), None for the page's own text.  One call a line, on
    pages with text inside forms only."""
    return tuple(form_text.get(api.FPDFText_GetTextObject(textpage, _line_start(match)) or 0)
                 for match in _LINE.finditer(text) if _cleaned(match.group()).strip())


def line_bands(api: Any, page: int, textpage: int, starts: dict[int, int], count: int) -> tuple[str | None, ...]:
    """Which of the first and last :data:`BAND_LINES` of ``count`` lines stand in the page's top or bottom band."""
    bands: list[str | None] = [None] * count
    if not starts:
        return ()
    height = api.FPDF_GetPageHeightF(page)
    if height <= 0:
        return tuple(bands)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    for index, char in starts.items():
        if not api.FPDFText_GetCharBox(textpage, char, ctypes.byref(left), ctypes.byref(right),
                                       ctypes.byref(bottom), ctypes.byref(top)):
            continue
        if bottom.value >= height * (1 - BAND):
            bands[index] = "top"
        elif top.value <= height * BAND:
            bands[index] = "bottom"
    return tuple(bands)


# A filled path this high (points) with this many segments may be a glyph
# drawn as an outline (a rectangle has 4 or 5 segments, a character dozens).
GLYPH_HEIGHT = (3.0, 72.0)
GLYPH_SEGMENTS = 8
# Glyph-like paths side by side on one line, with no text there: a line of
# text drawn as vector outlines (a title, a red-header office name, a mark).
GLYPHS_IN_A_ROW = 4


def vector_rows(glyphs: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Boxes of the rows of at least :data:`GLYPHS_IN_A_ROW` glyph-sized paths of about one height."""
    rows: list[list[tuple[float, float, float, float]]] = []
    for glyph in sorted(glyphs, key=lambda box: ((box[1] + box[3]) / 2, box[0])):
        height = glyph[3] - glyph[1]
        centre = (glyph[1] + glyph[3]) / 2
        if rows:
            last = rows[-1][-1]
            last_height = last[3] - last[1]
            if abs(centre - (last[1] + last[3]) / 2) < 0.5 * max(height, last_height) and \
                    0.5 <= height / max(last_height, 0.01) <= 2.0:
                rows[-1].append(glyph)
                continue
        rows.append([glyph])
    return [
        (min(box[0] for box in row), min(box[1] for box in row), max(box[2] for box in row), max(box[3] for box in row))
        for row in rows
        if len(row) >= GLYPHS_IN_A_ROW
    ]
