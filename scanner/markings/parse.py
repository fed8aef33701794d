"""The parser: one candidate ``level [star] [period]`` at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scanner.markings.grammar import PERIOD_LABEL, Grammar


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """One level found in a unit's normalised text, with what follows it."""

    start: int
    end: int
    level: str
    star: bool
    period: str


def parse_mark(
    grammar: Grammar,
    text: str,
    start: int,
    *,
    spaced: tuple[bool, bool] | Callable[[], tuple[bool, bool]] = (False, False),
) -> Candidate | None:
    """Parse ``level [star] [period]`` at ``start`` of normalised ``text``.

    Returns ``None`` when the level there is part of an ordinary word
    (国家秘密, 商业秘密, 有机密切) rather than a level.  ``spaced`` says
    whether the original text has white space (or a line edge) left and
    right of the level: normalisation deletes spaces between Chinese
    characters, so "某某局  秘密" arrives as 某某局秘密.  It may be given
    as a function, called only when a bare level needs it (looking at the
    original line is most of the cost of a candidate that needs no look).
    """
    level_match = grammar.level.match(text, start)
    if level_match is None:
        return None
    # first: most levels in running text are part of a word (国家秘密:
    # 329 of 331 candidates in 400 laws documents come to nothing)
    before = text[max(0, start - 4) : start]
    if before.endswith(grammar.non_level_prefixes):
        return None
    end = level_match.end()
    level = text[start : start + 2]
    star = grammar.star.match(text, end)
    if star:
        end = star.end()
    period_match = grammar.period.match(text, end) or grammar.labelled_period.match(text, end)
    if period_match is None and star:
        # An open condition (…前) is only read after a star: without one,
        # 秘密事项公布前 is an ordinary phrase.
        period_match = grammar.condition.match(text, end)
    period = ""
    if period_match:
        # the value, without a label such as 解密时间：
        period = PERIOD_LABEL.sub("", period_match.group().strip())
        end = period_match.end()
    following = text[level_match.end() : level_match.end() + 1]
    if not star and not period and following in grammar.non_level_followers:
        return None
    candidate = Candidate(start=start, end=end, level=level, star=bool(star), period=period)
    if star or period or level_match.group().endswith("级"):
        return candidate
    if callable(spaced):
        spaced = spaced()
    left = spaced[0] or _bounded_left(text, start)
    if left and (spaced[1] or _bounded_right(text, level_match.end(), grammar)):
        return candidate
    if in_level_list(grammar, text, start, level_match.end()):
        return candidate
    return None


def _bounded_left(text: str, start: int) -> bool:
    if start == 0:
        return True
    char = text[start - 1]
    return not ("\u3400" <= char <= "\u9fff") or char in "、"


def _bounded_right(text: str, end: int, grammar: Grammar) -> bool:
    if end >= len(text):
        return True
    char = text[end]
    if not ("\u3400" <= char <= "\u9fff"):
        return True
    return any(text.startswith(word, end) for word in grammar.urgency)


def in_level_list(grammar: Grammar, text: str, start: int, end: int) -> bool:
    for joiner in grammar.list_joiners:
        if text.startswith(joiner, end) and grammar.level.match(text, end + len(joiner)):
            return True
        if text[:start].endswith(joiner):
            before = text[: start - len(joiner)]
            if any(before.endswith((level, level + "级")) for level in grammar.levels):
                return True
    return False
