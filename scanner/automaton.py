"""Aho-Corasick automata over many keys, on the libraries the project uses.

:func:`find_all` builds one: text in, every ``(key index, start, end)`` out,
in character offsets.  ahocorasick-rs is the default; pyahocorasick the
fallback (``tests/test_match_backends.py`` checks they give the same hits).
Used by the matcher (:mod:`scanner.match`) and the marking grammar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# Aho-Corasick libraries a Matcher can use (see bench/README.md for the
# measurements).  ahocorasick-rs (Rust, DFA) reads normalised text about 4x
# faster than pyahocorasick and is the default when installed (it is a main
# dependency); pyahocorasick, the library the project started with, stays
# as the fallback for platforms without an ahocorasick-rs wheel.
PYAHOCORASICK = "pyahocorasick"
AHOCORASICK_RS = "ahocorasick-rs"
BACKENDS = (PYAHOCORASICK, AHOCORASICK_RS)
# A DFA over a few hundred terms is small and the fastest to run; over a
# user's list of many thousands its construction time and memory grow, and
# the library's own choice of automaton is kept.
_MAX_DFA_KEYS = 2000

# A built automaton: text -> (key index, start, end) for every occurrence of
# every key, overlapping, in character offsets.
Find = Callable[[str], list[tuple[int, int, int]]]


def default_backend() -> str:
    """ahocorasick-rs when it is installed, else pyahocorasick."""
    try:
        import ahocorasick_rs  # noqa: F401  (only: is it there)
    except ImportError:
        return PYAHOCORASICK
    return AHOCORASICK_RS


def find_all(keys: Sequence[str], backend: str | None = None, *, leftmost_longest: bool = False) -> Find:
    """An automaton over ``keys``: text -> ``(key index, start, end)`` in character offsets.

    It reports every occurrence of every key (overlapping), or with
    ``leftmost_longest`` the occurrences a regex alternation of the keys
    (longest first) finds: fewer, and with ahocorasick-rs found about twice
    as fast, which is all a caller that only asks *where* needs.
    ``backend`` as for :class:`Matcher` (default: :func:`default_backend`).
    """
    keys = list(keys)
    if (backend or default_backend()) == AHOCORASICK_RS:
        return _rs_find(keys, leftmost_longest=leftmost_longest)
    return _py_find(keys, leftmost_longest=leftmost_longest)


def _py_find(keys: list[str], *, leftmost_longest: bool = False) -> Find:
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for index, key in enumerate(keys):
        automaton.add_word(key, (index, len(key)))
    automaton.make_automaton()
    scan = automaton.iter_long if leftmost_longest else automaton.iter

    def find(text: str) -> list[tuple[int, int, int]]:
        return [(index, last + 1 - size, last + 1) for last, (index, size) in scan(text)]

    return find


def _rs_find(keys: list[str], *, leftmost_longest: bool = False) -> Find:
    import ahocorasick_rs

    # The automaton reads bytes the text is encoded to here, and only the
    # hits' offsets are turned into character offsets.  Given a str,
    # ahocorasick-rs encodes it to UTF-8 and then maps every multi-byte
    # character's offset, a third of the time of a pass over a laws
    # document, which has two hits on average.  Text of the Basic
    # Multilingual Plane (Chinese text is) is read as UTF-16: two bytes a
    # character instead of three, an offset in bytes is twice one in
    # characters, and encoding it is a copy (a laws document's hits in
    # 42 µs, against 93 with the str search); other text as UTF-8.  Either
    # way the hits and their order are the library's own (a UTF-8 key can
    # only match at character boundaries; a UTF-16 match at an odd offset is
    # dropped).  "surrogatepass" lets a text with a lone surrogate be read
    # as pyahocorasick reads it (the library's str search refused it).
    implementation = ahocorasick_rs.Implementation.DFA if len(keys) <= _MAX_DFA_KEYS else None
    options: dict[str, Any] = {"implementation": implementation}
    if leftmost_longest:
        options["matchkind"] = ahocorasick_rs.MatchKind.LeftmostLongest
    utf8 = ahocorasick_rs.BytesAhoCorasick([_utf8(key) for key in keys], **options)
    lengths = [len(key) for key in keys]

    def in_utf8(text: str) -> list[tuple[int, int, int]]:
        data = _utf8(text)
        # overlapping: every occurrence of every key, as pyahocorasick's iter reports them
        found: list[tuple[int, int, int]] = utf8.find_matches_as_indexes(data, overlapping=not leftmost_longest)
        if not found or len(data) == len(text):  # ASCII: bytes are characters
            return found
        ends = sorted({end for _, _, end in found})
        at = dict(zip(ends, char_offsets(data, ends), strict=True))
        return [(key, at[end] - lengths[key], at[end]) for key, _, end in found]

    if leftmost_longest:  # a UTF-16 match at an odd offset could hide one that is not
        return in_utf8
    utf16 = ahocorasick_rs.BytesAhoCorasick([_utf16(key) for key in keys], **options)

    def find(text: str) -> list[tuple[int, int, int]]:
        if text.isascii():
            return in_utf8(text)
        data = _utf16(text)
        if len(data) != 2 * len(text):  # a character beyond the plane takes two code units
            return in_utf8(text)
        found = utf16.find_matches_as_indexes(data, overlapping=True)
        # a key's bytes can also stand at an odd offset (the high byte of one
        # character, then the next one's): not a hit
        return [(key, start >> 1, end >> 1) for key, start, end in found if not start & 1]

    return find


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def char_offsets(data: bytes, offsets: list[int]) -> list[int]:
    """Character offsets of ascending byte offsets into UTF-8 ``data``, each at a character boundary."""
    result = []
    at = chars = 0
    for offset in offsets:
        chars += len(data[at:offset].decode("utf-8", "surrogatepass"))
        at = offset
        result.append(chars)
    return result
