"""Items under review: create, store the scan result, decide findings, sign, delete.

Every function that acts for someone takes the acting user (or token) and
checks the unit; every change is recorded in the audit trail in the same
transaction.  Results are stored as the scanner's own JSON round trip
(:func:`scanner.serial.document_to_dict`, units included so the HTML report can
highlight the text), zlib-compressed.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanner.service import audit
from scanner.service.db import Decision, Item, Signature, User, utcnow
from scanner.service.workflow import DECISION_LABELS, WorkflowError, check_sign, relevant
from scanner.types import DocumentResult, ScanResult

SHEET_FIELDS = ("department", "site", "column", "planned_date", "source", "carrier", "document_number")


class NotFound(LookupError):
    """No such item in the caller's unit (the same answer whether it exists elsewhere or not)."""


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who acts: a user, or a publishing system's token (``user`` is ``None``)."""

    name: str
    unit_id: int
    user: User | None = None

    @property
    def role(self) -> str:
        return self.user.role if self.user else "system"


def new_item(session: Session, actor: Actor, *, filename: str, path: Path, size: int, sha256: str,
             source: str, fields: dict[str, str]) -> Item:
    item = Item(id=secrets.token_hex(16), unit_id=actor.unit_id, filename=filename, stored_path=str(path),
                size=size, sha256=sha256, status="queued", source=source, created_by=actor.name,
                fields={key: fields[key][:200] for key in SHEET_FIELDS if fields.get(key)})
    session.add(item)
    session.flush()
    audit.record(session, actor=actor.name, action="upload", unit_id=actor.unit_id, item_id=item.id,
                 filename=filename, size=size, sha256=sha256, source=source)
    return item


def get_item(session: Session, item_id: str, unit_id: int) -> Item:
    """The item if it belongs to ``unit_id``.  Raises :class:`NotFound` otherwise."""
    item = session.get(Item, item_id) if len(item_id) == 32 else None
    if item is None or item.unit_id != unit_id:
        raise NotFound(item_id)
    return item


def unit_items(session: Session, unit_id: int, *, limit: int = 500) -> list[Item]:
    query = select(Item).where(Item.unit_id == unit_id).order_by(Item.created_at.desc()).limit(limit)
    return list(session.execute(query).scalars())


