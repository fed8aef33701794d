"""Lexicon terms and validated patterns: the sensitive-content and personal-info detectors.

One :class:`Matcher` is built per run.  It compiles every enabled
``kind: terms`` rule of the catalogue into ONE Aho-Corasick automaton (plus
the anchor words that gate pattern rules), so a document is read once for
all terms; pattern rules run their regexes only on units where an anchor was
seen, and only on units where their ``gate`` matches (``params.gate``: a cheap regex
such as "has an ASCII digit", or a list of them meaning "any of").  A rule with
``params.parts`` (a list of part kinds: ``comment``, ``notes``…) fires only in
those layers: a reviewer's note "发布前删除" is an instruction in a comment and
a mere phrase in a published rule's body.  The no-hit path is one
automaton pass and one pass per distinct gate over the joined document.

For each raw hit, in order (the first that says no drops the hit):

1. word boundaries: a term hit that cuts through a longer word (标底 in
   目标底线) is dropped; jieba segments only a small window around the hit;
2. the validator (pattern rules): a bad check digit drops the hit, and the
   result is recorded in the evidence;
3. allow phrases (the rule's own and the user's global list) that contain
   the hit and cover it in the text;
4. context (like Google DLP hot words) within ``context.window`` characters:
   ``exclude`` drops, ``require`` must be present (``params.near_pattern``
   is the same for a regex), ``raise`` lifts one step, ``lower`` drops one.

All spans are found on the normalised text and mapped back to the original
characters by :func:`scanner.findings.finding_at`.

Why this module is long: :class:`Matcher` is one pass over a document, and
the filters above are the steps of that pass, reading the matcher's
prepared rules (folded allow phrases, compiled context, gates) and the
trace ``scan -v`` keeps of what each dropped.  Taken out, each filter would
need the matcher's state handed to it per hit, on the hottest path of a
scan; the automaton (``automaton.py``), the gates (``gates.py``), word
boundaries (``segment.py``) and validators (``validators.py``) are already
modules of their own.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from scanner import user_terms
from scanner.automaton import BACKENDS, Find, default_backend, find_all
from scanner.catalogue import Catalogue, Rule
from scanner.findings import RuleCap, UnitView, finding_at, location_in, texts_of, units_of
from scanner.gates import skeleton_gate
from scanner.kernel import compiled_kernel
from scanner.normalize import normalize
from scanner.rule_schema import params_problem
from scanner.segment import Segmenter
from scanner.types import Finding, Location, Severity, part_kind
from scanner.validators import VALIDATORS, Check

if TYPE_CHECKING:
    from scanner.lexicon_cache import CompiledStore

# Severity steps for context words: info -> review -> block.
_STEPS = (Severity.INFO, Severity.REVIEW, Severity.BLOCK)
_LABEL = {Severity.BLOCK: "阻止", Severity.REVIEW: "人工审查", Severity.INFO: "提示"}


class MatcherError(ValueError):
    """A rule's matcher parameters (``params``) are malformed."""


_PLUS_ONE = (1).__add__
_START = itemgetter(1)  # of a (key index, start, end) hit



class _Term(NamedTuple):
    """A lexicon term of a rule, as the automaton finds it.

    Made once: a term hit is judged (and mostly dropped by its context:
    225 of 228 in 400 laws documents) before any finding is made.  A named
    tuple, made in C: a unit's list of 50,000 terms makes 50,000 of them at
    every start (a frozen dataclass took 4 times as long).
    """

    prepared: _Prepared  # the term's rule
    evidence: tuple[str, ...]  # naming the term, normalised as it appears in the normalised text


def _term(prepared: _Prepared, folded: str) -> _Term:
    return _Term(prepared=prepared, evidence=(f"命中词“{folded}”",))


@dataclass(frozen=True)
class _Prepared:
    """What the matcher needs per rule, computed once."""

    rule: Rule
    allow: tuple[str, ...]
    near: re.Pattern[str] | None
    anchors: tuple[str, ...]
    gate: tuple[str, ...]  # regexes, any of which opens the rule's regex on a unit
    parts: frozenset[str]  # part kinds the rule fires in; empty: every part
    check_boundary: bool
    # The rule's context words, folded like the text they are looked for in
    # (NFKC turns the full-width colon of "问：" into ":").
    raise_: tuple[str, ...]
    lower: tuple[str, ...]
    require: tuple[str, ...]
    exclude: tuple[str, ...]
    # a pattern rule's reported group ("value", else the whole match) and validator, looked up once
    # (Pattern.groupindex makes a new mapping each time it is read)
    has_value: bool = False
    validator: Callable[[str], Check] | None = None


