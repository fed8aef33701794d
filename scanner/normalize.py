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

import array
import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from scanner.fold_table import fold_table
from scanner.kernel import compiled_kernel
from scanner.types import without_init

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
# (tests/test_normalize_batch.py checks against the plain form).  The
# compiled kernel's delete() tries the same alternatives in the same order
# (see _CLASS_BITS), and the batch path uses it where it is built:
#
#   (?<=[HAN])[ \t]*\r?\n\s*[-—–‒]?[ \t]*\d{1,4}[ \t]*[-—–‒]?[ \t]*\r?\n\s*(?=[HAN])
#       a page-number line splitting a word: 国\n-7-\n家 (also — 7 —)
#   (?<=[HAN]) ?\([PINYIN]{1,6}[1-5]?\)
#       inline pinyin after a character: 國(guó), 國 (guó) (the space
#       itself goes with the white-space rule)
#   (?<=[DENSE])[\sFORMAT]+|[\sFORMAT]+(?=[DENSE])
#       white space (and invisible characters) next to Chinese text: a split
#       word, a spaced mark
#   [FORMAT]+
#       zero-width, bidi and other invisible format characters anywhere
_DELETIONS = (
    f"[{_SPACE}{_FORMAT_CHARS}(](?:"
    + "|".join(
        (
            # the three ways into a page-number line share one tail: each
            # copy of its class of Chinese characters costs compile time
            f"(?:(?<=[{_HAN}][ \\t])[ \\t]*\\r?\\n|(?<=[{_HAN}]\\r)\\n|(?<=[{_HAN}]\\n)){_PAGE_NUMBER_TAIL}",
            f"(?:(?<=[{_HAN}]\\()|(?<=[{_HAN}] \\())[{_PINYIN_LETTERS}]{{1,6}}[1-5]?\\)",
            f"(?<=[{_DENSE}][{_SPACE}{_FORMAT_CHARS}])[{_SPACE}{_FORMAT_CHARS}]*",
            # only from the start of a run: a run's later characters have
            # the same end and neighbours, so they never match where its
            # first did not, and retrying them made a long run of spaces
            # quadratic (20,000 spaces: 4 s)
            f"(?<=[{_SPACE}{_FORMAT_CHARS}])(?<![{_SPACE}{_FORMAT_CHARS}][{_SPACE}{_FORMAT_CHARS}])"
            f"[{_SPACE}{_FORMAT_CHARS}]*(?=[{_DENSE}])",
            f"(?<=[{_FORMAT_CHARS}])[{_FORMAT_CHARS}]*",
        )
    )
    + ")"
)


@cache
def _deletions() -> re.Pattern[str]:
    """:data:`_DELETIONS` compiled (13 ms): only where the compiled kernel, which does its work, is not built."""
    return re.compile(_DELETIONS)


