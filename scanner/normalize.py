"""Fold the noise of real documents away while keeping a map back.

Two kinds of change are made:

* one-to-one character folds, done with one ``str.translate`` table so that
  offsets do not move: NFKC for characters whose compatibility form is a
  single character (full-width digits and letters, NBSP and ideographic
  space, Kangxi radicals, compatibility ideographs), traditional to
  simplified (from OpenCC, character by character) and the variants 祕/袐
  of 秘;
* deletions, recorded in a sparse offset map: zero-width and other format
  characters, white space and line breaks that split a Chinese word,
  page-number lines that split a word across pages (国 / -7- / 家), and
  inline pinyin after a character (國(guó)家).

Every span found in :attr:`Normalized.text` maps back to the original
characters with :meth:`Normalized.to_original`.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

# Characters that make a neighbouring space "inside" Chinese text: CJK
# ideographs, CJK punctuation and the stars used in classified markings.
_DENSE = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
    "\u3001-\u303f"  # 、。〈〉《》「」『』【】〔〕 ...
    "\u2605\u2606\u2731\u273b\u2733\u2734\u2735\u204e\u066d"  # ★ ☆ ✱ ✻ ✳ ✴ ✵ ⁎ ٭
)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"

_FORMAT_CHARS = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"

_PINYIN_LETTERS = "a-zA-Z\u00e0-\u00fc\u0101\u0113\u011b\u012b\u0144\u0148\u014d\u016b\u01ce\u01d0\u01d2\u01d4\u01d6\u01d8\u01da\u01dc\u0251\u0261"

# Python's \s spelled out (the same set as str.isspace; a test checks it):
# sre tests an explicit class several times faster than the \s category.
_SPACE = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_DASHES = "-\u2014\u2013\u2012"
_PAGE_NUMBER_TAIL = (
    f"[{_SPACE}]*[{_DASHES}]?[ \\t]*\\d{{1,4}}[ \\t]*[{_DASHES}]?[ \\t]*\\r?\\n[{_SPACE}]*(?=[{_HAN}])"
)

# Every deletion starts with white space, a format character or "(", so the
# pattern starts with that class: sre then skips ahead in C to the next such
# character instead of trying four look-behind alternatives at every
# position (5-8x faster on real documents).  The alternatives are those of
# the plain form below, in the same order, each rewritten to consume its
# first character and look behind over it, so the matches are identical
# (tests/test_normalize_batch.py checks against the plain form):
#
#   (?<=[HAN])[ \t]*\r?\n\s*[-—–‒]?[ \t]*\d{1,4}[ \t]*[-—–‒]?[ \t]*\r?\n\s*(?=[HAN])
#       a page-number line splitting a word: 国\n-7-\n家 (also — 7 —)
#   (?<=[HAN])\([PINYIN]{1,6}[1-5]?\)
#       inline pinyin after a character: 國(guó)
#   (?<=[DENSE])[\sFORMAT]+|[\sFORMAT]+(?=[DENSE])
#       white space (and invisible characters) next to Chinese text: a split
#       word, a spaced mark
#   [FORMAT]+
#       zero-width, bidi and other invisible format characters anywhere
_DELETIONS = re.compile(
    f"[{_SPACE}{_FORMAT_CHARS}(](?:"
    + "|".join(
        (
            f"(?<=[{_HAN}][ \\t])[ \\t]*\\r?\\n{_PAGE_NUMBER_TAIL}",
            f"(?<=[{_HAN}]\\r)\\n{_PAGE_NUMBER_TAIL}",
            f"(?<=[{_HAN}]\\n){_PAGE_NUMBER_TAIL}",
            f"(?<=[{_HAN}]\\()[{_PINYIN_LETTERS}]{{1,6}}[1-5]?\\)",
            f"(?<=[{_DENSE}][{_SPACE}{_FORMAT_CHARS}])[{_SPACE}{_FORMAT_CHARS}]*",
            f"(?<=[{_SPACE}{_FORMAT_CHARS}])[{_SPACE}{_FORMAT_CHARS}]*(?=[{_DENSE}])",
            f"(?<=[{_FORMAT_CHARS}])[{_FORMAT_CHARS}]*",
        )
    )
    + ")"
)

_VARIANTS = {"祕": "秘", "袐": "秘", "丄": "上"}


@cache
def fold_table() -> dict[int, str]:
    """The one-to-one fold table (built once per process, about 50 ms)."""
    table: dict[int, str] = {}
    for code in range(0x80, 0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char)
        if len(folded) == 1 and folded != char:
            table[code] = folded
    for code in range(0x2000, 0x200B):  # the typographic spaces
        table[code] = " "
    table[0x00A0] = table[0x3000] = " "
    chars = _traditional_chars()
    bases = [table.get(ord(char), char) for char in chars]
    for char, simple in zip(chars, _to_simplified_each(bases), strict=True):
        if simple != char:
            table[ord(char)] = simple
    for variant, plain in _VARIANTS.items():
        table[ord(variant)] = plain
    return table


def _traditional_chars() -> str:
    return "".join(chr(code) for code in range(0x3400, 0xA000)) + "".join(
        chr(code) for code in range(0xF900, 0xFB00)
    )


@cache
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def _to_simplified(char: str) -> str:
    converted: str = _converter().convert(char)
    return converted if len(converted) == 1 else char


def _to_simplified_each(chars: list[str]) -> list[str]:
    """:func:`_to_simplified` of each character, in one OpenCC call.

    One call per character was most of the table's build time (28,000
    calls; about 40 ms of a cold ``scan``).  Newlines keep the characters
    apart: no OpenCC phrase spans one, so each converts on its own.
    """
    converted = _converter().convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a converter that rewrote a newline: go one by one
        return [_to_simplified(char) for char in chars]
    return [simple if len(simple) == 1 else char for char, simple in zip(chars, converted, strict=True)]


@dataclass(frozen=True)
class Normalized:
    """A normalised text with the map back to its original.

    ``_norm_starts[k]`` is where kept segment ``k`` starts in the normalised
    text and ``_orig_starts[k]`` where the same segment starts in the
    original.  Empty tuples mean the identity map (nothing was deleted).
    """

    original: str
    text: str
    _norm_starts: tuple[int, ...] = ()
    _orig_starts: tuple[int, ...] = ()

    def orig_index(self, index: int) -> int:
        """Original index of the character at normalised ``index``."""
        if not self._norm_starts:
            return index
        segment = bisect.bisect_right(self._norm_starts, index) - 1
        return self._orig_starts[segment] + index - self._norm_starts[segment]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open normalised span to the original characters."""
        if end <= start:
            position = self.orig_index(start) if start < len(self.text) else len(self.original)
            return position, position
        return self.orig_index(start), self.orig_index(end - 1) + 1


