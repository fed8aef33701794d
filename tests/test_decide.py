"""The one decision policy: block > review (fail closed on read errors) > pass."""

from __future__ import annotations

import pytest

from scanner.catalogue import load_catalogue
from scanner.decide import Policy, decide
from scanner.risk import ModelScore
from scanner.types import Finding, Location, Severity, Verdict

CATALOGUE = load_catalogue()


def finding(severity: Severity) -> Finding:
    return Finding(rule="SC101", category="sensitive-content", severity=severity, text="标底", context="标底",
                   location=Location(part="body"), message="m", basis="b", fingerprint=severity.value)


@pytest.mark.parametrize(
    ("severities", "errors", "expected"),
    [
        ((), (), Verdict.PASS),
        ((Severity.INFO, Severity.INFO), (), Verdict.PASS),
        ((Severity.INFO, Severity.REVIEW), (), Verdict.REVIEW),
        ((Severity.REVIEW, Severity.BLOCK), (), Verdict.BLOCK),
        ((), ("加密文件 / encrypted",), Verdict.REVIEW),
        ((Severity.BLOCK,), ("第2页无文字层 / page 2 has no text layer",), Verdict.BLOCK),
    ],
)
def test_verdict(severities: tuple[Severity, ...], errors: tuple[str, ...], expected: Verdict) -> None:
    decision = decide([finding(s) for s in severities], errors, None, Policy(), CATALOGUE)
    assert decision.verdict is expected


def test_read_errors_become_unreadable_findings() -> None:
    decision = decide([], ("加密文件 / encrypted",), None, Policy(), CATALOGUE)
    (unreadable,) = decision.findings
    assert unreadable.rule == "UR001" and unreadable.category == "unreadable"
    assert "加密文件" in unreadable.message
    assert decision.risk > 0.5


def test_model_score_sends_to_review_only_above_threshold() -> None:
    high = ModelScore(probability=0.93, top_terms=("酝酿", "阅示"))
    assert decide([], (), high, Policy(review_threshold=0.95), CATALOGUE).verdict is Verdict.PASS
    decision = decide([], (), high, Policy(review_threshold=0.9), CATALOGUE)
    assert decision.verdict is Verdict.REVIEW
    assert decision.findings[0].rule == "ML001"
    assert "酝酿" in decision.findings[0].message


def test_risk_orders_documents() -> None:
    none = decide([], (), ModelScore(probability=0.01), Policy(), CATALOGUE).risk
    info = decide([finding(Severity.INFO)], (), ModelScore(probability=0.01), Policy(), CATALOGUE).risk
    review = decide([finding(Severity.REVIEW)], (), None, Policy(), CATALOGUE).risk
    block = decide([finding(Severity.BLOCK)], (), None, Policy(), CATALOGUE).risk
    assert 0 <= none < info < review < block <= 1


def test_model_finding_respects_disable_and_baseline() -> None:
    high = ModelScore(probability=0.95, top_terms=("酝酿", "阅示"))
    first = decide([], (), high, Policy(), CATALOGUE)
    assert first.verdict is Verdict.REVIEW
    accepted = frozenset({first.findings[0].fingerprint})
    assert decide([], (), high, Policy(), CATALOGUE, accepted).verdict is Verdict.PASS
    disabled = load_catalogue(disabled=["ML001"])
    assert decide([], (), high, Policy(), disabled).verdict is Verdict.PASS
    # what was not read cannot be accepted away
    unread = decide([], ("加密文件 / encrypted",), None, Policy(), CATALOGUE, accepted)
    assert unread.verdict is Verdict.REVIEW
