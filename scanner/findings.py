"""Build :class:`~scanner.types.Finding` objects the same way everywhere.

Detectors work on normalised text; this module maps their spans back to
the original characters, cuts the context snippet, fills message and basis
from the catalogue and computes the stable fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.catalogue import Rule
from scanner.normalize import Normalized
from scanner.types import Finding, Location, Severity, TextUnit

CONTEXT_CHARS = 24


@dataclass(frozen=True)
class UnitView:
    """One extracted text unit together with its normalised form.

    ``index`` is the unit's position in the document's unit list, so a
    detector can look at neighbours (the head block of page one, say).
    """

    unit: TextUnit
    norm: Normalized
    index: int

    @classmethod
    def many(cls, units: Sequence[TextUnit], norms: Sequence[Normalized]) -> list[UnitView]:
        """``[UnitView(unit, norm, index) ...]`` for a document, numbered from 0.

        Built without the frozen-dataclass ``__init__`` (three
        ``object.__setattr__`` calls, 1.2 µs a view): a plain-text document
        has a view per line.  The objects are the same (tests/test_properties.py).
        """
        new, set_fields = object.__new__, object.__setattr__
        views = []
        for index, (unit, norm) in enumerate(zip(units, norms, strict=True)):
            view = new(cls)
            set_fields(view, "__dict__", {"unit": unit, "norm": norm, "index": index})
            views.append(view)
        return views


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
        location=Location(
            part=view.unit.part,
            page=view.unit.page,
            paragraph=view.unit.paragraph,
            start=start,
            end=end,
            source=view.unit.source,
        ),
        message=message or rule.summary,
        basis=rule.basis,
        evidence=evidence,
        fingerprint=fingerprint(rule.id, view.norm.text[norm_start:norm_end], norm_context),
    )


def context_of(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> str:
    """The original text around ``[start, end)``, on one line."""
    snippet = text[max(0, start - width) : end + width]
    return " ".join(snippet.split())


def fingerprint(rule_id: str, matched: str, context: str) -> str:
    """Stable identity of a finding: rule, normalised text and its context.

    Never includes a line number or offset, which change with every edit.
    """
    digest = hashlib.sha256(f"{rule_id}\0{matched}\0{context}".encode())
    return digest.hexdigest()[:24]


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
