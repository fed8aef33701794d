"""The marking grammar: the vocabulary in ``lexicons/markings.yaml`` compiled into patterns.

The vocabulary of a mark (levels, stars, periods, copy numbers, urgency,
example cues...) lives in the ``params`` of the marking rules; this module
compiles it once per catalogue into the small patterns the parser and the
judgement use.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.automaton import find_all
from scanner.catalogue import Catalogue
from scanner.roles import Role

# Parts that are mark positions whatever else shares the line (a header
# often carries the issuing office next to the level).
MARK_PARTS = {"header": "位于页眉", "footer": "位于页脚", "textbox": "位于文本框"}
# Parts that are mark positions when the mark stands alone in them.
ALONE_PARTS = {"metadata": "位于文档属性", "alt-text": "位于图片替代文字"}
HEAD_PARTS = ("body", "table", "ocr")  # ocr: the text of a scanned page is its body

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_OPENERS = "([【〔<{"
_CLOSERS = ")]】〕>}"
# Punctuation that may surround a standalone mark on its line.
FILLER = re.compile(r"[\s()\[\]【】〔〕<>{}\-—–·•|:：,，、;；.。_/]+")
# A quiz option label just before a mark: "A." "B、" "(C)".
OPTION_LABEL = re.compile(r"(?:^|[^A-Za-z])[A-Ha-h]\s*[.、．)）:：]\s*$|\([A-Ha-h]\)\s*$")
PERIOD_LABEL = re.compile(f"^[{_HAN}]{{2,4}}\\s*[:：]\\s*")
# A level broken over lines, possibly around a page-number line (机 / -2- / 密).
SPLIT_LEVEL = re.compile(r"[绝机秘]\n(?:[ \t]*[-—–]?[ \t]*\d{1,4}[ \t]*[-—–]?[ \t]*\n)?[ \t]*密")
STAMP_DATE = re.compile(r"[0-9零〇一二三四五六七八九十]+|[年月日于]")
PAGE_NUMBER = re.compile(r"[-—–]?\s*\d{1,4}\s*[-—–]?")


class GrammarError(ValueError):
    """The marking vocabulary in the catalogue is missing or malformed."""


@dataclass(frozen=True, kw_only=True)
class Grammar:
    """The compiled marking vocabulary (see ``lexicons/markings.yaml``)."""

    # text -> (word index, start, end) of the trigger words, leftmost-longest:
    # an Aho-Corasick automaton, which reads the text once for all the words
    # where a regex alternation tries them at every position
    find_triggers: Callable[[str], list[tuple[int, int, int]]]
    trigger_words: tuple[str, ...]
    level: re.Pattern[str]
    star: re.Pattern[str]
    period: re.Pattern[str]
    condition: re.Pattern[str]
    labelled_period: re.Pattern[str]
    levels: tuple[str, ...]
    non_level_prefixes: tuple[str, ...]
    non_level_followers: tuple[str, ...]
    list_joiners: tuple[str, ...]
    cues_before: tuple[str, ...]
    cues_window: int
    cues_after: tuple[str, ...]
    quotes: tuple[tuple[str, str], ...]
    question_words: tuple[str, ...]
    definition_words: tuple[str, ...]
    companions: re.Pattern[str]
    urgency: tuple[str, ...]
    copy_number: re.Pattern[str]
    document_number: re.Pattern[str]
    declassified: re.Pattern[str]
    lead_in_endings: tuple[str, ...]
    head_block_units: int
    page_top_units: int
    page_bottom_units: int
    note: re.Pattern[str]
    note_labels: tuple[str, ...]
    note_verbs: tuple[str, ...]
    note_verb: re.Pattern[str]  # any of note_verbs
    prefix: re.Pattern[str]
    prefix_min_text: int
    warning: re.Pattern[str]
    warning_line: re.Pattern[str]
    warning_tails: frozenset[str]
    weak_heads: frozenset[str]
    run_in_heads: frozenset[str]
    run_in_follower: re.Pattern[str]  # head-block content right after a run-in head
    run_in_window: int
    run_in_lead_max: int
    disclosure: re.Pattern[str]
    disclosure_phrases: tuple[str, ...]
    disclosure_phrase: re.Pattern[str]  # any of disclosure_phrases
    withheld: frozenset[str]
    on_request: frozenset[str]
    public: frozenset[str]
    note_tail_max: int


# The roles of the rules whose params make up the grammar, in the order _compile takes them.
_GRAMMAR_ROLES = (Role.MARK, Role.MARKING_NOTE, Role.PREFIX_MARK, Role.INTERNAL_MARK, Role.WITHHELD_NOTE)


def grammar_of(catalogue: Catalogue) -> Grammar:
    """The grammar compiled from the catalogue's marking rules.

    Compiled once per catalogue content: the cache key is the catalogue's
    digest (a hash of the rule files, which alone hold the params) together
    with the params objects themselves, so a hand-built catalogue with the
    same digest but other params is compiled anew.

    Raises :class:`GrammarError` when a marking rule's params are missing.
    """
    by_role = catalogue.raised_for("role")
    try:
        # called once per document: a comprehension and map(is_) keep the
        # cache hit to about a microsecond
        params = [by_role[role].params for role in _GRAMMAR_ROLES]
    except KeyError:
        missing = ", ".join(role for role in _GRAMMAR_ROLES if role not in by_role)
        raise GrammarError(f"a marking rule is missing from the catalogue: no rule has params.role: {missing}") from None
    cached = _GRAMMARS.get(catalogue.digest)
    if cached is not None and all(map(operator.is_, cached[0], params)):
        return cached[1]
    grammar = _compile(*(_freeze(part) for part in params))
    if len(_GRAMMARS) >= 8:
        _GRAMMARS.clear()
    _GRAMMARS[catalogue.digest] = (tuple(params), grammar)
    return grammar


# Compiled grammars by catalogue digest (see grammar_of); holding the params
# objects keeps their identity check meaningful.
_GRAMMARS: dict[str, tuple[tuple[Mapping[str, Any], ...], Grammar]] = {}


def _freeze(value: Any) -> Any:
    """A hashable copy of YAML params, so the compiled grammar can be cached."""
    if isinstance(value, Mapping):
        return tuple(sorted((key, _freeze(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so 个月 wins over 月 and 内部资料 over 内部.
    return "|".join(re.escape(word) for word in sorted(set(words), key=lambda w: (-len(w), w)))


def _compile(mark: Any, note: Any, prefix: Any, internal: Any, disclosure: Any) -> Grammar:
    m, n, p, i, d = (dict(part) for part in (mark, note, prefix, internal, disclosure))
    try:
        levels = tuple(m["levels"])
        level = f"(?:{_alternation(levels)})(?:{re.escape(m['level_suffix'])})?"
        stars = "".join(re.escape(star) for star in m["stars"])
        numerals = re.escape(m["numerals"])
        units = _alternation(m["period_units"])
        date = (
            r"(?:\d{4}|[零〇一二三四五六七八九]{4})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"
            f"(?:{_alternation(m['date_suffixes'])})?"
        )
        period = f"(?:{date}|[{numerals}]{{1,4}}\\s*(?:{units})|{_alternation(m['period_words'])}|{_alternation(m['conditions'])})"
        condition = f"[{_HAN}]{{2,{int(m['condition_max'])}}}?前"
        labels = _alternation(m["period_labels"])
        urgency = tuple(m["urgency"])
        copy_number = m["copy_number"]
        companions = f"(?:{m['document_number']}|{copy_number}|{_alternation(urgency)}|{_alternation(m['mark_labels'])})"
        note_scopes = _alternation(n["scopes"])
        note_positions = _alternation(n["positions"])
        note_labels = tuple(n["note_labels"])
        note_verbs = tuple(n["verbs"])
        note_pattern = (
            f"(?:(?:{_alternation(note_labels)})\\s*[:：]?\\s*)?"
            f"(?:{note_scopes}|第[0-9一二三四五六七八九十百]{{1,4}}(?:{note_positions}))"
            f"[^。；;!！?？]{{0,40}}?(?:{_alternation(note_verbs)})\\s*({_alternation(levels)})\\s*(?:{_alternation(n['level_tails'])})"
        )
        opens = "".join(re.escape(b) for b in p["open_brackets"])
        closes = "".join(re.escape(b) for b in p["close_brackets"])
        prefix_pattern = f"\\s*[{opens}]\\s*({level})(?:\\s*[{stars}]\\s*(?:{period})?)?\\s*[{closes}]"
        heads = tuple(i["heads"])
        tails = tuple(i["tails"])
        warning_words = _alternation((*heads, *tails))
        warning_line = (
            f"(?:{warning_words}|[{stars}]|[{numerals}]{{1,4}}\\s*(?:{units})|{companions}|{FILLER.pattern})+"
        )
        window = int(i["run_in_window"])
        # what a head block holds after the mark: an office's mark or a title word
        # within the window (no sentence punctuation in between), or a document number
        run_in_follower = (
            f"[^。，,；;：:！？!?\\n]{{0,{window}}}?(?:{_alternation(i['run_in_followers'])})"
            f"|[^。；;！？!?\\n]{{0,{window}}}?{m['document_number']}"
            f"|\\s*(?:{copy_number}|{_alternation(urgency)})"
        )
        withheld = tuple(d["withheld"])
        on_request = tuple(d["on_request"])
        public = tuple(d["public"])
        disclosure_phrases = (*withheld, *on_request, *public)
        disclosure_pattern = (
            f"(?:(?:{_alternation(d['labels'])})\\s*[:：]\\s*)?({_alternation(disclosure_phrases)})"
        )
        # Every finding needs one of these words in its unit: a level, a
        # warning word, or a disclosure phrase.
        trigger_words = tuple(sorted({*levels, *heads, *tails, *disclosure_phrases}))
        return Grammar(
            find_triggers=find_all(trigger_words, leftmost_longest=True),
            trigger_words=trigger_words,
            level=re.compile(level),
            star=re.compile(f"\\s*[{stars}]"),
            period=re.compile(f"\\s*{period}"),
            condition=re.compile(f"\\s*{condition}"),
            labelled_period=re.compile(f"\\s*(?:{labels})\\s*[:：]?\\s*(?:{period}|{condition})"),
            levels=levels,
            non_level_prefixes=tuple(m["non_level_prefixes"]),
            non_level_followers=tuple(m["non_level_followers"]),
            list_joiners=tuple(m["list_joiners"]),
            cues_before=tuple(sorted(m["cues_before"], key=len, reverse=True)),
            cues_window=int(m["cues_window"]),
            cues_after=tuple(m["cues_after"]),
            quotes=tuple((pair[0], pair[1]) for pair in m["quotes"]),
            question_words=tuple(m["question_words"]),
            definition_words=tuple(m["definition_words"]),
            companions=re.compile(companions),
            urgency=urgency,
            copy_number=re.compile(copy_number),
            document_number=re.compile(m["document_number"]),
            declassified=re.compile(_alternation(m["declassified"])),
            lead_in_endings=tuple(m["lead_in_endings"]),
            head_block_units=int(m["head_block_units"]),
            page_top_units=int(m["page_top_units"]),
            page_bottom_units=int(m["page_bottom_units"]),
            note=re.compile(note_pattern),
            note_labels=note_labels,
            note_verbs=note_verbs,
            note_verb=re.compile(_alternation(note_verbs)),
            prefix=re.compile(prefix_pattern),
            prefix_min_text=int(p["min_text_after"]),
            warning=re.compile(warning_words),
            warning_line=re.compile(warning_line),
            warning_tails=frozenset(tails),
            weak_heads=frozenset(i["weak_heads"]),
            run_in_heads=frozenset(i["run_in_heads"]),
            run_in_follower=re.compile(run_in_follower),
            run_in_window=window,
            run_in_lead_max=int(i["run_in_lead_max"]),
            disclosure=re.compile(disclosure_pattern),
            disclosure_phrases=disclosure_phrases,
            disclosure_phrase=re.compile(_alternation(disclosure_phrases)),
            withheld=frozenset(withheld),
            on_request=frozenset(on_request),
            public=frozenset(public),
            note_tail_max=int(d["note_tail_max"]),
        )
    except (KeyError, TypeError) as error:
        raise GrammarError(f"marking params are incomplete or malformed: {error!r}") from error
    except re.error as error:
        raise GrammarError(f"marking params give a bad pattern: {error}") from error
