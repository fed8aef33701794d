"""Build :class:`~scanner.types.Finding` objects the same way everywhere.

Detectors work on normalised text; this module maps their spans back to
the original characters, cuts the context snippet, fills message and basis
from the catalogue and computes the stable fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter

from scanner.catalogue import Rule
from scanner.normalize import Normalized, batched_result, normalize, normalize_batch
from scanner.types import Finding, LazySequence, Location, Severity, TextUnit, unit_texts, without_init

CONTEXT_CHARS = 24
_NORM_TEXT = attrgetter("norm.text")  # one call per view in C: a text file has a view per line


@dataclass(frozen=True)
class UnitView:
    """One extracted text unit together with its normalised form.

    ``index`` is the unit's position in the document's unit list, so a
    detector can look at neighbours (the head block of page one, say).
    """

    unit: TextUnit
    norm: Normalized
    index: int


def _view(unit: TextUnit, norm: Normalized, index: int) -> UnitView:
    """``UnitView(unit, norm, index)`` without its ``__init__`` (1.2 µs a view; see :func:`without_init`)."""
    return without_init(UnitView, {"unit": unit, "norm": norm, "index": index})


class DocumentViews(LazySequence[UnitView]):
    """A document's views, each made when it is first asked for.

    The detectors read a document through its joined normalised text and
    look at single units only where something was found, so most views of a
    plain-text file (a unit per line) are never needed: making all of them,
    and their :class:`Normalized`, was a tenth of the time of a scan.  A
    view made here equals the constructor's (a property test checks it).
    :attr:`texts` and :attr:`units` give what a loop over every unit needs
    without making views (see :func:`texts_of`).
    """

    __slots__ = ("_norms", "texts", "units")

    def __init__(
        self, units: Sequence[TextUnit], texts: Sequence[str], norms: Sequence[Normalized] | None = None
    ) -> None:
        """``texts``: the units' normalised texts; ``norms``: their Normalized, when already made."""
        if len(units) != len(texts) or (norms is not None and len(norms) != len(units)):
            raise ValueError("units, texts and norms differ in length")
        super().__init__(len(units))
        self.units = units
        self.texts = texts
        self._norms = norms

    @classmethod
    def normalised(cls, units: Sequence[TextUnit]) -> tuple[DocumentViews, str]:
        """The views of ``units`` and their normalised texts joined with newlines (normalised in one batch)."""
        originals = unit_texts(units)
        batched = normalize_batch(originals)
        if batched is None:
            norms = [normalize(text) for text in originals]
            texts = [norm.text for norm in norms]
            return cls(units, texts, norms), "\n".join(texts)
        texts, joined = batched
        return cls(units, texts), joined

    def _make(self, index: int) -> UnitView:
        unit = self.units[index]
        norm = self._norms[index] if self._norms is not None else batched_result(unit.text, self.texts[index])
        return _view(unit, norm, index)


def texts_of(views: Sequence[UnitView]) -> Sequence[str]:
    """The normalised text of every view, without making the views of a :class:`DocumentViews`."""
    return views.texts if isinstance(views, DocumentViews) else list(map(_NORM_TEXT, views))


def units_of(views: Sequence[UnitView]) -> Sequence[TextUnit]:
    """The unit of every view, without making the views of a :class:`DocumentViews`."""
    return views.units if isinstance(views, DocumentViews) else [view.unit for view in views]


def finding_at(
    rule: Rule,
    view: UnitView,
    norm_start: int,
    norm_end: int,
    *,
    severity: Severity | None = None,
    evidence: tuple[str, ...] = (),
    message: str | None = None,
) -> Finding:
    """A finding for the normalised span ``[norm_start, norm_end)`` of ``view``."""
    start, end = view.norm.to_original(norm_start, norm_end)
    original = view.unit.text
    norm_context = view.norm.text[max(0, norm_start - 12) : norm_end + 12]
    return Finding(
        rule=rule.id,
        category=rule.category,
        severity=severity if severity is not None else rule.severity,
        text=original[start:end],
        context=context_of(original, start, end),
        location=location_in(view.unit, start, end),
        message=message or rule.summary,
        basis=rule.basis,
        evidence=evidence,
        fingerprint=fingerprint(rule.id, view.norm.text[norm_start:norm_end], norm_context),
    )


def location_in(unit: TextUnit, start: int, end: int) -> Location:
    """Where ``[start, end)`` of ``unit``'s original text is."""
    return Location(
        part=unit.part, page=unit.page, paragraph=unit.paragraph, start=start, end=end, source=unit.source, box=unit.box
    )


# Formats whose units with a ``cell`` are spreadsheet cells (a Word table's are not).
SPREADSHEET_FORMATS = frozenset({"xlsx", "xlsm", "xls", "et", "ods"})
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def cell_name(cell: tuple[int, int]) -> str:
    """``(11, 2)`` (0-based row, column) -> ``C12``."""
    row, column = cell
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = _LETTERS[rest] + letters
    return f"{letters}{row + 1}"


