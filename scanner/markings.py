"""Find state-secret and internal markings, and tell a real mark from a mention.

The grammar is data: the vocabulary of a mark (levels, stars, periods,
copy numbers, urgency, example cues...) lives in the ``params`` of the
marking rules in ``lexicons/markings.yaml``; this module compiles it into a
few small patterns and a parser that reads one candidate at a time.

A candidate is then placed: the same string ``秘密★1年`` is a mark when it
stands alone on its line in a mark position (head block of page one,
header, footer, text box, document properties, first table cell, top of a
page) and a mention when it sits in a sentence, in quotation marks, after
an example cue (如, 应标注为), in a list of levels or in a question.  Every
finding's ``evidence`` says which of these decided its severity.

Rule ids (see the YAML for the full text):

* CM001 mark (level★period) in mark position          block
* CM002 partial-marking note (注：本页…属于…级国家秘密) block
* CM003 paragraph-prefix mark （秘密）…                block
* CM004 mention of a level or mark                     info
* CM005 mark in mark position next to 解密             review
* CM006 bare level alone in mark position              block
* CM007 full mark form inside running text             review
* IM001 internal / work-secret warning in mark position block
* IM002 internal warning mentioned in running text     info
* IM003 公开属性 不予公开 note                           block (依申请公开: review)
* IM004 公开属性 主动公开 note                           info (positive evidence)

Offsets: the parser works on ``view.norm.text``; :func:`finding_at` maps
spans back to the original characters.  Whether a mark "stands alone" is
decided on the *original* line that holds the span, because normalisation
deletes line breaks between Chinese characters.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from scanner.catalogue import Catalogue, Rule
from scanner.findings import UnitView, context_of, finding_at, location_in, texts_of, units_of
from scanner.match import Occurrences, find_all, lines_at
from scanner.normalize import Normalized, normalized_text
from scanner.types import Finding, Severity, TextUnit

GRAMMAR_RULE = "CM001"
NOTE_RULE = "CM002"
PREFIX_RULE = "CM003"
MENTION_RULE = "CM004"
DECLASSIFIED_RULE = "CM005"
BARE_RULE = "CM006"
TEXT_FORM_RULE = "CM007"
INTERNAL_RULE = "IM001"
INTERNAL_MENTION_RULE = "IM002"
WITHHELD_RULE = "IM003"
PUBLIC_RULE = "IM004"

# Parts that are mark positions whatever else shares the line (a header
# often carries the issuing office next to the level).
_MARK_PARTS = {"header": "位于页眉", "footer": "位于页脚", "textbox": "位于文本框"}
# Parts that are mark positions when the mark stands alone in them.
_ALONE_PARTS = {"metadata": "位于文档属性", "alt-text": "位于图片替代文字"}
_HEAD_PARTS = ("body", "table", "ocr")  # ocr: the text of a scanned page is its body

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_OPENERS = "([【〔<{"
_CLOSERS = ")]】〕>}"
# Punctuation that may surround a standalone mark on its line.
_FILLER = re.compile(r"[\s()\[\]【】〔〕<>{}\-—–·•|:：,，、;；.。_/]+")
# A quiz option label just before a mark: "A." "B、" "(C)".
_OPTION_LABEL = re.compile(r"(?:^|[^A-Za-z])[A-Ha-h]\s*[.、．)）:：]\s*$|\([A-Ha-h]\)\s*$")
_PERIOD_LABEL = re.compile(f"^[{_HAN}]{{2,4}}\\s*[:：]\\s*")
# A level broken over lines, possibly around a page-number line (机 / -2- / 密).
_SPLIT_LEVEL = re.compile(r"[绝机秘]\n(?:[ \t]*[-—–]?[ \t]*\d{1,4}[ \t]*[-—–]?[ \t]*\n)?[ \t]*密")
_STAMP_DATE = re.compile(r"[0-9零〇一二三四五六七八九十]+|[年月日于]")
_PAGE_NUMBER = re.compile(r"[-—–]?\s*\d{1,4}\s*[-—–]?")


class GrammarError(ValueError):
    """The marking vocabulary in the catalogue is missing or malformed."""


@dataclass(frozen=True, kw_only=True)
class Grammar:
    """The compiled marking vocabulary (see ``lexicons/markings.yaml``)."""

    # text -> (word index, start, end) of the trigger words, leftmost-longest:
    # an Aho-Corasick automaton reads a document about 2.4x faster than the
    # same words as a regex alternation (20.6 -> 8.6 ms per 400 laws documents)
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
    disclosure: re.Pattern[str]
    disclosure_phrases: tuple[str, ...]
    disclosure_phrase: re.Pattern[str]  # any of disclosure_phrases
    withheld: frozenset[str]
    on_request: frozenset[str]
    public: frozenset[str]


# The rules whose params make up the grammar, in the order _compile takes them.
_GRAMMAR_RULES = (GRAMMAR_RULE, NOTE_RULE, PREFIX_RULE, INTERNAL_RULE, WITHHELD_RULE)


def grammar_of(catalogue: Catalogue) -> Grammar:
    """The grammar compiled from the catalogue's marking rules.

    Compiled once per catalogue content: the cache key is the catalogue's
    digest (a hash of the rule files, which alone hold the params) together
    with the params objects themselves, so a hand-built catalogue with the
    same digest but other params is compiled anew.

    Raises :class:`GrammarError` when a marking rule's params are missing.
    """
    rules = catalogue.rules
    try:
        # called once per document: a comprehension and map(is_) keep the
        # cache hit to about a microsecond
        params = [rules[rule_id].params for rule_id in _GRAMMAR_RULES]
    except KeyError:
        for rule_id in _GRAMMAR_RULES:
            if rule_id not in rules:
                raise GrammarError(f"marking rule {rule_id} is missing from the catalogue") from None
        raise
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
        warning_line = f"(?:{warning_words}|[{stars}]|[{numerals}]{{1,4}}\\s*(?:{units})|{companions}|{_FILLER.pattern})+"
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
            disclosure=re.compile(disclosure_pattern),
            disclosure_phrases=disclosure_phrases,
            disclosure_phrase=re.compile(_alternation(disclosure_phrases)),
            withheld=frozenset(withheld),
            on_request=frozenset(on_request),
            public=frozenset(public),
        )
    except (KeyError, TypeError) as error:
        raise GrammarError(f"marking params are incomplete or malformed: {error!r}") from error
    except re.error as error:
        raise GrammarError(f"marking params give a bad pattern: {error}") from error


# --------------------------------------------------------------------------
# positions


@dataclass(frozen=True, kw_only=True)
class Positions:
    """Where the mark positions of one document are, by unit index."""

    head: Mapping[int, int]  # unit index -> 1-based line in page one's head block
    page_edges: Mapping[int, str]  # unit index -> evidence (top / bottom of page N)
    non_empty: tuple[int, ...]  # indexes of non-empty units, in order


def positions_of(views: Sequence[UnitView], grammar: Grammar) -> Positions:
    """Find the head block of page one and the top and bottom lines of later pages."""
    head: dict[int, int] = {}
    by_page: dict[int, list[int]] = {}
    non_empty: list[int] = []
    # over the texts and units, not the views: a DocumentViews makes a view
    # only for a unit that is looked at
    for position, (text, unit) in enumerate(zip(texts_of(views), units_of(views), strict=True)):
        if not text.strip():
            continue
        non_empty.append(position)
        if unit.part not in _HEAD_PARTS:
            continue
        # A plain-text document has no pages: its first lines are page one.
        page = unit.page if unit.page is not None else 1
        if page == 1 and len(head) < grammar.head_block_units:
            head[position] = len(head) + 1
        if unit.page is not None:
            by_page.setdefault(unit.page, []).append(position)
    edges: dict[int, str] = {}
    for page, members in by_page.items():
        for rank, position in enumerate(members[: grammar.page_top_units]):
            if page != 1:
                edges[position] = f"位于第{page}页页首（第{rank + 1}行）"
        for rank, position in enumerate(reversed(members[-grammar.page_bottom_units :])):
            edges.setdefault(position, f"位于第{page}页页尾（倒数第{rank + 1}行）")
    return Positions(head=head, page_edges=edges, non_empty=tuple(non_empty))


def mark_position(view: UnitView, position: int, positions: Positions, *, alone: bool) -> str | None:
    """Evidence text when ``view`` is a mark position, else ``None``.

    ``position`` is the view's place in the list given to
    :func:`detect_markings`; ``alone`` says whether the candidate stands
    alone on its line (the head block and page edges need that).
    """
    unit = view.unit
    if unit.part in _MARK_PARTS:
        return _MARK_PARTS[unit.part]
    if not alone:
        return None
    if unit.part in _ALONE_PARTS:
        return _ALONE_PARTS[unit.part]
    if unit.cell == (0, 0):
        return "位于表格首格"
    if position in positions.head:
        return f"位于第一页版头（第{positions.head[position]}行）"
    return positions.page_edges.get(position)


# --------------------------------------------------------------------------
# the parser


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
        period = _PERIOD_LABEL.sub("", period_match.group().strip())
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
    if _in_level_list(grammar, text, start, level_match.end()):
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


def _in_level_list(grammar: Grammar, text: str, start: int, end: int) -> bool:
    for joiner in grammar.list_joiners:
        if text.startswith(joiner, end) and grammar.level.match(text, end + len(joiner)):
            return True
        if text[:start].endswith(joiner):
            before = text[: start - len(joiner)]
            if any(before.endswith((level, level + "级")) for level in grammar.levels):
                return True
    return False


# --------------------------------------------------------------------------
# context


def line_of(view: UnitView, norm_start: int, norm_end: int, *, skip_noise: bool = True) -> tuple[str, str]:
    """The original text before and after the span on the line(s) holding it.

    With ``skip_noise``, characters that normalisation deleted next to the
    span (pinyin after its last character, zero-width marks) are left out.
    """
    norm = view.norm
    start, end = norm.to_original(norm_start, norm_end)
    original = view.unit.text
    line_start = original.rfind("\n", 0, start) + 1
    line_end = original.find("\n", end)
    if line_end < 0:
        line_end = len(original)
    if not skip_noise:
        return original[line_start:start], original[end:line_end]
    kept_before = norm.orig_index(norm_start - 1) + 1 if norm_start > 0 else 0
    kept_after = norm.orig_index(norm_end) if norm_end < len(norm.text) else len(original)
    before = original[line_start : max(line_start, kept_before)]
    after = original[min(max(end, kept_after), line_end) : line_end]
    return before, after


def spaced_around(view: UnitView, norm_start: int, norm_end: int) -> tuple[bool, bool]:
    """Whether the original line has white space or its edge left and right of the span."""
    before, after = line_of(view, norm_start, norm_end, skip_noise=False)
    return (not before or before[-1].isspace(), not after or after[0].isspace())


def _residue(grammar: Grammar, text: str) -> str:
    """What is left on a line once companions and punctuation are removed."""
    text = normalized_text(text)
    text = grammar.companions.sub(" ", text)
    return _FILLER.sub("", text)


def quoted(grammar: Grammar, text: str, start: int, end: int) -> str | None:
    """Evidence when ``text[start:end]`` is inside a quotation pair, else ``None``."""
    before = text[:start]
    for opener, closer in grammar.quotes:
        if opener == closer:
            if before.count(opener) % 2 == 1 and closer in text[end:]:
                return "位于引号内"
            continue
        if before.rfind(opener) > before.rfind(closer) and closer in text[end:]:
            return "位于书名号内" if opener == "《" else "位于引号内"
    return None


def example_cue(grammar: Grammar, text: str, start: int) -> str | None:
    """The example cue (如, 应标注为...) shortly before ``start``, if any."""
    window = text[max(0, start - grammar.cues_window) : start]
    # Quotes and brackets between the cue and the mark do not break it.
    stripped = window.rstrip("“”\"'‘’《「『([【:： ")
    for cue in grammar.cues_before:
        if stripped.endswith(cue):
            return cue
    for cue in grammar.cues_before:
        if len(cue) > 1 and cue in window:
            return cue
    return None


def mention_evidence(grammar: Grammar, text: str, candidate: Candidate) -> list[str]:
    """Reasons why a candidate in running text is a mention (empty: none found)."""
    reasons: list[str] = []
    quote = quoted(grammar, text, candidate.start, candidate.end)
    if quote:
        reasons.append(quote)
    cue = example_cue(grammar, text, candidate.start)
    if cue:
        reasons.append(f"前有举例用语“{cue}”")
    if _in_level_list(grammar, text, candidate.start, candidate.start + len(candidate.level)) or (
        not candidate.star
        and _in_level_list(grammar, text, candidate.start, _level_end(grammar, text, candidate))
    ):
        reasons.append("属于密级列举")
    if _OPTION_LABEL.search(text[max(0, candidate.start - 4) : candidate.start]):
        reasons.append("位于选择题选项中")
    if candidate.star and len(grammar.star.findall(text)) > 1:
        others = {match.group()[:2] for match in grammar.level.finditer(text)} - {candidate.level}
        if others:
            reasons.append("同一段中有多个不同密级的标志，属于列举")
    sentence_end = _sentence_end(text, candidate.end)
    sentence = text[_sentence_start(text, candidate.start) : sentence_end]
    if any(word in sentence for word in grammar.question_words) or re.search(r"[?？]|\(\s*\)", sentence):
        reasons.append("位于问句或试题中")
    after = text[_level_end(grammar, text, candidate) :]
    if not candidate.star and not candidate.period:
        for word in grammar.definition_words:
            if after.startswith(word) and len(after) > len(word) + 1:
                reasons.append("属于定义或说明")
                break
        for word in grammar.cues_after:
            if after.startswith(word):
                reasons.append(f"后接“{word}”")
                break
    return reasons


def _level_end(grammar: Grammar, text: str, candidate: Candidate) -> int:
    match = grammar.level.match(text, candidate.start)
    return match.end() if match else candidate.start + 2


def _sentence_start(text: str, index: int) -> int:
    return max(text.rfind(mark, 0, index) for mark in "。！？!?；;\n") + 1


def _sentence_end(text: str, index: int) -> int:
    ends = [found for found in (text.find(mark, index) for mark in "。！？!?；;\n") if found >= 0]
    return min(ends) + 1 if ends else len(text)


def _companion_evidence(grammar: Grammar, before: str, after: str) -> list[str]:
    line = normalized_text(before + " " + after)
    evidence = []
    copy = grammar.copy_number.search(line)
    if copy:
        evidence.append(f"同行有份号“{copy.group().strip()}”")
    for word in grammar.urgency:
        if word in line:
            evidence.append(f"同行有紧急程度“{word}”")
    return evidence


# --------------------------------------------------------------------------
# the detector


@dataclass(frozen=True, kw_only=True)
class _LevelFinding:
    """A level candidate's decision, held until the whole document is read."""

    position: int
    view: UnitView
    start: int
    end: int
    level: str
    alone: bool
    rule_id: str
    evidence: tuple[str, ...]
    cap: Severity | None


