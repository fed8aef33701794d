"""The service's parts without a server: audit chain, workflow rules, sessions, limiter, upload parser."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed (pip install -e '.[test]')")

from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from scanner.service import audit
from scanner.service.auth import (
    AuthError,
    LoginLimiter,
    check_password,
    hash_password,
    load_session,
    new_session,
)
from scanner.service.db import LoginSession, Unit, User, make_engine, session_factory
from scanner.service.migrate import current_revision, upgrade
from scanner.service.uploads import UploadError, receive_upload, safe_filename
from scanner.service.workflow import Pending, WorkflowError, check_sign

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sessions(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def test_importing_the_scanner_does_not_import_the_service_stack() -> None:
    code = ("import sys, scanner, scanner.pipeline, scanner.batch, cli; "
            "print(sorted(m for m in ('fastapi', 'starlette', 'sqlalchemy', 'uvicorn', 'alembic', 'argon2') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_migrations_are_idempotent_and_reach_head(sessions) -> None:
    engine = sessions.kw["bind"]
    upgrade(engine)  # a second time: nothing to do
    assert current_revision(engine) == "0001"


def test_audit_chain_verifies_and_detects_tampering(sessions, tmp_path: Path) -> None:
    with sessions() as db:
        for number in range(5):
            audit.record(db, actor="zhang", action="decision", unit_id=1, item_id=f"{number:032d}", decision="confirmed")
        db.commit()
        report = audit.verify(db)
        assert report.ok and report.rows == 5
        # the database refuses to change or remove a row
        for statement in ("UPDATE audit_events SET actor = 'mallory' WHERE id = 3", "DELETE FROM audit_events WHERE id = 3"):
            with pytest.raises(DatabaseError, match="append-only"):
                db.execute(text(statement))
            db.rollback()
    # someone with the file drops the trigger and edits a row: the chain shows it
    raw = sqlite3.connect(tmp_path / "db.sqlite3")
    raw.execute("DROP TRIGGER audit_events_no_update")
    raw.execute("UPDATE audit_events SET detail = '{\"decision\":\"false_positive\"}' WHERE id = 3")
    raw.commit()
    with sessions() as db:
        report = audit.verify(db)
        assert not report.ok and report.first_bad == 3 and "不符" in report.text()
    raw.close()


def test_audit_chain_detects_a_removed_row(sessions, tmp_path: Path) -> None:
    with sessions() as db:
        for _ in range(4):
            audit.record(db, actor="li", action="sign", unit_id=1)
        db.commit()
    raw = sqlite3.connect(tmp_path / "db.sqlite3")
    raw.execute("DROP TRIGGER audit_events_no_delete")
    raw.execute("DELETE FROM audit_events WHERE id = 2")
    raw.commit()
    raw.close()
    with sessions() as db:
        report = audit.verify(db)
    assert not report.ok and report.first_bad == 3 and "缺少第 2 条" in report.reason


def _findings(*decisions: str | None) -> list[Pending]:
    return [Pending(fingerprint=str(n), severity="review", decision=d) for n, d in enumerate(decisions)]


def test_workflow_roles_and_order() -> None:
    decided = _findings("false_positive")
    assert check_sign(status="first", role="clerk", outcome="approve", opinion="可以发布", findings=decided) == "section"
    assert check_sign(status="section", role="section_head", outcome="approve", opinion="同意", findings=decided) == "secrecy"
    assert check_sign(status="secrecy", role="secrecy", outcome="approve", opinion="同意", findings=decided) == "leader"
    assert check_sign(status="leader", role="leader", outcome="approve", opinion="同意发布", findings=decided) == "approved"
    assert check_sign(status="secrecy", role="secrecy", outcome="return", opinion="请修改", findings=decided) == "first"
    assert check_sign(status="leader", role="leader", outcome="reject", opinion="不宜公开", findings=decided) == "rejected"
    with pytest.raises(WorkflowError, match="须由处室负责人签署"):
        check_sign(status="section", role="leader", outcome="approve", opinion="同意", findings=decided)
    with pytest.raises(WorkflowError, match="须由承办人签署"):
        check_sign(status="first", role="admin", outcome="approve", opinion="同意", findings=decided)
    with pytest.raises(WorkflowError, match="未核实"):
        check_sign(status="first", role="clerk", outcome="approve", opinion="同意", findings=_findings(None, "confirmed"))
    with pytest.raises(WorkflowError, match="审查意见"):
        check_sign(status="first", role="clerk", outcome="approve", opinion="  ", findings=decided)
    with pytest.raises(WorkflowError, match="属实"):
        check_sign(status="leader", role="leader", outcome="approve", opinion="同意", findings=_findings("confirmed"))
    with pytest.raises(WorkflowError, match="只有分管领导"):
        check_sign(status="section", role="section_head", outcome="reject", opinion="否", findings=decided)
    with pytest.raises(WorkflowError, match="不能签署"):
        check_sign(status="approved", role="leader", outcome="approve", opinion="再批", findings=decided)


def test_passwords_and_sessions(sessions) -> None:
    with pytest.raises(AuthError):
        hash_password("short")
    with sessions() as db:
        unit = Unit(name="单位")
        db.add(unit)
        db.flush()
        user = User(username="zhang", display_name="张三", password_hash=hash_password("correct-horse-1"),
                    role="clerk", unit_id=unit.id)
        db.add(user)
        db.commit()
        assert user.password_hash.startswith("$argon2id$")
        assert check_password(db, "zhang", "correct-horse-1") is not None
        assert check_password(db, "zhang", "wrong-password") is None
        assert check_password(db, "nobody", "correct-horse-1") is None
        token, row = new_session(db, user)
        db.commit()
        assert row.id != token and len(token) >= 40  # only the hash is stored
        assert load_session(db, token, idle=1800, maximum=43200) is not None
        assert load_session(db, token + "x", idle=1800, maximum=43200) is None
        # idle too long: the session is gone, and stays gone
        stored = db.get(LoginSession, row.id)
        stored.last_seen = stored.last_seen - dt.timedelta(hours=1)
        db.commit()
        assert load_session(db, token, idle=1800, maximum=43200) is None
        assert db.get(LoginSession, row.id) is None
        # too old in all, however recently used
        token, row = new_session(db, user)
        row.created_at = row.created_at - dt.timedelta(hours=13)
        db.commit()
        assert load_session(db, token, idle=1800, maximum=43200) is None
        # a deactivated user's session no longer works
        token, row = new_session(db, user)
        user.active = False
        db.commit()
        assert load_session(db, token, idle=1800, maximum=43200) is None


def test_login_limiter() -> None:
    limiter = LoginLimiter(failures=3, window=60)
    keys = ("user:zhang", "ip:10.0.0.1")
    for _ in range(3):
        assert limiter.blocked(*keys) == 0
        limiter.failed(*keys)
    assert 0 < limiter.blocked(*keys) <= 60
    assert limiter.blocked("user:li", "ip:10.0.0.1") == 0  # an address may fail four times as often
    limiter.succeeded("user:li")
    assert limiter.blocked(*keys) > 0  # success of another user lifts nothing


async def _body(*chunks: bytes):
    for chunk in chunks:
        yield chunk


def _form(content: bytes, filename: str = "a.txt") -> bytes:
    return (b"--XX\r\nContent-Disposition: form-data; name=\"department\"\r\n\r\n\xe5\x8a\x9e\xe5\x85\xac\xe5\xae\xa4\r\n"
            b"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename.encode() + b"\"\r\n"
            b"Content-Type: text/plain\r\n\r\n" + content + b"\r\n--XX--\r\n")


def test_upload_parser_streams_and_caps(tmp_path: Path) -> None:
    body = _form(b"x" * 1000, "../../etc/passwd")
    pieces = [body[i:i + 7] for i in range(0, len(body), 7)]  # any chunking
    upload = asyncio.run(receive_upload("multipart/form-data; boundary=XX", _body(*pieces), tmp_path, max_bytes=2000))
    assert upload.fields == {"department": "办公室"}
    assert upload.filename == "passwd" and upload.size == 1000
    assert upload.path is not None and upload.path.parent == tmp_path
    assert upload.path.read_bytes() == b"x" * 1000 and upload.path.stat().st_mode & 0o777 == 0o600
    upload.discard()
    with pytest.raises(UploadError) as caught:
        asyncio.run(receive_upload("multipart/form-data; boundary=XX", _body(_form(b"x" * 3000)), tmp_path,
                                   max_bytes=2000))
    assert caught.value.status == 413
    with pytest.raises(UploadError) as caught:
        asyncio.run(receive_upload("multipart/form-data; boundary=XX", _body(_form(b"x" * 10)[:-30]), tmp_path,
                                   max_bytes=2000))
    assert caught.value.status == 400
    with pytest.raises(UploadError) as caught:
        asyncio.run(receive_upload("application/json", _body(b"{}"), tmp_path, max_bytes=2000))
    assert caught.value.status == 415
    assert list(tmp_path.iterdir()) == []  # nothing is left behind by a refused upload


def test_safe_filename() -> None:
    assert safe_filename("C:\\Users\\张三\\草稿.docx") == "草稿.docx"
    assert safe_filename("a\x1b[31mb.txt") == "a[31mb.txt"
    assert safe_filename("..") == "upload"
