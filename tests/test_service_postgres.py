"""The service on a real PostgreSQL server: a throwaway cluster (Debian ``postgresql``), skipped where there is none.

The cluster is made with ``initdb`` and run with ``postgres`` as an
unprivileged user (``setpriv`` to nobody when the tests run as root, as in
CI), listening on 127.0.0.1 only, and removed afterwards.  The migration,
the append-only triggers (UPDATE, DELETE and TRUNCATE refused), the hash
chain, and a real ``secscan serve --database-url`` (upload → verdict → sheet,
a signature) are checked against it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed (pip install -e '.[test]')")
pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[test]')")

from tests.service_server import UNIT, Server, add_token, create_users, csrf_of, free_port, login


def _binaries() -> Path | None:
    for candidate in [os.environ.get("PG_BIN", ""), *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "postgres").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found and shutil.which("postgres") else None


BIN = _binaries()
pytestmark = pytest.mark.skipif(BIN is None, reason="no PostgreSQL server installed (apt-get install postgresql)")


def _as_postgres_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]


@pytest.fixture(scope="module")
def database_url():
    assert BIN is not None
    root = Path(tempfile.mkdtemp(prefix="secscan-pg-"))
    data = root / "data"
    data.mkdir()
    if os.geteuid() == 0:
        os.chown(root, 65534, 65534)
        os.chown(data, 65534, 65534)
    os.chmod(data, 0o700)
    environ = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    subprocess.run(_as_postgres_user([str(BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                      "-E", "UTF8"]), check=True, capture_output=True, env=environ, cwd=root)
    port = free_port()
    server = subprocess.Popen(_as_postgres_user([str(BIN / "postgres"), "-D", str(data), "-p", str(port), "-k",
                                                 str(root), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environ, cwd=root)
    import psycopg

    deadline = time.monotonic() + 60
    while True:
        try:
            with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as conn:
                conn.execute("CREATE DATABASE secscan")
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise
            time.sleep(0.3)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/secscan"
    finally:
        server.send_signal(signal.SIGINT)  # fast shutdown: closes client connections instead of waiting for them
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(20)
        if server.poll() is None:
            server.kill()
        shutil.rmtree(root, ignore_errors=True)


def test_migration_triggers_and_chain_on_postgresql(database_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from scanner.service import audit
    from scanner.service.db import make_engine, session_factory
    from scanner.service.migrate import current_revision, upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == "0001"
    sessions = session_factory(engine)
    with sessions() as db:
        for number in range(3):
            audit.record(db, actor="wang", action="sign", unit_id=1, step=number)
        db.commit()
        assert audit.verify(db).ok
        for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events"):
            with pytest.raises(DatabaseError, match="append-only"):
                db.execute(text(statement))
            db.rollback()
        # the owner switches the triggers off and edits a row: the chain shows it
        db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        db.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE id = (SELECT min(id) + 1 FROM audit_events)"))
        db.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        db.commit()
        report = audit.verify(db)
        assert not report.ok and report.first_bad == 2
    engine.dispose()


def test_the_service_on_postgresql(database_url: str, tmp_path: Path) -> None:
    import httpx

    data = tmp_path / "data"
    create_users(data, database_url)
    token = add_token(data, "cms", UNIT, ("scans:write", "scans:read"), database_url)
    server = Server(data, "--database-url", database_url, "--jobs", "1", "--no-ocr", "--reinspect-every", "0").start()
    try:
        draft = tmp_path / "notice.txt"
        draft.write_text("内部资料 注意保存\n关于召开年度工作会议的通知", encoding="utf-8")
        with httpx.Client(base_url=server.url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as client:
            answer = client.post("/api/v1/scans", files={"file": ("notice.txt", draft.read_bytes())})
            assert answer.status_code == 201, answer.text
            item = answer.json()
            assert item["verdict"] == "block"
            assert client.get(f"/api/v1/scans/{item['id']}").json()["documents"][0]["verdict"] == "block"
            assert client.get(f"/api/v1/scans/{item['id']}/sheet.docx").status_code == 200
        clerk = login(server.url, "zhang")
        page = clerk.get(f"/items/{item['id']}").text
        import re

        for fingerprint in re.findall(r'name="fingerprint" value="([0-9a-f]+)"', page):
            assert clerk.post(f"/items/{item['id']}/decide", data={
                "csrf_token": csrf_of(clerk), "fingerprint": fingerprint, "decision": "confirmed"}).status_code == 303
        signed = clerk.post(f"/items/{item['id']}/sign", data={"csrf_token": csrf_of(clerk), "outcome": "approve",
                                                                "opinion": "属实，不予发布"})
        assert signed.status_code == 303
        assert "待复审（处室负责人）" in clerk.get(f"/items/{item['id']}").text
    finally:
        server.stop()
    assert not any(data.glob("*.sqlite3"))  # everything went to PostgreSQL