def detect_markings(
    views: Sequence[UnitView],
    catalogue: Catalogue,
    *,
    joined: str | None = None,
    found: Occurrences | None = None,
) -> list[Finding]:
    """Findings for state-secret marks, internal warnings and disclosure notes.

    ``views`` are one document's units in reading order; ``joined``, when
    given, must be their normalised texts joined with newlines; ``found``,
    when given, what a :class:`~scanner.match.Matcher` watching the
    grammar's ``trigger_words`` found in it.  Raises :class:`GrammarError`
    if the catalogue lacks the marking vocabulary.
    """
    grammar = grammar_of(catalogue)
    # The common case is a document with no trigger word at all: one scan
    # of the joined text in C decides it.
    if joined is None:
        joined = "\n".join(texts_of(views))
    # "\n密" (a plain substring search) is needed for any split level; a
    # one-character search (memchr-fast) for 密 first costs a sixth of it
    # and rules out half of the documents
    tails: dict[int, tuple[int, TextUnit]] = {}
    if "密" in joined and "\n密" in joined and _SPLIT_LEVEL.search(joined):
        views, tails = _join_split_marks(views, grammar)
        joined = "\n".join(texts_of(views))
    # One scan finds the units with a trigger (a search first and then the
    # same scan again cost twice as much on documents that have one).  The
    # matcher's pass over the same text, watching the same words, is that
    # scan: it reports every occurrence where ours reports leftmost-longest
    # ones, and a unit holds one exactly when it holds the other (a
    # leftmost-longest match overlaps every occurrence it hides, and no
    # trigger word holds the newline between units).
    if found is not None and found.text is joined and found.watch == grammar.trigger_words:
        starts = found.watched
    else:
        starts = sorted(start for _, start, _ in grammar.find_triggers(joined))
    hits = _units_hit(views, joined, starts)
    if not hits:
        return []
    # (looked up only here: two documents in three have no trigger)
    rules = {rule.id: rule for rule in catalogue.enabled("marking")}
    if not rules:
        return []
    scan = _DocumentScan(views=views, grammar=grammar, rules=rules, tails=tails)
    for position in hits:
        scan.unit(position)
    return scan.finish()