# The folds that make up nearly all fold hits in government text (98 % of
# those in the laws corpus are the full-width ，；（）：).  They are done
# with str.replace, a C scan per character, before the regex that finds the
# rarer ones; str.translate with the dict table runs at about 15 MB/s, this
# at about 150 MB/s.
_COMMON_FOLDS = "，（）；：！？\u3000"
# Above this many distinct rare characters in one text (a traditional
# Chinese document), one str.translate is cheaper than a replace each.
_MAX_REPLACES = 24

# Joins the units of one document for a batched pass.  It is not white
# space, not folded and in no deletion class, so no deletion crosses or
# touches it and the look-arounds see it as they see the end of a text.
_SEPARATOR = "\x00"


@dataclass(frozen=True, kw_only=True)
class _Folder:
    """The fold table split for speed (see :data:`_COMMON_FOLDS`)."""

    table: dict[int, str]
    common: tuple[tuple[str, str], ...]
    rare: re.Pattern[str]
    # Characters whose fold is itself folded (Kangxi radical ⼾ -> 戶, which
    # the table leaves traditional): str.translate folds them once, and a
    # replace per character could fold them twice, so they go to translate.
    chained: frozenset[str]


@cache
def _folder() -> _Folder:
    table = fold_table()
    common = tuple((char, table[ord(char)]) for char in _COMMON_FOLDS if ord(char) in table)
    # A common fold must not produce a character that is folded again, or
    # the order of the replaces would matter.
    assert all(ord(folded) not in table for _, folded in common)
    rare = [code for code in sorted(table) if chr(code) not in _COMMON_FOLDS]
    return _Folder(
        table=table,
        common=common,
        rare=re.compile(f"[{_char_class(rare)}]"),
        chained=frozenset(chr(code) for code, folded in table.items() if ord(folded) in table),
    )


def _char_class(codes: list[int]) -> str:
    """A regex class body for sorted code points, as ranges."""
    parts: list[str] = []
    index = 0
    while index < len(codes):
        last = index
        while last + 1 < len(codes) and codes[last + 1] == codes[last] + 1:
            last += 1
        first = re.escape(chr(codes[index]))
        parts.append(first if last == index else f"{first}-{re.escape(chr(codes[last]))}")
        index = last + 1
    return "".join(parts)


