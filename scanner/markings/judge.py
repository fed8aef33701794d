"""The judgement: every candidate of one document placed and decided as mark or mention.

Every finding's ``evidence`` says what decided its severity.  Offsets: the
parser works on ``view.norm.text``; :func:`~scanner.findings.finding_at`
maps spans back to the original characters.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from scanner.catalogue import Catalogue, Rule
from scanner.findings import UnitView, finding_at, texts_of
from scanner.markings.evidence import (
    companion_evidence,
    example_cue,
    line_of,
    line_residue,
    mention_evidence,
    quoted,
    spaced_around,
)
from scanner.markings.grammar import (
    BARE_RULE,
    DECLASSIFIED_RULE,
    FILLER,
    GRAMMAR_RULE,
    MENTION_RULE,
    NOTE_RULE,
    PREFIX_RULE,
    SPLIT_LEVEL,
    STAMP_DATE,
    TEXT_FORM_RULE,
    Grammar,
    grammar_of,
)
from scanner.markings.internal import disclosure_notes, warnings
from scanner.markings.parse import Candidate, parse_mark
from scanner.markings.position import Positions, mark_place, mark_position, positions_of
from scanner.markings.split import in_tail, join_split_marks
from scanner.match import Occurrences, lines_at
from scanner.types import Finding, Severity, TextUnit


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
    if "密" in joined and "\n密" in joined and SPLIT_LEVEL.search(joined):
        views, tails = join_split_marks(views, grammar)
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
        self.tails = tails or {}  # see join_split_marks
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
            finding = in_tail(finding, *tail)
        self.findings.append(finding)

    # one unit ------------------------------------------------------------

    def unit(self, position: int) -> None:
        view = self.views[position]
        text = view.norm.text
        taken: list[tuple[int, int]] = []
        taken.extend(disclosure_notes(self, position, view))
        taken.extend(self._partial_notes(view))
        taken.extend(self._paragraph_prefix(view, taken))
        taken.extend(warnings(self, position, view, taken))
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
        residue = line_residue(grammar, before + " " + after)
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

        if mention and mark_place(view.unit) is None:
            record(MENTION_RULE, mention)
            return
        lead_in = self._lead_in(position) if alone and mark_place(view.unit) is None else None
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
        evidence.extend(companion_evidence(grammar, before, after))
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
            rest = STAMP_DATE.sub("", FILLER.sub("", self.grammar.declassified.sub("", text)))
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
            at_start = not FILLER.sub("", text[:start])
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
        rest = FILLER.sub("", text[match.end() :])
        if len(rest) < self.grammar.prefix_min_text:
            return []  # a bracketed mark alone on its line: the level parser places it
        start = match.start(1) - 1
        self.emit(
            PREFIX_RULE, view, start, match.end(), ["段首括注密级，其后为段落正文", f"密级：{match.group(1)}"]
        )
        return [(start, match.end())]

    # mark positions ------------------------------------------------------

    def where(self, view: UnitView, position: int, *, top_only: bool = False) -> str | None:
        """Evidence text when something standing alone in ``view`` is in a mark position.

        With ``top_only``, the bottom of a page does not count (a head mark
        run into its head block opens the document or a page).
        """
        positions = self.positions
        opens = position in positions.head or position in positions.layer_heads or mark_place(view.unit) is not None
        if top_only and not opens:
            edge = positions.page_edges.get(position)
            if edge is None or "页首" not in edge:
                return None
        return mark_position(view, position, self.positions, alone=True)

    @property
    def first_unit(self) -> int:
        """The position of the document's first non-empty unit (-1 when all are empty)."""
        non_empty = self.positions.non_empty
        return non_empty[0] if non_empty else -1

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