def _units_hit(views: Sequence[UnitView], joined: str, found: Sequence[int]) -> list[int]:
    """Positions of the units in which a trigger starts (``found``: its sorted starts in ``joined``), in order."""
    hits: list[int] = []
    if not found:
        return hits
    if joined.count("\n") == len(views) - 1:
        # No unit has a line break of its own: unit k is line k.
        for line, _ in lines_at(joined, found):
            if not hits or hits[-1] != line:
                hits.append(line)
        return hits
    starts = list(itertools.accumulate((len(text) + 1 for text in texts_of(views)[:-1]), initial=0))
    return sorted({bisect.bisect_right(starts, start) - 1 for start in found})


def _join_split_marks(
    views: Sequence[UnitView], grammar: Grammar
) -> tuple[Sequence[UnitView], dict[int, tuple[int, TextUnit]]]:
    """Merge a level split across lines (机 / 密★1年, 秘 / -1- / 密) into one view.

    Text extraction gives one unit per line, so a mark broken by a line
    break or a page-number line arrives in two or three units.  Only short
    lines are joined: a long line ending in 机 is a sentence, not a mark.
    Also returns, for each merged view's index, where its last unit starts
    in the merged text and that unit: a finding wholly inside it is located
    there (see :meth:`_DocumentScan.emit`).
    """
    firsts = {level[0] for level in grammar.levels}
    joined: list[UnitView] = []
    tails: dict[int, tuple[int, TextUnit]] = {}
    skip_to = -1
    for position, view in enumerate(views):
        if position <= skip_to:
            continue
        text = view.norm.text.strip()
        if text and len(text) <= 20 and text[-1] in firsts:
            following = position + 1
            parts = [view.unit.text]
            while following < len(views) and _PAGE_NUMBER.fullmatch(
                views[following].unit.text.strip() or "x"
            ):
                parts.append(views[following].unit.text)
                following += 1
            if following < len(views) and views[following].norm.text.lstrip().startswith("密"):
                merged = "\n".join([*parts, views[following].unit.text])
                unit = replace(view.unit, text=merged)
                tail_offset = len(merged) - len(views[following].unit.text)
                norm = _concatenate(merged, [(0, view.norm), (tail_offset, views[following].norm)])
                joined.append(UnitView(unit, norm, view.index))
                tails[view.index] = (tail_offset, views[following].unit)
                skip_to = following
                continue
        joined.append(view)
    return joined, tails


