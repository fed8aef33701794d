"""Gates tried on a document's ASCII skeleton before its text (see :func:`skeleton_gate`)."""

from __future__ import annotations

import re
from typing import Any


def skeleton_gate(pattern: str) -> re.Pattern[bytes] | None:
    """``pattern`` compiled for the ASCII skeleton of a text (``_ngram.ascii_skeleton``), or ``None``.

    Why: a gate such as ``[0-9][0-9]{3}[- ]?[0-9]{4}`` has no literal for
    the regex engine to skip ahead to, so it tests every character of a
    document (35 µs for a laws document, where it never matches).  The
    skeleton keeps a text's ASCII characters and puts one NUL byte for each
    run of other characters.  A pattern whose every element is an ASCII
    literal or a class of them (no NUL, no negation, no ``.``, ``\\d``,
    ``\\w`` or ``\\b``, no back-reference, no flag) can only match ASCII
    characters that stand together in the text, and they stand together in
    the skeleton too; its look-arounds see the same ASCII neighbours, and a
    NUL where the text has other characters, which neither matches.  So it
    finds a match in the skeleton exactly when it finds one in the text (a
    property test checks it).  Any other pattern gives ``None``.  The
    pattern is parsed with ``re._parser``; should that change, every gate
    is simply searched in the text as before.
    """
    try:
        from re import _constants as sre  # type: ignore[attr-defined]
        from re import _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern)
        plain = parsed.state.flags == sre.SRE_FLAG_UNICODE and _ascii_only(parsed, sre)
        return re.compile(pattern.encode("ascii")) if plain else None
    except Exception:  # noqa: BLE001 -- an unfamiliar parse: search the text itself
        return None


def _ascii_only(items: Any, sre: Any) -> bool:
    """Whether a parsed pattern matches nothing but ASCII characters other than NUL (see skeleton_gate)."""
    ascii_char = range(1, 0x80)
    edges = (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING, sre.AT_END, sre.AT_END_STRING)
    repeats = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))
    for op, value in items:
        if op is sre.LITERAL:
            ok = value in ascii_char
        elif op is sre.IN:
            ok = all(
                (kind is sre.LITERAL and item in ascii_char)
                or (kind is sre.RANGE and item[0] in ascii_char and item[1] in ascii_char)
                for kind, item in value
            )
        elif op in repeats:
            ok = _ascii_only(value[2], sre)
        elif op is sre.SUBPATTERN:
            ok = not value[1] and not value[2] and _ascii_only(value[3], sre)
        elif op is sre.BRANCH:
            ok = all(_ascii_only(branch, sre) for branch in value[1])
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            ok = _ascii_only(value[1], sre)
        elif op is sre.AT:
            ok = value in edges
        else:
            ok = False
        if not ok:
            return False
    return True