@dataclass(frozen=True, eq=False)
class Occurrences:
    """What one automaton pass found in a document's joined text (see :meth:`Matcher.find`)."""

    text: str  # the joined text that was read
    terms: list[tuple[int, int, int]]  # (key index, start, end) of the lexicon's terms and anchors
    watch: tuple[str, ...]  # the matcher's watch words
    watched: list[int]  # where a watch word starts, in order


@dataclass(frozen=True)
class _Hit:
    prepared: _Prepared
    start: int
    end: int
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Dropped:
    """A candidate the matcher looked at and dropped, and which filter dropped it (for ``scan -v``).

    ``text`` and ``location`` are in the original text, as for a finding.
    """

    rule: str
    text: str
    location: Location
    reason: str


class Matcher:
    """Finds lexicon terms and validated patterns in normalised text units.

    ``allow`` is the user's global allow list: a hit of any rule that lies
    inside one of these phrases in the text is suppressed.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        allow: Sequence[str] = (),
        backend: str | None = None,
        watch: Sequence[str] = (),
        store: CompiledStore | None = None,
    ) -> None:
        """``backend`` names the Aho-Corasick library (one of :data:`BACKENDS`;
        default: :func:`default_backend`).  ``watch`` are more words for the
        automaton to find, as they are (the marking triggers): :meth:`find`
        reports where they start, so another detector needs no pass of its own.
        With a ``store`` (:mod:`scanner.lexicon_cache`), the terms only the
        user's rules have are folded and put in an automaton of their own
        (daachorse, when installed) once, and both are kept by content hash:
        a unit's list of 50,000 terms costs a cold scan milliseconds, not a
        second (see :mod:`scanner.user_terms`).

        Raises :class:`MatcherError` for bad rule parameters or an unknown
        backend, :class:`ImportError` when the backend is not installed.
        """
        if backend is None:
            backend = default_backend()
        if backend not in BACKENDS:
            raise MatcherError(f"unknown matcher backend {backend!r}; known: {', '.join(BACKENDS)}")
        self.backend = backend
        self._allow = tuple(sorted({_fold(phrase) for phrase in allow if phrase.strip()}))
        self._terms = [self._prepare(rule) for rule in catalogue.enabled("terms")]
        self._patterns = [self._prepare(rule) for rule in catalogue.enabled("pattern")]
        self._gates = {
            prepared.gate: tuple(map(re.compile, prepared.gate)) for prepared in self._patterns if prepared.gate
        }
        # Gates made of ASCII literals and classes are first tried on the
        # document's ASCII skeleton (see skeleton_gate): a few hundred bytes
        # instead of thousands of characters.
        self._kernel = compiled_kernel()
        self._skeleton_gates = {
            compiled: skeleton
            for patterns in self._gates.values()
            for compiled in patterns
            if self._kernel is not None and (skeleton := skeleton_gate(compiled.pattern)) is not None
        }
        # A pattern rule with neither anchors nor a gate must see every unit.
        self._ungated = any(not prepared.anchors and not prepared.gate for prepared in self._patterns)
        # The patterns a unit may need, by what lets them in (see _unit_patterns): those with
        # neither anchors nor a gate, and per gate those without anchors.  Patterns with anchors
        # come from the anchors found in the unit.
        self._free = tuple(index for index, prepared in enumerate(self._patterns)
                           if not prepared.anchors and not prepared.gate)
        self._gate_only = {gate: tuple(index for index, prepared in enumerate(self._patterns)
                                       if prepared.gate == gate and not prepared.anchors) for gate in self._gates}
        self._segmenter = Segmenter()
        self.watch = tuple(word for word in dict.fromkeys(watch) if word)
        self._store = store
        self._shipped = catalogue.shipped
        self._user_find: Find | None = None
        self._automaton = self._build_automaton()

    @staticmethod
    def _prepare(rule: Rule) -> _Prepared:
        params = rule.params
        # The catalogue checked these when it loaded (scanner/rule_schema.py); a rule built in code is
        # checked the same way here, with the one schema.
        problem = params_problem(rule.kind, params)
        if problem is not None:
            raise MatcherError(f"{rule.origin}: rule {rule.id}: {problem}")
        near = params.get("near_pattern")
        compiled = re.compile(near) if near else None
        gate = params.get("gate") or ()
        if isinstance(gate, str):
            gate = (gate,)
        anchors = params.get("anchors", ())
        parts = params.get("parts", ())
        return _Prepared(
            rule=rule,
            allow=tuple(_fold(phrase) for phrase in rule.allow),
            near=compiled,
            anchors=tuple(_fold(anchor) for anchor in anchors),
            gate=tuple(gate),
            parts=frozenset(parts),
            check_boundary=bool(params.get("word_boundary", True)),
            raise_=_fold_all(rule.context.raise_),
            lower=_fold_all(rule.context.lower),
            require=_fold_all(rule.context.require),
            exclude=_fold_all(rule.context.exclude),
            has_value=rule.pattern is not None and "value" in rule.pattern.groupindex,
            validator=VALIDATORS[rule.validator] if rule.validator else None,
        )

    def _build_automaton(self) -> Find | None:
        entries: dict[str, list[_Term | int]] = {}
        # With a store, the terms of the user's rules are added last: those a
        # shipped term, anchor or watch word shares join that entry; the rest
        # go into an automaton of their own (see _user_part), whose entries are
        # made only when one is found.  The shipped terms keep theirs (a DFA: small).
        split = self._store is not None and user_terms.available()
        later = [prepared for prepared in self._terms if prepared.rule.id not in self._shipped] if split else []
        for prepared in self._terms if not split else [p for p in self._terms if p.rule.id in self._shipped]:
            for term in prepared.rule.terms:
                folded = _fold(term)
                entries.setdefault(folded, []).append(_term(prepared, folded))
        for index, prepared in enumerate(self._patterns):
            for anchor in prepared.anchors:
                entries.setdefault(anchor, []).append(index)
        entries.pop("", None)  # a term of only white space folds to nothing
        for word in self.watch:
            entries.setdefault(word, [])
        own: user_terms.UserEntries | None = None
        if later:
            assert self._store is not None
            plan = user_terms.placement(self._store, [(p.rule.id, p.rule.terms) for p in later], entries, _fold)
            for folded, positions in plan.shared:
                for position in positions:
                    entries.setdefault(folded, []).append(_term(later[position], folded))
            if plan.keys:
                own = user_terms.UserEntries(plan.keys, plan.rules, lambda position, key: _term(later[position], key))
        if not entries and own is None:
            return None
        shared = [(key, tuple(values)) for key, values in entries.items()]
        self._entries: Sequence[tuple[str, tuple[_Term | int, ...]]] = shared
        watched = set(self.watch)
        self._watched = frozenset(index for index, (key, _) in enumerate(shared) if key in watched)
        main = [key for key, _ in shared]
        if own is not None:
            assert self._store is not None
            self._entries = user_terms.Entries(shared, own)
            self._user_find = user_terms.automaton(self._store, own.keys, plan.digest, offset=len(main))
        return find_all(main, self.backend) if main else None

    def find(self, joined: str) -> Occurrences:
        """The terms, anchors and watch words in ``joined``, in one automaton pass (two with a user list)."""
        found = self._automaton(joined) if self._automaton is not None else []
        if self._user_find is not None:
            found = [*found, *self._user_find(joined)]  # every use sorts the hits it needs sorted
        if not self.watch or not found:
            return Occurrences(text=joined, terms=found, watch=self.watch, watched=[])
        entries = self._entries
        return Occurrences(
            text=joined,
            terms=[hit for hit in found if entries[hit[0]][1]],
            watch=self.watch,
            watched=sorted(start for key, start, _ in found if key in self._watched),
        )

    def match(
        self, views: Sequence[UnitView], *, joined: str | None = None, found: Occurrences | None = None,
        dropped: list[Dropped] | None = None, cap: RuleCap | None = None,
    ) -> list[Finding]:
        """Every term and pattern finding in ``views``, in unit order.

        ``dropped``, when given, receives every candidate a filter dropped
        (word boundary, validator, allow phrase, context), for ``scan -v``.
        With ``cap``, a rule's findings past its limit are only counted there
        (see :class:`~scanner.findings.RuleCap`), so memory stays bounded.

        The units are joined (with a newline no term contains) so the
        automaton and the gates read the document in one C-level pass; only
        units with a term hit, an anchor or an open gate are looked at again.
        ``joined``, when given, must be the normalised texts joined so;
        ``found``, when given, what :meth:`find` found in it.
        """
        if joined is None:
            joined = "\n".join(texts_of(views))
        if found is None or found.text is not joined:
            found = self.find(joined)
        found_terms = found.terms
        skeleton = self._kernel.ascii_skeleton(joined) if self._skeleton_gates else b""
        first_gates = [
            (gate, compiled, first)
            for gate, patterns in self._gates.items()
            for compiled in patterns
            if ((quick := self._skeleton_gates.get(compiled)) is None or quick.search(skeleton) is not None)
            and (first := compiled.search(joined)) is not None
        ]
        if not found_terms and not first_gates and not self._ungated:
            return []  # most documents: nothing to look at again, and no unit offsets needed
        texts = texts_of(views)
        located: Iterable[tuple[int, int, int, int]]
        if first_gates or joined.count("\n") != len(texts) - 1:
            # Where each unit starts in the joined text (one entry per unit).
            offsets = list(accumulate(map(_PLUS_ONE, map(len, texts[:-1])), initial=0))
            located = _by_offsets(offsets, found_terms)
        else:
            # No unit holds a line break, so unit k is line k of the joined
            # text: counting the breaks before each hit (in C) is cheaper
            # than the offsets of every unit, since a document has a hundred
            # units or more and a few hits.  The gates below need the
            # offsets, but no gate opened.
            offsets = []
            located = _by_line(joined, found_terms)
        raw_terms: dict[int, list[tuple[int, int, _Term]]] = {}
        anchored: dict[int, set[int]] = {}
        for key_index, unit, begin, end in located:
            _, values = self._entries[key_index]
            for value in values:
                if isinstance(value, int):
                    anchored.setdefault(unit, set()).add(value)
                else:
                    raw_terms.setdefault(unit, []).append((begin, end, value))
        gated: dict[tuple[str, ...], set[int]] = {gate: set() for gate in self._gates}
        for gate, compiled, first in first_gates:
            units = gated[gate]
            opened: re.Match[str] | None = first
            while opened is not None:
                unit = bisect.bisect_right(offsets, opened.start()) - 1
                units.add(unit)
                if unit + 1 >= len(offsets):
                    break
                opened = compiled.search(joined, offsets[unit + 1])
        candidates = set(range(len(views))) if self._ungated else set(raw_terms) | set(anchored)
        for units in gated.values():
            candidates |= units
        findings: list[Finding] = []
        for unit in sorted(candidates):
            text = texts[unit]
            trace = _Trace(dropped, views[unit]) if dropped is not None else None
            raw = raw_terms.get(unit)
            if raw and cap is not None:
                raw = _unless_full(raw, cap)
            hits = self._term_hits(text, raw, trace) if raw else []
            claimed: set[tuple[int, int]] = set()
            for index in self._unit_patterns(unit, anchored.get(unit, ()), gated):
                prepared = self._patterns[index]
                if cap is not None and cap.full(prepared.rule.id):
                    # counted, not judged: candidates past the cap cost one regex pass
                    assert prepared.rule.pattern is not None
                    cap.count(prepared.rule.id, len(prepared.rule.pattern.findall(text)))
                    continue
                for hit in self._pattern_hits(text, prepared, trace):
                    # Two pattern rules claiming the same characters (a
                    # password seen by SC501 and SC502) report once: the
                    # first rule in catalogue order is the more specific.
                    if (hit.start, hit.end) not in claimed:
                        claimed.add((hit.start, hit.end))
                        hits.append(hit)
            for hit in hits:
                finding = self._judge(hit, views, texts, unit, trace)
                if finding is not None and (cap is None or cap.keep(finding)):
                    findings.append(finding)
        return findings

    def _unit_patterns(self, unit: int, anchored: Iterable[int], gated: dict[tuple[str, ...], set[int]]) -> list[int]:
        """The patterns (indexes, in catalogue order) to try on ``unit``: every pattern whose anchors were
        found in it (``anchored``), if it has any, and whose gate opened in it (``gated``), if it has one.

        The same as testing each pattern in turn, without a loop over all of them per unit (23 rules,
        a third of the matcher's time on a page with a number in it).
        """
        selected = list(self._free)
        for gate, units in gated.items():
            if unit in units:
                selected.extend(self._gate_only[gate])
        for index in anchored:
            gate = self._patterns[index].gate
            if not gate or unit in gated[gate]:
                selected.append(index)
        selected.sort()
        return selected

    def _term_hits(self, text: str, raw: list[tuple[int, int, _Term]], trace: _Trace | None = None) -> list[_Hit]:
        # Longest hit first, then drop a rule's hits that lie inside one it
        # already has (标底价 and 标底 at the same place are one finding).
        raw.sort(key=lambda item: (item[0], -(item[1] - item[0])))
        taken: dict[str, list[tuple[int, int]]] = {}
        hits: list[_Hit] = []
        for start, end, term in raw:
            spans = taken.setdefault(term.prepared.rule.id, [])
            if any(s <= start and end <= e for s, e in spans):
                continue
            prepared = term.prepared
            if prepared.check_boundary and self._segmenter.cuts_word(text, start, end):
                if trace is not None:
                    trace.drop(prepared, start, end, "命中词跨越词语边界（分词判断它是另一个词语的一部分）")
                continue
            spans.append((start, end))
            hits.append(_Hit(prepared=prepared, start=start, end=end, evidence=term.evidence))
        return hits

    def _pattern_hits(self, text: str, prepared: _Prepared, trace: _Trace | None = None) -> list[_Hit]:
        rule = prepared.rule
        assert rule.pattern is not None
        has_value, validator = prepared.has_value, prepared.validator
        hits = []
        for found in rule.pattern.finditer(text):
            start, end = found.span("value") if has_value else found.span()
            if start < 0 or end <= start:
                continue
            evidence: tuple[str, ...] = ()
            if validator is not None:
                check = validator(text[start:end])
                if not check.valid:
                    if trace is not None:
                        trace.drop(prepared, start, end, f"校验未通过：{check.note}" if check.note else "校验未通过")
                    continue
                evidence = (check.note,)
            hits.append(_Hit(prepared=prepared, start=start, end=end, evidence=evidence))
        return hits

    def _judge(
        self, hit: _Hit, views: Sequence[UnitView], texts: Sequence[str], position: int,
        trace: _Trace | None = None,
    ) -> Finding | None:
        """``texts``: the views' normalised texts (a view is made only for a hit that becomes a finding)."""
        prepared = hit.prepared
        rule = prepared.rule
        text = texts[position]
        if prepared.parts and part_kind(units_of(views)[position].part) not in prepared.parts:
            return None
        if _allowed(text, hit.start, hit.end, prepared.allow + self._allow):
            if trace is not None:
                trace.drop(prepared, hit.start, hit.end, "位于允许短语之中（规则或配置的 allow）")
            return None
        window = _window(texts, position, hit.start, hit.end, rule.context.window)
        for word in prepared.exclude:
            if word in window:
                if trace is not None:
                    trace.drop(prepared, hit.start, hit.end, f"附近有排除语境“{word}”")
                return None
        evidence = list(hit.evidence)
        if prepared.require:
            present = next((word for word in prepared.require if word in window), None)
            if present is None:
                if trace is not None:
                    wanted = "、".join(prepared.require[:6]) + ("等" if len(prepared.require) > 6 else "")
                    trace.drop(prepared, hit.start, hit.end, f"附近没有该规则要求的语境（{wanted}）")
                return None
            evidence.append(f"附近有“{present}”（该规则要求的语境）")
        if prepared.near is not None:
            near = prepared.near.search(window)
            if near is None:
                if trace is not None:
                    trace.drop(prepared, hit.start, hit.end, "附近没有该规则要求的语境（模式）")
                return None
            evidence.append(f"附近有“{near.group()}”（该规则要求的语境）")
        step = _STEPS.index(rule.severity)
        raised = next((word for word in prepared.raise_ if word in window), None)
        if raised is not None and step < len(_STEPS) - 1:
            step += 1
            evidence.append(f"附近有“{raised}”，升级为{_LABEL[_STEPS[step]]}")
        lowered = next((word for word in prepared.lower if word in window), None)
        if lowered is not None and step > 0:
            step -= 1
            evidence.append(f"附近有“{lowered}”，降级为{_LABEL[_STEPS[step]]}")
        return finding_at(
            rule,
            views[position],
            hit.start,
            hit.end,
            severity=_STEPS[step],
            evidence=tuple(evidence),
        )


class _Trace:
    """Records dropped candidates of one unit into a caller's list, in the original text's offsets."""

    __slots__ = ("_into", "_view")

    def __init__(self, into: list[Dropped], view: UnitView) -> None:
        self._into = into
        self._view = view

    def drop(self, prepared: _Prepared, start: int, end: int, reason: str) -> None:
        begin, finish = self._view.norm.to_original(start, end)
        unit = self._view.unit
        self._into.append(Dropped(rule=prepared.rule.id, text=unit.text[begin:finish],
                                  location=location_in(unit, begin, finish), reason=reason))


def _unless_full(raw: list[tuple[int, int, _Term]], cap: RuleCap) -> list[tuple[int, int, _Term]]:
    """The term hits of rules not yet full; the others are counted in ``cap``."""
    kept = []
    for item in raw:
        rule_id = item[2].prepared.rule.id
        if cap.full(rule_id):
            cap.count(rule_id, 1)
        else:
            kept.append(item)
    return kept


def _fold(phrase: str) -> str:
    """A lexicon phrase as it appears in normalised text."""
    return normalize(phrase).text


def _fold_all(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_fold(phrase) for phrase in phrases)


def _by_offsets(
    offsets: list[int], found: list[tuple[int, int, int]]
) -> Iterator[tuple[int, int, int, int]]:
    """``(key index, unit, start, end)`` of each hit, the span in its unit; ``offsets``: where each unit starts."""
    for key_index, begin, end in found:
        unit = bisect.bisect_right(offsets, begin) - 1
        yield key_index, unit, begin - offsets[unit], end - offsets[unit]


def _by_line(joined: str, found: list[tuple[int, int, int]]) -> Iterator[tuple[int, int, int, int]]:
    """As :func:`_by_offsets` when unit k is line k of ``joined``, in the order of the hits' starts.

    (The order of a unit's hits does not matter to :meth:`Matcher._term_hits`,
    which sorts them; two hits with the same span are the same key's.)
    """
    ordered = sorted(found, key=_START)
    for (key_index, begin, end), (line, line_start) in zip(ordered, lines_at(joined, map(_START, ordered))):
        yield key_index, line, begin - line_start, end - line_start


def lines_at(joined: str, offsets: Iterable[int]) -> Iterator[tuple[int, int]]:
    """For ascending ``offsets`` into ``joined``: the line each lies on (0-based) and where that line starts.

    The line breaks are counted in C, each stretch of text once.
    """
    line = line_start = scanned = 0
    for offset in offsets:
        breaks = joined.count("\n", scanned, offset)
        if breaks:
            line += breaks
            line_start = joined.rfind("\n", scanned, offset) + 1
        scanned = offset
        yield line, line_start


def _allowed(text: str, start: int, end: int, phrases: tuple[str, ...]) -> bool:
    """True when one of ``phrases`` occurs in ``text`` covering ``[start, end)``."""
    for phrase in phrases:
        size = len(phrase)
        if size < end - start:
            continue
        found = text.find(phrase, max(0, end - size), start + size)
        while 0 <= found <= start:
            if found + size >= end:
                return True
            found = text.find(phrase, found + 1, start + size)
    return False


def _window(texts: Sequence[str], position: int, start: int, end: int, width: int) -> str:
    """The hit with ``width`` characters each side, borrowing from neighbouring units.

    Short units (one line of a plain-text file, a table cell) often carry the
    context word on the line before or after: 举报人： / 张某某.  ``texts``
    are the units' normalised texts.
    """
    text = texts[position]
    left = text[max(0, start - width) : start]
    right = text[end : end + width]
    if len(left) < width and position > 0:
        left = texts[position - 1][-(width - len(left)) :] + "\n" + left
    if len(right) < width and position + 1 < len(texts):
        right = right + "\n" + texts[position + 1][: width - len(right)]
    return left + text[start:end] + right
