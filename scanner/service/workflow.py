"""The review workflow: 初审 → 复审 → 审批 (谁公开、谁审查、谁负责; domain.md §7).

An item's ``status`` is the step it waits for, or where it ended:

    queued ─scan─▶ first (承办人初审) ─▶ section (处室负责人审核) ─▶ secrecy (保密部门意见)
           ─▶ leader (分管领导审批) ─▶ approved (同意发布) | rejected (不予发布)

复审 is the two middle steps.  At each step only a user with that step's
role, in the item's unit, may sign; any step after the first may return the
item to 初审 with its opinion.  Pure functions: :mod:`scanner.service.store`
applies them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ROLES = {
    "clerk": "承办人",
    "section_head": "处室负责人",
    "secrecy": "保密部门",
    "leader": "分管领导",
    "admin": "管理员",
}


@dataclass(frozen=True, kw_only=True)
class Step:
    status: str
    stage: str  # 初审 | 复审 | 审批
    label: str  # the box of the approval sheet
    role: str


STEPS = (
    Step(status="first", stage="初审", label="承办人初审意见", role="clerk"),
    Step(status="section", stage="复审", label="处室负责人审核", role="section_head"),
    Step(status="secrecy", stage="复审", label="保密部门意见", role="secrecy"),
    Step(status="leader", stage="审批", label="分管领导审批", role="leader"),
)
STEP_BY_STATUS = {step.status: step for step in STEPS}

STATUS_LABELS = {
    "queued": "扫描中",
    "first": "待初审",
    "section": "待复审（处室负责人）",
    "secrecy": "待复审（保密部门）",
    "leader": "待审批（分管领导）",
    "approved": "已批准发布",
    "rejected": "不予发布",
}
OUTCOME_LABELS = {"approve": "同意", "return": "退回初审", "reject": "不同意发布"}
DECISION_LABELS = {"confirmed": "属实", "false_positive": "误报"}


class WorkflowError(ValueError):
    """The action is not allowed now (the message, in Chinese, says why)."""


def next_status(status: str) -> str:
    index = [step.status for step in STEPS].index(status)
    return STEPS[index + 1].status if index + 1 < len(STEPS) else "approved"


@dataclass(frozen=True, kw_only=True)
class Pending:
    """A finding that matters for the decision: its fingerprint, severity and whether it was decided 属实."""

    fingerprint: str
    severity: str
    decision: str | None  # confirmed | false_positive | None


def check_sign(*, status: str, role: str, outcome: str, opinion: str, findings: Iterable[Pending]) -> str:
    """The status after a user in ``role`` signs ``status`` with ``outcome``.

    Raises :class:`WorkflowError` when the role may not act now, the opinion
    is empty, a finding is still undecided at 初审, or a document with a
    confirmed finding would be approved for publication.
    """
    step = STEP_BY_STATUS.get(status)
    if step is None:
        raise WorkflowError(f"该事项当前状态为“{STATUS_LABELS.get(status, status)}”，不能签署")
    if role != step.role:
        raise WorkflowError(f"当前环节为“{step.label}”，须由{ROLES[step.role]}签署（您的角色：{ROLES.get(role, role)}）")
    if not opinion.strip():
        raise WorkflowError("请填写审查意见")
    findings = list(findings)
    if outcome not in OUTCOME_LABELS:
        raise WorkflowError(f"未知的处理结果：{outcome}")
    if step.status == "first":
        if outcome != "approve":
            raise WorkflowError("初审只能提交复审；不发布的事项可由承办人删除")
        undecided = [f for f in findings if f.decision is None]
        if undecided:
            raise WorkflowError(f"还有 {len(undecided)} 处发现未核实（属实/误报），请逐条核实后再提交")
        return next_status(status)
    if outcome == "return":
        return "first"
    if outcome == "reject":
        if step.status != "leader":
            raise WorkflowError("只有分管领导审批时可以作出不同意发布的决定；其他环节请退回初审")
        return "rejected"
    confirmed = [f for f in findings if f.decision == "confirmed"]
    if step.status == "leader" and confirmed:
        raise WorkflowError(f"有 {len(confirmed)} 处发现经核实属实，不能同意发布：请不同意发布，或退回初审修改后重新送审")
    return next_status(status)


def relevant(findings: Iterable[Mapping[str, str]], decisions: Mapping[str, str]) -> list[Pending]:
    """The findings a reviewer must decide (review and block; info needs none), with their decisions."""
    return [
        Pending(fingerprint=f["fingerprint"], severity=f["severity"], decision=decisions.get(f["fingerprint"]))
        for f in findings
        if f["severity"] in ("review", "block")
    ]


def may_view(*, user_unit: int, item_unit: int) -> bool:
    return user_unit == item_unit
