"""One policy turns findings, read errors and the model's score into a verdict.

* any ``block`` finding -> ``block``;
* any ``review`` finding, any read error (the document was not read
  completely: fail closed), or a model risk at or above the threshold
  -> ``review``;
* otherwise ``pass``.  ``info`` findings are reported but never count.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.catalogue import Catalogue
from scanner.findings import fingerprint
from scanner.types import Finding, Location, Severity, Verdict

# How much one finding of each severity contributes to the document's risk.
_SEVERITY_RISK = {Severity.BLOCK: 0.97, Severity.REVIEW: 0.6, Severity.INFO: 0.02}

MODEL_RULE = "ML001"
UNREADABLE_RULE = "UR001"


@dataclass(frozen=True, kw_only=True)
class ModelScore:
    """The residual-risk model's view of a whole document."""

    probability: float
    top_terms: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Policy:
    review_threshold: float = 0.8


@dataclass(frozen=True, kw_only=True)
class Decision:
    verdict: Verdict
    risk: float
    findings: tuple[Finding, ...]
    suppressed: int = 0  # the model finding, when a baseline accepted it


def decide(
    findings: list[Finding],
    errors: tuple[str, ...],
    model_score: ModelScore | None,
    policy: Policy,
    catalogue: Catalogue,
    accepted: frozenset[str] = frozenset(),
) -> Decision:
    """The verdict, the document's risk and the final findings.

    A model finding is added only when its rule is enabled and a reviewer
    has not accepted it (its fingerprint is in ``accepted``, the baseline).
    Unreadable findings can be neither disabled nor accepted: what was not
    read was not reviewed.
    """
    findings = list(findings)
    for error in errors:
        if not any(f.rule.startswith("UR") and f.context == error for f in findings):
            findings.append(_unreadable(error, catalogue))
    model_risk = model_score.probability if model_score else 0.0
    model_finding = _model_finding(model_score, policy, catalogue) if model_score else None
    suppressed = 0
    if model_finding is not None and model_finding.fingerprint not in accepted:
        findings.append(model_finding)
    elif model_finding is not None:
        suppressed = 1
    worst = max((finding.severity.rank for finding in findings), default=-1)
    if worst >= Severity.BLOCK.rank:
        verdict = Verdict.BLOCK
    elif worst >= Severity.REVIEW.rank or errors:
        verdict = Verdict.REVIEW
    else:
        verdict = Verdict.PASS
    return Decision(verdict=verdict, risk=_combined_risk(findings, model_risk), findings=tuple(findings),
                    suppressed=suppressed)


def _model_finding(model_score: ModelScore, policy: Policy, catalogue: Catalogue) -> Finding | None:
    """The model's review finding, when the model asks for review and its rule is enabled."""
    rule = catalogue[MODEL_RULE]
    if model_score.probability < policy.review_threshold or not rule.enabled:
        return None
    terms = "、".join(model_score.top_terms) or "无"
    return Finding(
        rule=rule.id,
        category=rule.category,
        severity=rule.severity,
        text="",
        context="",
        location=Location(part="body"),
        message=f"{rule.summary}（模型风险 {model_score.probability:.2f}，主要依据词：{terms}）",
        basis=rule.basis,
        evidence=(f"模型概率 {model_score.probability:.3f} ≥ 阈值 {policy.review_threshold:.2f}",),
        fingerprint=fingerprint(rule.id, terms, "model"),
    )


def _combined_risk(findings: list[Finding], model_risk: float) -> float:
    """1 - prod(1 - p_i) over findings and the model: a noisy-or of the evidence."""
    keep = 1.0 - model_risk
    for finding in findings:
        keep *= 1.0 - _SEVERITY_RISK[finding.severity]
    return round(1.0 - keep, 4)


def _unreadable(error: str, catalogue: Catalogue) -> Finding:
    rule = catalogue[UNREADABLE_RULE]
    return Finding(
        rule=rule.id,
        category=rule.category,
        severity=rule.severity,
        text="",
        context=error,
        location=Location(part="body"),
        message=f"{rule.summary}：{error}",
        basis=rule.basis,
        evidence=("文档未能完整读取，按“失败即审查”处理",),
        fingerprint=fingerprint(rule.id, error, "unreadable"),
    )