def store_result(session: Session, item: Item, doc: DocumentResult, meta: dict[str, str]) -> None:
    from scanner.serial import document_to_dict

    payload = json.dumps(document_to_dict(doc), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    item.result = zlib.compress(payload, 6)
    item.result_meta = meta
    item.verdict = doc.verdict.value
    item.risk = doc.risk
    item.title = (doc.title or "")[:500]
    if item.status == "queued":
        item.status = "first"
    item.updated_at = utcnow()
    audit.record(session, actor="secscan", action="scanned", unit_id=item.unit_id, item_id=item.id,
                 verdict=doc.verdict.value, findings=len(doc.findings), errors=len(doc.errors),
                 rules=sorted({f.rule for f in doc.findings}))


def document_of(item: Item) -> DocumentResult | None:
    from scanner.serial import document_from_dict

    if item.result is None:
        return None
    return document_from_dict(json.loads(zlib.decompress(item.result)))


def result_of(item: Item) -> ScanResult | None:
    doc = document_of(item)
    if doc is None:
        return None
    meta = item.result_meta or {}
    return ScanResult(version=meta.get("version", ""), documents=(doc,), catalogue_hash=meta.get("catalogue", ""),
                      model_hash=meta.get("model", ""))


def decisions_of(session: Session, item_id: str) -> dict[str, Decision]:
    rows = session.execute(select(Decision).where(Decision.item_id == item_id)).scalars()
    return {row.fingerprint: row for row in rows}


def signatures_of(session: Session, item_id: str) -> list[Signature]:
    query = select(Signature).where(Signature.item_id == item_id).order_by(Signature.id)
    return list(session.execute(query).scalars())


def decide(session: Session, item: Item, user: User, *, fingerprint: str, decision: str, reason: str) -> None:
    """Record 属实 / 误报 for one finding.  Raises :class:`WorkflowError` when this user may not decide now."""
    from scanner.service.workflow import ROLES, STEP_BY_STATUS

    step = STEP_BY_STATUS.get(item.status)
    if step is None or step.role != user.role:
        needed = ROLES[step.role] if step else "（无）"
        raise WorkflowError(f"当前环节由{needed}核实发现（您的角色：{ROLES.get(user.role, user.role)}）")
    if decision not in DECISION_LABELS:
        raise WorkflowError(f"未知的核实结果：{decision}")
    if decision == "false_positive" and not reason.strip():
        raise WorkflowError("认定为误报时须填写理由")
    doc = document_of(item)
    if doc is None or fingerprint not in {f.fingerprint for f in doc.findings}:
        raise WorkflowError("该事项没有这条发现")
    row = decisions_of(session, item.id).get(fingerprint)
    if row is None:
        row = Decision(item_id=item.id, fingerprint=fingerprint, decision=decision, reason=reason[:2000],
                       user_id=user.id)
        session.add(row)
    else:
        row.decision, row.reason, row.user_id, row.decided_at = decision, reason[:2000], user.id, utcnow()
    rules = sorted({f.rule for f in doc.findings if f.fingerprint == fingerprint})
    audit.record(session, actor=user.username, action="decision", unit_id=item.unit_id, item_id=item.id,
                 fingerprint=fingerprint, rules=rules, decision=decision)


def pending_findings(session: Session, item: Item) -> list[Any]:
    doc = document_of(item)
    decisions = {fp: row.decision for fp, row in decisions_of(session, item.id).items()}
    findings = [{"fingerprint": f.fingerprint, "severity": f.severity.value} for f in (doc.findings if doc else ())]
    return relevant(findings, decisions)


def sign(session: Session, item: Item, user: User, *, outcome: str, opinion: str) -> Signature:
    """Sign the step the item waits for.  Raises :class:`WorkflowError` (wrong role, out of turn, undecided)."""
    if item.unit_id != user.unit_id:
        raise NotFound(item.id)
    step_status = item.status
    item.status = check_sign(status=item.status, role=user.role, outcome=outcome, opinion=opinion,
                             findings=pending_findings(session, item))
    signature = Signature(item_id=item.id, step=step_status, user_id=user.id, name=user.display_name,
                          role=user.role, opinion=opinion.strip()[:4000], outcome=outcome)
    session.add(signature)
    item.updated_at = utcnow()
    audit.record(session, actor=user.username, action="sign", unit_id=item.unit_id, item_id=item.id,
                 step=step_status, outcome=outcome, status=item.status)
    return signature


def delete_item(session: Session, item: Item, actor: Actor) -> None:
    """Delete the item and its stored file.  Raises :class:`WorkflowError` once review has gone past 初审."""
    if actor.role != "admin" and item.status not in ("queued", "first"):
        raise WorkflowError("已进入复审或审批的事项只能由管理员删除")
    if item.stored_path:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(item.stored_path)
    audit.record(session, actor=actor.name, action="delete", unit_id=item.unit_id, item_id=item.id,
                 filename=item.filename, status=item.status)
    session.delete(item)


def unit_baseline(session: Session, unit_id: int) -> dict[str, Any]:
    """The unit's accepted findings as a ``scan --baseline`` file: fingerprints decided 误报 on approved items.

    Only items that went through 审批 (status ``approved``) count: a 误报
    still under review is one person's word.  Like every baseline it holds
    hashes only (scanner/baseline.py), never the text.
    """
    from scanner.baseline import BASELINE_VERSION

    query = (select(Decision.fingerprint).join(Item, Item.id == Decision.item_id)
             .where(Item.unit_id == unit_id, Item.status == "approved", Decision.decision == "false_positive"))
    fingerprints = sorted(set(session.execute(query).scalars()))
    return {"version": BASELINE_VERSION, "tool": "secscan", "fingerprints": fingerprints}