@dataclass(frozen=True, eq=False)
class Normalized:
    """A normalised text with the map back to its original.

    ``_norm_starts[k]`` is where kept segment ``k`` starts in the normalised
    text and ``_orig_starts[k]`` where the same segment starts in the
    original.  Empty tuples mean the identity map (nothing was deleted).
    ``None`` (set by :func:`normalize_many`) means "not built yet": the map
    is built from ``original`` on first use, which only the few units with a
    finding need; read it with :meth:`segments`.
    """

    original: str
    text: str
    _norm_starts: tuple[int, ...] | None = ()
    _orig_starts: tuple[int, ...] | None = ()

    def segments(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The map as ``(norm_starts, orig_starts)``; both empty for the identity."""
        if self._norm_starts is None or self._orig_starts is None:
            # normalize() of the unit alone deletes exactly what the batch
            # deleted from it (tests/test_normalize_batch.py), so its map is
            # the unit's map.
            made = normalize(self.original)
            object.__setattr__(self, "_norm_starts", made._norm_starts)
            object.__setattr__(self, "_orig_starts", made._orig_starts)
            return made.segments()
        return self._norm_starts, self._orig_starts

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Normalized) or type(other) is not type(self):
            return NotImplemented
        return (self.original, self.text, self.segments()) == (other.original, other.text, other.segments())

    def __hash__(self) -> int:
        return hash((self.original, self.text, self.segments()))

    def orig_index(self, index: int) -> int:
        """Original index of the character at normalised ``index``."""
        norm_starts, orig_starts = self.segments()
        if not norm_starts:
            return index
        segment = bisect.bisect_right(norm_starts, index) - 1
        return orig_starts[segment] + index - norm_starts[segment]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open normalised span to the original characters."""
        if end <= start:
            position = self.orig_index(start) if start < len(self.text) else len(self.original)
            return position, position
        return self.orig_index(start), self.orig_index(end - 1) + 1


# Without the compiled kernel (whose fold() is one pass over the text):
# the folds that make up nearly all fold hits in government text (98 % of
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


@cache
def _folder() -> _Folder:
    table = fold_table()
    common = tuple((char, table[ord(char)]) for char in _COMMON_FOLDS if ord(char) in table)
    # The table is closed (no fold produces a character that is folded
    # again), so the order of the replaces below does not matter.
    rare = [code for code in sorted(table) if chr(code) not in _COMMON_FOLDS]
    return _Folder(
        table=table,
        common=common,
        rare=re.compile(f"[{_char_class(rare)}]"),
    )


@cache
def _fold_codes() -> array.array[int]:
    """:func:`fold_table` for the kernel's fold(): a uint32 per code point, 0 where it is unchanged."""
    codes = array.array("I", bytes(4 * 0x110000))  # 4.5 MB, of which text touches a few pages
    for code, folded in fold_table().items():
        codes[code] = ord(folded)
    return codes


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
    kernel = compiled_kernel()
    if kernel is not None:  # one pass in C: every unit of every document is folded, so this is a hot loop
        return kernel.fold(text, _fold_codes())  # type: ignore[no-any-return]
    folder = _folder()
    for char, folded in folder.common:
        if char in text:
            text = text.replace(char, folded)
    found = folder.rare.findall(text)
    if found:
        chars = set(found)
        if len(chars) > _MAX_REPLACES:
            return text.translate(folder.table)
        table = folder.table
        for char in chars:
            text = text.replace(char, table[ord(char)])
    return text


def normalize(text: str) -> Normalized:
    """Fold ``text`` for matching; see the module docstring for what changes."""
    folded = fold(text)
    kernel = compiled_kernel()
    if kernel is not None:  # the same spans, in linear time (sre is quadratic in a long run of spaces)
        return _assemble(text, folded, kernel.deletions(folded, _deletion_classes()))
    return _assemble(text, folded, [found.span() for found in _deletions().finditer(folded)])


def normalized_text(text: str) -> str:
    """``normalize(text).text`` without the map back (for a line that is only compared, never located).

    The markings read the original line around each candidate folded again
    (240 such lines per 400 laws documents); the map and the Normalized
    made for each cost as much as the fold itself.
    """
    folded = fold(text)
    kernel = compiled_kernel()
    if kernel is not None:  # the same deletions in one pass in C, in linear time whatever the text holds
        return kernel.delete(folded, _deletion_classes())  # type: ignore[no-any-return]
    return _deletions().sub("", folded)


def normalize_many(texts: Sequence[str]) -> list[Normalized]:
    """``[normalize(text) for text in texts]``, in one pass over the joined texts.

    The units of a document (often one per line) are joined with
    :data:`_SEPARATOR`, folded and searched for deletions once, then cut
    apart again: the per-call overhead of thousands of short lines goes, and
    the results are equal to normalising each text on its own (a property
    test checks it).  Texts that contain the separator themselves are
    normalised one by one.
    """
    batched = normalize_batch(texts)
    if batched is None:
        return [normalize(text) for text in texts]
    return list(map(batched_result, texts, batched[0]))


def normalize_batch(texts: Sequence[str]) -> tuple[list[str], str] | None:
    """The normalised texts of a document's units, and the same joined with newlines.

    ``None`` when the texts cannot be batched (fewer than two, or one holds
    :data:`_SEPARATOR`): normalise them one by one.  The joined text is what
    the markings, the matcher and the model each read in one pass; the batch
    has it already (with separators in place of the newlines).
    """
    if len(texts) < 2:
        return None
    joined = _SEPARATOR.join(texts)
    # The deletions are cut out in one pass and the result split at the
    # separators; no unit's offset map is built here.  A unit whose length
    # changed had something deleted: its map is built when a finding in it
    # asks (Normalized.segments), so the thousands of lines without a
    # finding cost no Python loop over their deletions.
    done = normalized_text(joined)
    # The separator is neither folded nor deleted, so a text that holds it
    # shows as one piece too many; the count of pieces tells, so the joined
    # text is not searched for it first (a pass of its own for the rare
    # text with a NUL).
    pieces = done.split(_SEPARATOR)
    if len(pieces) != len(texts):
        return None
    return pieces, done.replace(_SEPARATOR, "\n")


# The classes of _DELETIONS, one bit each, for the kernel's delete()
# (scanner/_ngram.c), which tries the same alternatives in the same order.
_CLASS_BITS = ((_HAN, 1), (_DENSE, 2), (_SPACE, 4), (_FORMAT_CHARS, 8), (_PINYIN_LETTERS, 16), (_DASHES, 32))


@cache
def _deletion_classes() -> bytearray:
    """A byte per code point holding the bits of the classes it is in (see :data:`_CLASS_BITS`)."""
    flags = bytearray(0x110000)
    for members, bit in _CLASS_BITS:
        with_bit = bytes(value | bit for value in range(256))  # a translation table: each byte, this bit set
        for first, last in _class_ranges(members):
            flags[first : last + 1] = flags[first : last + 1].translate(with_bit)
    return flags


def _class_ranges(members: str) -> list[tuple[int, int]]:
    """The code point ranges of a class body as written in this module: characters and ``a-b`` ranges."""
    ranges = []
    index = 0
    while index < len(members):
        if index + 2 < len(members) and members[index + 1] == "-":
            ranges.append((ord(members[index]), ord(members[index + 2])))
            index += 3
        else:
            ranges.append((ord(members[index]), ord(members[index])))
            index += 1
    return ranges


def batched_result(original: str, text: str) -> Normalized:
    """The :class:`Normalized` of ``original`` given its batched normalised ``text`` (see :func:`normalize_batch`).

    Made without the frozen-dataclass ``__init__`` (~1.5 µs for the four
    fields, and a document has thousands of units; see :func:`without_init`);
    the object is the same, which the tests check against normalize().  A
    unit whose length changed had something deleted (fold is one-to-one):
    its map is left to :meth:`Normalized.segments`.
    """
    segments = () if len(text) == len(original) else None
    return without_init(
        Normalized, {"original": original, "text": text, "_norm_starts": segments, "_orig_starts": segments}
    )


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
