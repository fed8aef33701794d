"""The one-to-one fold table that :mod:`scanner.normalize` applies with ``str.translate``.

Build-time code: the table is made from this Python's Unicode data (NFKC of
single characters, the typographic spaces) and OpenCC (traditional to
simplified, character by character), and ``scripts/build_tables.py``
ships it in ``lexicons/``.  At run time :func:`fold_table` reads the
shipped table (2 ms) and builds it afresh (30-40 ms, most of it loading
OpenCC) only under a Unicode version it was not built with.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from lexicons import read_table, table_bytes

_VARIANTS = {"祕": "秘", "袐": "秘", "丄": "上"}


# The fold table as built by build_fold_table() with this Python's Unicode
# data and OpenCC, shipped in lexicons/ (scripts/build_tables.py writes it):
# reading it takes 2 ms, building it 30-40 ms of a cold ``scan``, most of
# it loading OpenCC.  It is used only under the Unicode version it was
# built with; a different Python builds the table again.
FOLD_TABLE = "fold-table.json"
_FOLD_FORMAT = 1


@cache
def fold_table() -> dict[int, str]:
    """The one-to-one fold table: the shipped :data:`FOLD_TABLE`, or :func:`build_fold_table`."""
    shipped = _shipped_fold_table()
    return shipped if shipped is not None else build_fold_table()


def fold_table_document() -> bytes:
    """:data:`FOLD_TABLE` for this Python and OpenCC: each key character followed by its fold."""
    import opencc

    folds = "".join(chr(code) + folded for code, folded in sorted(build_fold_table().items()))
    return table_bytes({
        "format": _FOLD_FORMAT,
        "unidata_version": unicodedata.unidata_version,
        "opencc": opencc.__version__,
        "folds": folds,
    })


def _shipped_fold_table() -> dict[int, str] | None:
    """The table in :data:`FOLD_TABLE`, or ``None`` when it is missing, malformed or for other Unicode data."""
    document = read_table(FOLD_TABLE, _FOLD_FORMAT)
    if document is None:
        return None
    folds = document.get("folds")
    if document.get("unidata_version") != unicodedata.unidata_version or not isinstance(folds, str):
        return None
    if len(folds) % 2 or len(set(folds[0::2])) != len(folds) // 2:
        return None
    return dict(zip(map(ord, folds[0::2]), folds[1::2], strict=True))


def build_fold_table() -> dict[int, str]:
    """The one-to-one fold table, built from Unicode data and OpenCC (30-40 ms).

    Composed so that folding is idempotent: every value is a fixed point
    (no value is itself a key).  NFKC turns a Kangxi radical (⾒ U+2F92)
    into a traditional character (見) that only the simplification step
    folds further, so the NFKC result is followed through the table to 见.
    """
    table: dict[int, str] = {}
    is_normalized, normalize_form = unicodedata.is_normalized, unicodedata.normalize
    for code in range(0x80, 0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        # is_normalized is a quick check, ~15x cheaper than normalising the
        # 63,000 characters one by one, and exact: it is true only when
        # NFKC leaves the character as it is.
        if is_normalized("NFKC", char):
            continue
        folded = normalize_form("NFKC", char)
        if len(folded) == 1:
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
    return _closed(table)


def _closed(table: dict[int, str]) -> dict[int, str]:
    """``table`` with each value followed through the table to a character it leaves alone."""
    closed: dict[int, str] = {}
    for code, folded in table.items():
        seen = {code}
        while ord(folded) in table and ord(folded) not in seen:
            seen.add(ord(folded))
            folded = table[ord(folded)]
        if ord(folded) != code:
            closed[code] = folded
    return closed


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