def fold(text: str) -> str:
    """The one-to-one folds of :func:`fold_table`; the same as ``text.translate(fold_table())``."""
    folder = _folder()
    for char, folded in folder.common:
        if char in text:
            text = text.replace(char, folded)
    found = folder.rare.findall(text)
    if found:
        chars = set(found)
        if len(chars) > _MAX_REPLACES or not folder.chained.isdisjoint(chars):
            return text.translate(folder.table)
        table = folder.table
        for char in chars:
            text = text.replace(char, table[ord(char)])
    return text


def normalize(text: str) -> Normalized:
    """Fold ``text`` for matching; see the module docstring for what changes."""
    folded = fold(text)
    return _assemble(text, folded, [found.span() for found in _DELETIONS.finditer(folded)])


def normalize_many(texts: Sequence[str]) -> list[Normalized]:
    """``[normalize(text) for text in texts]``, in one pass over the joined texts.

    The units of a document (often one per line) are joined with
    :data:`_SEPARATOR`, folded and searched for deletions once, then cut
    apart again: the per-call overhead of thousands of short lines goes, and
    the results are equal to normalising each text on its own (a property
    test checks it).  Texts that contain the separator themselves are
    normalised one by one.
    """
    if len(texts) < 2:
        return [normalize(text) for text in texts]
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:
        return [normalize(text) for text in texts]
    folded = fold(joined)
    # One loop over the deletions of the whole document: the kept pieces
    # are joined and cut at the separators in C, and only units with a
    # deletion get a map (built as _assemble would build it, unit-relative).
    kept: list[str] = []
    kept_from_joined = 0
    maps: dict[int, tuple[list[int], list[int]]] = {}
    index = 0
    unit_start = 0
    unit_end = len(texts[0])
    norm_starts: list[int] = []
    orig_starts: list[int] = []
    length = kept_from = 0
    for deletion in _DELETIONS.finditer(folded):
        start, end = deletion.span()
        if start > unit_end or index not in maps:
            if index in maps:  # close the unit: its last kept segment
                norm_starts.append(length)
                orig_starts.append(kept_from)
            while start > unit_end:
                index += 1
                unit_start = unit_end + 1
                unit_end = unit_start + len(texts[index])
            norm_starts, orig_starts = maps[index] = ([], [])
            length = kept_from = 0
        if start - unit_start > kept_from:
            norm_starts.append(length)
            orig_starts.append(kept_from)
            length += start - unit_start - kept_from
        kept_from = end - unit_start
        kept.append(folded[kept_from_joined:start])
        kept_from_joined = end
    if index in maps:
        norm_starts.append(length)
        orig_starts.append(kept_from)
    kept.append(folded[kept_from_joined:])
    texts_out = "".join(kept).split(_SEPARATOR)
    results: list[Normalized] = []
    for position, (original, text) in enumerate(zip(texts, texts_out, strict=True)):
        segments = maps.get(position)
        if segments is None:
            results.append(_built(original, text, (), ()))
        else:
            results.append(_built(original, text, tuple(segments[0]), tuple(segments[1])))
    return results


def _built(original: str, text: str, norm_starts: tuple[int, ...], orig_starts: tuple[int, ...]) -> Normalized:
    """A :class:`Normalized` without the frozen-dataclass ``__init__``.

    That ``__init__`` sets each field through ``object.__setattr__``, about
    1.5 µs for the four; a document has thousands of units (one per line of
    a text file), which made it the largest single cost of the batch.  The
    object is the same (equality is tested against the plain constructor).
    """
    made = object.__new__(Normalized)
    made.__dict__.update(original=original, text=text, _norm_starts=norm_starts, _orig_starts=orig_starts)
    return made


def _assemble(original: str, folded: str, deletions: list[tuple[int, int]]) -> Normalized:
    """``folded`` without the ``deletions`` (sorted, disjoint spans), with the map back."""
    if not deletions:
        return Normalized(original=original, text=folded)
    norm_starts: list[int] = []
    orig_starts: list[int] = []
    pieces: list[str] = []
    kept_from = 0
    length = 0
    for start, end in deletions:
        if start > kept_from:
            norm_starts.append(length)
            orig_starts.append(kept_from)
            pieces.append(folded[kept_from:start])
            length += start - kept_from
        kept_from = end
    norm_starts.append(length)
    orig_starts.append(kept_from)
    pieces.append(folded[kept_from:])
    return Normalized(
        original=original,
        text="".join(pieces),
        _norm_starts=tuple(norm_starts),
        _orig_starts=tuple(orig_starts),
    )
