"""The audit trail: an append-only table whose rows form a hash chain.

Each row's ``hash`` is SHA-256 over the previous row's hash and the row's
own fields in canonical JSON, so changing, removing or inserting a row
anywhere breaks every hash after it: :func:`verify` finds the first broken
row.  The database refuses UPDATE and DELETE on the table (triggers from the
first migration); the chain shows a change made around them (by someone
with the database's owner rights).  Rows hold who, when, what and on which
item, never document text (finding fingerprints and rule ids only).

Appends are serialised by the database: on SQLite every transaction holds
the write lock from its start (see :func:`scanner.service.db.make_engine`),
on PostgreSQL :func:`record` takes an advisory transaction lock (several
service processes may share one database).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from scanner.service.db import AuditEvent, utcnow

GENESIS = "0" * 64
_ADVISORY_KEY = 280028  # pg_advisory_xact_lock key of the audit chain


def canonical(detail: dict[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def row_hash(prev_hash: str, *, id: int, at: str, actor: str, unit_id: int | None, item_id: str | None,
             action: str, detail: str) -> str:
    payload = canonical({"id": id, "at": at, "actor": actor, "unit": unit_id, "item": item_id,
                         "action": action, "detail": detail})
    return hashlib.sha256((prev_hash + "\n" + payload).encode("utf-8")).hexdigest()


def record(session: Session, *, actor: str, action: str, unit_id: int | None = None, item_id: str | None = None,
           **detail: Any) -> AuditEvent:
    """Append one event in ``session``'s transaction (committed with the change it records)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
    last = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    next_id = (last[0] + 1) if last else 1
    prev = last[1] if last else GENESIS
    at = utcnow().isoformat(timespec="microseconds")
    body = canonical(detail)
    event = AuditEvent(id=next_id, at=at, actor=actor, unit_id=unit_id, item_id=item_id, action=action,
                       detail=body, prev_hash=prev,
                       hash=row_hash(prev, id=next_id, at=at, actor=actor, unit_id=unit_id, item_id=item_id,
                                     action=action, detail=body))
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True, kw_only=True)
class ChainReport:
    rows: int
    ok: bool
    first_bad: int | None = None  # id of the first row whose hash does not follow
    reason: str = ""

    def text(self) -> str:
        if self.ok:
            return f"审计记录完整：共 {self.rows} 条，哈希链校验通过"
        return f"审计记录被改动：第 {self.first_bad} 条起哈希链不连续（{self.reason}）"


def verify(session: Session) -> ChainReport:
    """Walk the chain from the first row; the first row that does not follow is reported."""
    prev = GENESIS
    expected_id = 1
    rows = 0
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        rows += 1
        if event.id != expected_id:
            return ChainReport(rows=rows, ok=False, first_bad=event.id, reason=f"缺少第 {expected_id} 条")
        if event.prev_hash != prev:
            return ChainReport(rows=rows, ok=False, first_bad=event.id, reason="与上一条的哈希不符")
        recomputed = row_hash(prev, id=event.id, at=event.at, actor=event.actor, unit_id=event.unit_id,
                              item_id=event.item_id, action=event.action, detail=event.detail)
        if recomputed != event.hash:
            return ChainReport(rows=rows, ok=False, first_bad=event.id, reason="内容与哈希不符")
        prev = event.hash
        expected_id += 1
    return ChainReport(rows=rows, ok=True)


ACTION_LABELS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出", "password_changed": "修改密码",
    "upload": "上传送审", "scanned": "扫描完成", "decision": "核实发现", "sign": "签署",
    "download": "下载", "delete": "删除", "user_created": "创建用户", "user_changed": "启用/停用用户",
    "token_created": "创建接口令牌", "token_revoked": "撤销接口令牌",
    "site_registered": "登记网站", "inspection": "定期复查",
}
