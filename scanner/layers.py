"""Findings about the document itself rather than its text: hidden layers,
failed redactions, embedded objects that cannot be read.

Extractors report what they saw as :class:`~scanner.types.Notice` objects
naming a catalogue rule; this module turns them into findings.
"""

from __future__ import annotations

from scanner.catalogue import Catalogue
from scanner.findings import context_of, fingerprint
from scanner.types import Extraction, Finding, Location


def layer_findings(extraction: Extraction, catalogue: Catalogue) -> list[Finding]:
    findings = []
    for notice in extraction.notices:
        rule = catalogue[notice.rule]
        if not rule.enabled:
            continue
        detail = f"（{notice.detail}）" if notice.detail else ""
        findings.append(
            Finding(
                rule=rule.id,
                category=rule.category,
                severity=rule.severity,
                text=notice.text[:200],
                context=context_of(notice.text, 0, min(len(notice.text), 60)),
                location=Location(
                    part=notice.part,
                    page=notice.page,
                    paragraph=notice.paragraph,
                    start=0,
                    end=min(len(notice.text), 200),
                    source=notice.source,
                ),
                message=f"{rule.summary}{detail}",
                basis=rule.basis,
                evidence=(notice.detail,) if notice.detail else (),
                fingerprint=fingerprint(rule.id, notice.text, f"{notice.part}:{notice.detail}"),
            )
        )
    return findings
