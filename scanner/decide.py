"""One policy turns findings, read errors and the model's score into a verdict.

* any ``block`` finding -> ``block``, and so a list of private persons'
  data: at least ``min_items`` different values of at least ``min_kinds``
  kinds (mobiles and addresses, say; the ``params`` of the
  ``personal-data-list`` rule), each of which
  alone asks only for review, is one ``block`` finding of its own;
* any ``review`` finding, any read error (the document was not read
  completely: fail closed), or a model risk at or above the threshold
  -> ``review``;
* otherwise ``pass``.  ``info`` findings are reported but never count.

A finding in a hidden layer (a deleted revision, a comment, properties…)
keeps the severity its content has, as in the visible text: publishing the
file publishes every layer.  It also carries the hidden-layer evidence
(:func:`scanner.layers.hidden_layer_evidence`), so every report says where
it hides.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.catalogue import Catalogue
from scanner.findings import fingerprint, reading_order
from scanner.layers import hidden_layer_evidence
from scanner.risk import ModelScore
from scanner.roles import Role
from scanner.types import Finding, Location, Severity, Verdict

# How much one finding of each severity contributes to the document's risk.
_SEVERITY_RISK = {Severity.BLOCK: 0.97, Severity.REVIEW: 0.6, Severity.INFO: 0.02}


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
    findings = [hidden_layer_evidence(finding) for finding in findings]
    for error in errors:
        if not any(f.rule.startswith("UR") and f.context == error for f in findings):
            findings.append(_unreadable(error, catalogue))
    listed = _list_finding(findings, catalogue)
    if listed is not None and listed.fingerprint not in accepted:
        findings.append(listed)
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
    rule = catalogue.for_role(Role.MODEL)
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


def _list_finding(findings: list[Finding], catalogue: Catalogue) -> Finding | None:
    """One finding for a list of private persons' data, when there is one (see the module docstring).

    Counted are the different values (digits and letters only, so
    ``138 1234 5678`` and ``13812345678`` are one) of the rules that
    ``params.counted`` names per kind, where they were not lowered to
    ``info`` (an office hotline).  Located at the first counted value.
    """
    rule = catalogue.raised_for("role").get(Role.PERSONAL_DATA_LIST)  # None: a catalogue without the shipped rules
    if rule is None or not rule.enabled or any(finding.rule == rule.id for finding in findings):
        return None
    kinds = {rule_id: kind for kind, rule_ids in rule.params.get("counted", {}).items() for rule_id in rule_ids}
    counted = [f for f in findings if f.rule in kinds and f.severity is not Severity.INFO]
    if not counted:
        return None  # most documents: no contact data at all
    values: dict[str, set[str]] = {}
    for finding in counted:
        values.setdefault(kinds[finding.rule], set()).add("".join(ch for ch in finding.text if ch.isalnum()))
    first = min(counted, key=reading_order)
    items = sum(len(found) for found in values.values())
    if items < int(rule.params.get("min_items", 5)) or len(values) < int(rule.params.get("min_kinds", 2)):
        return None
    counts = "、".join(f"{kind} {len(found)} 项" for kind, found in values.items())
    return Finding(
        rule=rule.id,
        category=rule.category,
        severity=rule.severity,
        text=first.text,
        context=first.context,
        location=first.location,
        message=f"{rule.summary}（{counts}）",
        basis=rule.basis,
        evidence=(f"同一文档中有 {items} 个不同的个人信息：{counts}", "多人多类个人信息，按名单处理"),
        fingerprint=fingerprint(rule.id, "\0".join(sorted(v for found in values.values() for v in found)), "list"),
    )


def _combined_risk(findings: list[Finding], model_risk: float) -> float:
    """1 - prod(1 - p_i) over findings and the model: a noisy-or of the evidence."""
    keep = 1.0 - model_risk
    for finding in findings:
        keep *= 1.0 - _SEVERITY_RISK[finding.severity]
    return round(1.0 - keep, 4)


def _unreadable(error: str, catalogue: Catalogue) -> Finding:
    rule = catalogue.for_role(Role.UNREADABLE)
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
