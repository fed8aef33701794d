"""Running headers and footers of a PDF (issue #23 item 3).

A PDF has no header part: Word's header is drawn again on every page, as
ordinary text at the top.  A line in the top (bottom) band of a page whose
text, page numbers aside, recurs in the same band on most pages is the
running header (footer): it is read as part ``header`` (``footer``), once,
on the first page it stands on, so that

* a mark in it (内部资料 on every page, 秘密★6个月 atop pages 2 and 3) is judged
  in the header position, as a docx header is: it blocks;
* a boilerplate line (the site name, the issuing unit, 第 N 页 共 M 页) gives
  one finding, not one per page, and weighs once in the model's score.

Page numbers are what may differ between the copies: a number of up to
four digits standing alone, or in 第…页, 共…页, - N -, N / M, page N, and 续.
Any other difference (a phone number, a date) makes the lines different:
each is read.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# A line is running when its key stands in the same band on at least this
# share of the pages (and on two pages at least).  Odd and even pages often
# carry different headers (the document title, the issuer), hence half.
SHARE = 0.5
_PAGE_NUMBER = re.compile(
    r"第\s*[\d一二三四五六七八九十百零〇]+\s*页|共\s*[\d一二三四五六七八九十百零〇]+\s*页|[-—–]\s*\d+\s*[-—–]"
    r"|\d+\s*/\s*\d+|(?:page|Page|PAGE)\s*\d+(?:\s*of\s*\d+)?|[（(]?续[)）]?|(?<!\w)\d{1,4}(?!\w)"
)
_BLANK = re.compile(r"[\s　·•|]+")


def key(line: str) -> str:
    """The line without page numbers and blanks: equal for the copies of a running line."""
    return _BLANK.sub("", _PAGE_NUMBER.sub("", line))


@dataclass(frozen=True, kw_only=True)
class PageLines:
    number: int
    lines: tuple[str, ...]
    bands: tuple[str | None, ...]  # "top", "bottom" or None, one per line


def running_lines(pages: Sequence[PageLines]) -> dict[tuple[int, int], str]:
    """``{(page number, line index): "header" | "footer"}`` for the lines that run across the pages.

    Documents of one page have none (their top lines are the head block).
    """
    with_text = [page for page in pages if page.lines]
    if len(with_text) < 2:
        return {}
    # the key of each line in a band, worked out once
    keys = {
        (page.number, index): (band, key(page.lines[index]))
        for page in with_text
        for index, band in enumerate(page.bands)
        if band
    }
    keys = {place: entry for place, entry in keys.items() if entry[1]}  # page numbers alone are left alone
    if not keys:
        return {}
    per_page = {(number, entry) for (number, _), entry in keys.items()}  # a line counts once a page
    counts = Counter(entry for _, entry in per_page)
    needed = max(2, math.ceil(SHARE * len(with_text)))
    return {
        place: "header" if entry[0] == "top" else "footer"
        for place, entry in keys.items()
        if counts[entry] >= needed
    }