def _in_tail(finding: Finding, offset: int, unit: TextUnit) -> Finding:
    """``finding``, which lies wholly in ``unit`` at ``offset`` of a merged split mark's text, located in ``unit``."""
    start, end = finding.location.start - offset, finding.location.end - offset
    return replace(finding, location=location_in(unit, start, end), context=context_of(unit.text, start, end))


def _concatenate(original: str, pieces: Sequence[tuple[int, Normalized]]) -> Normalized:
    """One normalised text from pieces of ``original`` (offset, normalised piece).

    What lies between the pieces (the line break, a page-number line) is
    dropped, and the offset map of each piece is kept.
    """
    norm_starts: list[int] = []
    orig_starts: list[int] = []
    texts: list[str] = []
    length = 0
    for offset, piece in pieces:
        segments, segment_origins = piece.segments()
        starts = segments or (0,)
        origins = segment_origins or (0,)
        norm_starts.extend(length + start for start in starts)
        orig_starts.extend(offset + origin for origin in origins)
        texts.append(piece.text)
        length += len(piece.text)
    return Normalized(
        original=original,
        text="".join(texts),
        _norm_starts=tuple(norm_starts),
        _orig_starts=tuple(orig_starts),
    )


class _DocumentScan:
    """The state of one document's scan: findings so far and lazy positions."""

    def __init__(
        self,
        *,
        views: Sequence[UnitView],
        grammar: Grammar,
        rules: Mapping[str, Rule],
        tails: Mapping[int, tuple[int, TextUnit]] | None = None,
    ) -> None:
        self.views = views
        self.grammar = grammar
        self.rules = rules
        self.tails = tails or {}  # see _join_split_marks
        self.findings: list[Finding] = []
        self._positions: Positions | None = None
        self._head_evidence: tuple[str, ...] | None = None
        # level findings wait for the whole document (lists of levels on
        # nearby lines, a 主动公开 note) before they are emitted
        self.levels: list[_LevelFinding] = []
        self.public_note = False

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            self._positions = positions_of(self.views, self.grammar)
        return self._positions

    def emit(
        self,
        rule_id: str,
        view: UnitView,
        start: int,
        end: int,
        evidence: Iterable[str],
        cap: Severity | None = None,
    ) -> None:
        rule = self.rules.get(rule_id)
        if rule is None:
            return
        severity = rule.severity
        if cap is not None and cap.rank < severity.rank:
            severity = cap
        finding = finding_at(rule, view, start, end, severity=severity, evidence=tuple(evidence))
        tail = self.tails.get(view.index)
        if tail is not None and finding.location.start >= tail[0]:
            # the last unit of a merged split mark holds it all: the merged
            # text's offsets would point past the end of the first unit
            finding = _in_tail(finding, *tail)
        self.findings.append(finding)

    # one unit ------------------------------------------------------------

    def unit(self, position: int) -> None:
        view = self.views[position]
        text = view.norm.text
        taken: list[tuple[int, int]] = []
        taken.extend(self._disclosure_notes(position, view))
        taken.extend(self._partial_notes(view))
        taken.extend(self._paragraph_prefix(view, taken))
        taken.extend(self._warnings(position, view, taken))
        for match in self.grammar.level.finditer(text):
            if _overlaps(match.start(), match.end(), taken):
                continue
            candidate = parse_mark(
                self.grammar,
                text,
                match.start(),
                spaced=functools.partial(spaced_around, view, *match.span()),
            )
            if candidate is None:
                continue
            taken.append((candidate.start, candidate.end))
            self._level(position, view, candidate)

    def _level(self, position: int, view: UnitView, candidate: Candidate) -> None:
        grammar = self.grammar
        text = view.norm.text
        before, after = line_of(view, candidate.start, candidate.end)
        full = candidate.star or bool(candidate.period)
        mark_rule = GRAMMAR_RULE if full else BARE_RULE
        mention = mention_evidence(grammar, text, candidate)
        residue = _residue(grammar, before + " " + after)
        declassified = grammar.declassified.search(residue)
        if declassified:
            residue = grammar.declassified.sub("", residue)
        alone = not residue and not mention
        where = mark_position(view, position, self.positions, alone=alone)

        def record(rule_id: str, evidence: Iterable[str], cap: Severity | None = None) -> None:
            self.levels.append(
                _LevelFinding(
                    position=position,
                    view=view,
                    start=candidate.start,
                    end=candidate.end,
                    level=candidate.level,
                    alone=alone,
                    rule_id=rule_id,
                    evidence=tuple(evidence),
                    cap=cap,
                )
            )

        if mention and view.unit.part not in _MARK_PARTS:
            record(MENTION_RULE, mention)
            return
        lead_in = self._lead_in(position) if alone and view.unit.part not in _MARK_PARTS else None
        if where is None:
            if lead_in:
                record(MENTION_RULE, ["独立成行", lead_in])
            elif alone:
                evidence = ["独立成行，但不在版头、页眉等标志位置", *self._period_evidence(candidate)]
                if declassified:
                    record(DECLASSIFIED_RULE, [*evidence, f"同行有“{declassified.group()}”"], Severity.REVIEW)
                else:
                    record(mark_rule, evidence, Severity.REVIEW)
            elif candidate.star and candidate.period:
                record(TEXT_FORM_RULE, ["正文句中出现“密级★保密期限”，前后未见举例用语或引号"])
            else:
                form = "完整标志" if full else "密级"
                record(MENTION_RULE, [f"句中提及{form}，不是独立的标志"])
            return
        evidence = [where + ("，独立成行" if alone else "，与其他文字同行")]
        evidence.extend(self._period_evidence(candidate))
        evidence.extend(_companion_evidence(grammar, before, after))
        if position in self.positions.head:
            evidence.extend(self.head_evidence)
        evidence.extend(mention)
        if declassified:
            evidence.append(f"同行有“{declassified.group()}”")
        stamp = self._declassified_neighbour(position)
        if stamp:
            evidence.append(stamp)
        if lead_in:
            record(MENTION_RULE, [*evidence, lead_in])
        elif declassified or stamp:
            record(DECLASSIFIED_RULE, evidence)
        elif mention:
            # a mention-looking string in a header: worth a look, not a block
            record(mark_rule, evidence, Severity.REVIEW)
        else:
            record(mark_rule, evidence)

    @property
    def head_evidence(self) -> tuple[str, ...]:
        """Copy number, urgency and document number on their own lines of the head block."""
        if self._head_evidence is None:
            found: list[str] = []
            for position in self.positions.head:
                line = self.views[position].norm.text.strip()
                copy = self.grammar.copy_number.fullmatch(line)
                if copy:
                    found.append(f"版头有份号“{line}”")
                elif line in self.grammar.urgency:
                    found.append(f"版头有紧急程度“{line}”")
                number = self.grammar.document_number.search(line)
                if number and len(line) <= len(number.group()) + 4:
                    found.append(f"版头有发文字号“{number.group()}”")
            self._head_evidence = tuple(found)
        return self._head_evidence

    def _period_evidence(self, candidate: Candidate) -> list[str]:
        if candidate.period:
            return [f"保密期限：{candidate.period}"]
        if candidate.star:
            return ["带★，未写保密期限"]
        return ["未标保密期限（按法定最长期限）"]

    def _lead_in(self, position: int) -> str | None:
        """Evidence when the previous line introduces an example (例如：)."""
        non_empty = self.positions.non_empty
        try:
            rank = non_empty.index(position)
        except ValueError:
            return None
        if rank == 0:
            return None
        previous = self.views[non_empty[rank - 1]].norm.text.strip().rstrip(":：")
        for ending in self.grammar.lead_in_endings:
            if previous.endswith(ending):
                return f"上一行以举例用语“{ending}”结尾"
        return None

    def _declassified_neighbour(self, position: int) -> str | None:
        non_empty = self.positions.non_empty
        try:
            rank = non_empty.index(position)
        except ValueError:
            return None
        for near in non_empty[max(0, rank - 1) : rank + 2]:
            if near == position:
                continue
            text = self.views[near].norm.text.strip()
            found = self.grammar.declassified.search(text)
            # a stamp says little besides 已解密 and a date; a title such as
            # 关于做好解密工作的通知 says more and is no stamp
            rest = _STAMP_DATE.sub("", _FILLER.sub("", self.grammar.declassified.sub("", text)))
            if found and len(rest) <= 3:
                return f"相邻行有解密标注“{text}”"
        return None

    # partial marks ---------------------------------------------------------

    def _partial_notes(self, view: UnitView) -> list[tuple[int, int]]:
        text = view.norm.text
        # A note names a level after a verb.  Its pattern has no literal to
        # start from, so sre tries it at every character: checking for the
        # two words in C first leaves 61 of the 892 units with a trigger in
        # 400 laws documents to it.  (A search for the alternation is half
        # the cost of testing each word with ``in``.)
        if self.grammar.level.search(text) is None or self.grammar.note_verb.search(text) is None:
            return []
        spans = []
        for match in self.grammar.note.finditer(text):
            start, end = match.span()
            spans.append((start, end))
            reasons = []
            quote = quoted(self.grammar, text, start, end)
            if quote:
                reasons.append(quote)
            cue = example_cue(self.grammar, text, start)
            if cue:
                reasons.append(f"前有举例用语“{cue}”")
            at_start = not _FILLER.sub("", text[:start])
            if reasons or not at_start:
                if not reasons:
                    reasons.append("部分标志说明出现在句中")
                self.emit(MENTION_RULE, view, start, end, ["引述部分标志说明", *reasons])
            else:
                labelled = any(text[start:].lstrip().startswith(label) for label in self.grammar.note_labels)
                self.emit(
                    NOTE_RULE,
                    view,
                    start,
                    end,
                    [
                        "部分标志说明位于段首，未被引用为例子"
                        if not labelled
                        else "以“注”开头的部分标志说明，未被引用为例子",
                        f"密级：{match.group(1)}",
                    ],
                )
        return spans

    def _paragraph_prefix(self, view: UnitView, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
        text = view.norm.text
        match = self.grammar.prefix.match(text)
        if match is None or _overlaps(match.start(), match.end(), taken):
            return []
        rest = _FILLER.sub("", text[match.end() :])
        if len(rest) < self.grammar.prefix_min_text:
            return []  # a bracketed mark alone on its line: the level parser places it
        start = match.start(1) - 1
        self.emit(
            PREFIX_RULE, view, start, match.end(), ["段首括注密级，其后为段落正文", f"密级：{match.group(1)}"]
        )
        return [(start, match.end())]

    # internal warnings and disclosure notes ----------------------------------

    def _warnings(self, position: int, view: UnitView, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
        grammar = self.grammar
        text = view.norm.text
        matches = [m for m in grammar.warning.finditer(text) if not _overlaps(m.start(), m.end(), taken)]
        if not matches:
            return []
        spans: list[tuple[int, int]] = []
        # group the tokens that sit together (内部资料 注意保存)
        groups: list[list[re.Match[str]]] = []
        for match in matches:
            if groups and match.start() - groups[-1][-1].end() <= 2:
                groups[-1].append(match)
            else:
                groups.append([match])
        for group in groups:
            start, end = group[0].start(), group[-1].end()
            words = [m.group() for m in group]
            if words[0] == "密件" and start > 0 and text[start - 1] in "绝机秘":
                continue
            star = grammar.star.match(text, end)
            if star:
                end = star.end()
                period = grammar.period.match(text, end)
                if period:
                    end = period.end()
            before, after = line_of(view, start, end)
            line = normalized_text(before + text[start:end] + after)
            alone = bool(grammar.warning_line.fullmatch(line)) and not quoted(grammar, text, start, end)
            strong = bool(star) or any(word not in grammar.weak_heads for word in words)
            paired = len(group) > 1 and any(word in grammar.warning_tails for word in words)
            label = "、".join(words)
            if alone:
                where = mark_position(view, position, self.positions, alone=True)
                if where:
                    spans.append((start, end))
                    self.emit(INTERNAL_RULE, view, start, end, [f"{where}，独立成行", f"警示用语：{label}"])
                    continue
                if strong:
                    spans.append((start, end))
                    self.emit(
                        INTERNAL_RULE,
                        view,
                        start,
                        end,
                        ["独立成行，但不在版头、页眉等标志位置", f"警示用语：{label}"],
                        cap=Severity.REVIEW,
                    )
                    continue
            if view.unit.part in _MARK_PARTS and (strong or all(spaced_around(view, start, end))):
                spans.append((start, end))
                self.emit(
                    INTERNAL_RULE,
                    view,
                    start,
                    end,
                    [f"{_MARK_PARTS[view.unit.part]}，与其他文字同行", f"警示用语：{label}"],
                )
                continue
            # a weak word (内部, 200 of the 241 warning words in 400 laws
            # documents) alone in a sentence is no finding, quoted or not
            quote = quoted(grammar, text, start, end) if strong or paired or star else None
            if (quote and strong) or paired or star:
                spans.append((start, end))
                reasons = [quote] if quote else []
                reasons.append("句中提及警示用语，不是独立的标志")
                self.emit(INTERNAL_MENTION_RULE, view, start, end, [*reasons, f"警示用语：{label}"])
        return spans

    def _disclosure_notes(self, position: int, view: UnitView) -> list[tuple[int, int]]:
        grammar = self.grammar
        text = view.norm.text
        # The pattern (an optional label, then a phrase) has no literal to
        # start from; of the 471 units with 公开 in 400 laws documents, 21
        # hold a phrase.  One search for any phrase: 1.7 -> 0.6 µs a
        # document against a test of each of the eleven phrases with ``in``.
        if grammar.disclosure_phrase.search(text) is None:
            return []
        spans = []
        for match in grammar.disclosure.finditer(text):
            start, end = match.span()
            phrase = match.group(1)
            before, after = line_of(view, start, end)
            residue = _FILLER.sub("", normalized_text(before + after))
            labelled = match.group() != phrase
            opened, closed = before.rstrip()[-1:], after.lstrip()[:1]
            bracketed = bool(opened and closed) and opened in "（(【[〔" and closed in "）)】]〕"
            alone = not residue and (labelled or bracketed or phrase.startswith("此件"))
            if not alone:
                if phrase in grammar.withheld and phrase.startswith("此件"):
                    spans.append((start, end))
                    reasons = [quoted(grammar, text, start, end) or "句中提及公开属性"]
                    self.emit(INTERNAL_MENTION_RULE, view, start, end, [*reasons, f"公开属性：{phrase}"])
                continue
            spans.append((start, end))
            if phrase in grammar.public:
                self.public_note = True
                self.emit(PUBLIC_RULE, view, start, end, [f"公开属性说明独立成行：{phrase}"])
            elif phrase in grammar.on_request:
                self.emit(
                    WITHHELD_RULE,
                    view,
                    start,
                    end,
                    [f"公开属性为“{phrase}”，不属于主动公开，需确认"],
                    cap=Severity.REVIEW,
                )
            else:
                self.emit(WITHHELD_RULE, view, start, end, [f"公开属性说明独立成行：{phrase}"])
        return spans

    # whole document ------------------------------------------------------

    def finish(self) -> list[Finding]:
        self._demote_level_lists()
        for item in self.levels:
            rule_id, evidence, cap = item.rule_id, item.evidence, item.cap
            if rule_id == TEXT_FORM_RULE and self.public_note:
                rule_id = MENTION_RULE
                evidence = (*evidence, "文档标有主动公开的公开属性说明，按提及处理")
            self.emit(rule_id, item.view, item.start, item.end, evidence, cap)
        return self.findings

    def _demote_level_lists(self) -> None:
        """Standalone marks of different levels on nearby lines are a list of examples."""
        alone = [item for item in self.levels if item.alone]
        if len(alone) < 2:
            return
        rank = {position: index for index, position in enumerate(self.positions.non_empty)}
        listed: set[tuple[int, int]] = set()
        for one in alone:
            for other in alone:
                near = abs(rank.get(one.position, 0) - rank.get(other.position, 0)) <= 2
                if near and one.level != other.level:
                    listed.add((one.position, one.start))
        for index, item in enumerate(self.levels):
            if (item.position, item.start) in listed and item.rule_id != MENTION_RULE:
                self.levels[index] = replace(
                    item,
                    rule_id=MENTION_RULE,
                    evidence=(*item.evidence, "相邻行有其他密级的标志，属于密级列举"),
                    cap=None,
                )


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)