def located_in_cells(findings: Sequence[Finding], units: Sequence[TextUnit]) -> list[Finding]:
    """``findings`` of a spreadsheet with ``location.cell`` set (``Sheet1!C12``) where they lie in a cell.

    A spreadsheet extractor records each cell's ``(row, column)`` on its unit
    and the sheet's name as the unit's ``source``; a finding is in the unit
    whose place equals its location and whose text at the span is the
    finding's text.  Findings without a span (a hidden-sheet notice) keep ``""``.
    """
    by_place: dict[tuple[str, int | None, int | None, str], list[TextUnit]] = {}
    for unit in units:
        if unit.cell is not None:
            by_place.setdefault((unit.part, unit.page, unit.paragraph, unit.source), []).append(unit)
    if not by_place:
        return list(findings)
    located = []
    for finding in findings:
        location = finding.location
        if location.end > location.start and not location.cell:
            for unit in by_place.get((location.part, location.page, location.paragraph, location.source), ()):
                if unit.cell is not None and unit.text[location.start : location.end] == finding.text:
                    sheet = unit.source or "Sheet1"
                    finding = replace(finding, location=replace(location, cell=f"{sheet}!{cell_name(unit.cell)}"))
                    break
        located.append(finding)
    return located


def context_of(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> str:
    """The original text around ``[start, end)``, on one line."""
    snippet = text[max(0, start - width) : end + width]
    return " ".join(snippet.split())


def fingerprint(rule_id: str, matched: str, context: str) -> str:
    """Stable identity of a finding: rule, normalised text and its context.

    Never includes a line number or offset, which change with every edit.
    A lone surrogate (text decoded from UTF-7, a JSON ``\\ud800`` escape)
    is hashed as its code unit instead of failing: valid text hashes as before.
    """
    digest = hashlib.sha256(f"{rule_id}\0{matched}\0{context}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:24]


# A document holding two million phone numbers would otherwise carry two
# million findings (4.8 GB and a report nobody reads): past this many
# findings of one rule, the rest are counted, not listed.
MAX_FINDINGS_PER_RULE = 1000


class RuleCap:
    """At most ``limit`` findings per rule in one document; the rest are counted.

    Offer every finding of a document to :meth:`keep`, in reading order.  A
    detector may ask :meth:`full` first and, for a rule that is, only
    :meth:`count` its further candidates without judging them (the matcher
    does, so two million phone numbers cost seconds, not minutes).
    :meth:`overflow` then gives one ``info`` finding per rule that went
    over, placed at its last listed finding, saying how many more there were.
    """

    def __init__(self, limit: int = MAX_FINDINGS_PER_RULE) -> None:
        self.limit = limit
        self._kept: dict[str, int] = {}
        self._last: dict[str, Finding] = {}
        self._more: dict[str, int] = {}

    def full(self, rule_id: str) -> bool:
        return self._kept.get(rule_id, 0) >= self.limit

    def count(self, rule_id: str, candidates: int) -> None:
        """Count ``candidates`` more of a full rule, not listed."""
        if candidates:
            self._more[rule_id] = self._more.get(rule_id, 0) + candidates

    def keep(self, finding: Finding) -> bool:
        """True if ``finding`` is to be listed; False if it is only counted."""
        rule = finding.rule
        kept = self._kept.get(rule, 0)
        if kept >= self.limit:
            self.count(rule, 1)
            return False
        self._kept[rule] = kept + 1
        self._last[rule] = finding
        return True

    def kept(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings of ``findings`` to list (the others counted)."""
        return [finding for finding in findings if self.keep(finding)]

    def overflow(self) -> list[Finding]:
        """One ``info`` finding per rule over the limit, with the count of what was not listed."""
        summaries = []
        for rule, more in self._more.items():
            last = self._last[rule]
            note = f"本文档中该规则另有 {more} 处（候选）命中未逐条列出，每条规则最多列出 {self.limit} 处"
            summaries.append(replace(
                last,
                severity=Severity.INFO,
                message=f"{last.message}：{note}",
                evidence=(note,),
                fingerprint=fingerprint(rule, "\0more", ""),
            ))
        return summaries


# Metadata and headers are read before the body of their page.
_PART_ORDER = {"metadata": 0, "header": 1, "body": 2, "table": 2}


def reading_order(finding: Finding) -> tuple[int, int, int, int, int, str, str]:
    """Sort key: page, part, paragraph, offset, strongest first, then a total tie-break."""
    location = finding.location
    return (
        location.page or 0,
        _PART_ORDER.get(location.part, 3),
        location.paragraph or 0,
        location.start,
        -finding.severity.rank,
        finding.rule,
        finding.fingerprint,
    )
