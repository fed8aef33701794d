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
from dataclasses import dataclass
from functools import cache

# Characters that make a neighbouring space "inside" Chinese text: CJK
# ideographs, CJK punctuation and the stars used in classified markings.
_DENSE = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\u3001-\u303f"  # 、。〈〉《》「」『』【】〔〕 ...
    "\u2605\u2606\u2731\u273b\u2733\u2734\u2735\u204e\u066d"  # ★ ☆ ✱ ✻ ✳ ✴ ✵ ⁎ ٭
)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

_FORMAT_CHARS = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"

_PINYIN_LETTERS = "a-zA-Z\u00e0-\u00fc\u0101\u0113\u011b\u012b\u0144\u0148\u014d\u016b\u01ce\u01d0\u01d2\u01d4\u01d6\u01d8\u01da\u01dc\u0251\u0261"

_DELETIONS = re.compile(
    "|".join(
        (
            # zero-width, bidi and other invisible format characters
            f"[{_FORMAT_CHARS}]+",
            # a page-number line splitting a word: 国\n-7-\n家 (also — 7 —)
            f"(?<=[{_HAN}])[ \\t]*\\r?\\n\\s*[-\u2014\u2013\u2012]?[ \\t]*\\d{{1,4}}[ \\t]*[-\u2014\u2013\u2012]?[ \\t]*\\r?\\n\\s*(?=[{_HAN}])",
            # inline pinyin after a character: 國(guó)
            f"(?<=[{_HAN}])\\([{_PINYIN_LETTERS}]{{1,6}}[1-5]?\\)",
            # white space next to Chinese text (a split word, a spaced mark)
            f"(?<=[{_DENSE}])\\s+|\\s+(?=[{_DENSE}])",
        )
    )
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
    for char in _traditional_chars():
        code = ord(char)
        base = table.get(code, char)
        simple = _to_simplified(base)
        if simple != char:
            table[code] = simple
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


def normalize(text: str) -> Normalized:
    """Fold ``text`` for matching; see the module docstring for what changes."""
    folded = text.translate(fold_table())
    norm_starts: list[int] = []
    orig_starts: list[int] = []
    pieces: list[str] = []
    kept_from = 0
    length = 0
    for deletion in _DELETIONS.finditer(folded):
        start, end = deletion.span()
        if start > kept_from:
            norm_starts.append(length)
            orig_starts.append(kept_from)
            pieces.append(folded[kept_from:start])
            length += start - kept_from
        kept_from = end
    if kept_from == 0 and not pieces:
        return Normalized(original=text, text=folded)
    norm_starts.append(length)
    orig_starts.append(kept_from)
    pieces.append(folded[kept_from:])
    return Normalized(
        original=text,
        text="".join(pieces),
        _norm_starts=tuple(norm_starts),
        _orig_starts=tuple(orig_starts),
    )
