"""The CMS API against a real ``secscan serve`` on 127.0.0.1 (a subprocess, random port).

Upload → verdict → sheet; a large file as a job; the upload cap; token
scopes and units; hostile uploads (a worker that hangs, crashes, runs out
of memory, and a real zip bomb) answered ``review`` while the service stays up.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from tests.builders import make_docx
from tests.service_server import OTHER_UNIT, UNIT, Server, add_token, create_users

pytest.importorskip("fastapi", reason="the serve extra is not installed (pip install -e '.[test]')")

HOOK = "crash:crash.txt,hang:hang.txt,oom:oom.txt"


@pytest.fixture(scope="module")
def origin():
    """A web server on 127.0.0.1 holding drafts for the URL form of POST /api/v1/scans."""
    import http.server
    import threading

    files = {"/drafts/notice.txt": "内部资料 注意保存\n关于召开年度工作会议的通知".encode()}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/elsewhere":
                self.send_response(302)
                self.send_header("Location", f"http://localhost:{self.server.server_address[1]}/drafts/notice.txt")
                self.end_headers()
                return
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, origin: str):
    data = tmp_path_factory.mktemp("service") / "data"
    create_users(data)
    server = Server(data, "--sync-limit-kb", "64", "--max-upload-mb", "1", "--timeout", "8", "--max-memory", "300",
                    "--jobs", "2", "--no-ocr", "--reinspect-every", "0", "--allow-host", origin,
                    env={"SECSCAN_TEST_HOOK": HOOK}).start()
    server.tokens = {  # type: ignore[attr-defined]
        "rw": add_token(data, "cms", UNIT, ("scans:write", "scans:read")),
        "write": add_token(data, "cms-write", UNIT, ("scans:write",)),
        "read": add_token(data, "cms-read", UNIT, ("scans:read",)),
        "other": add_token(data, "other-cms", OTHER_UNIT, ("scans:write", "scans:read")),
    }
    yield server
    server.stop()


def _client(server: Server, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=120, headers={"Authorization": f"Bearer {server.tokens[token]}"})  # type: ignore[attr-defined]


def _upload(client: httpx.Client, path: Path, **fields: str) -> httpx.Response:
    with open(path, "rb") as handle:
        return client.post("/api/v1/scans", files={"file": (path.name, handle)}, data=fields)


def _draft(directory: Path) -> Path:
    return make_docx(directory / "draft.docx", ["机密★1年", "关于2025年度重点项目安排的请示",
                                                 "经研究，拟将某项目列入年度计划，联系人张三，电话13812345678。"])


def _cli_json(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    from cli import main

    monkeypatch.chdir(path.parent)
    result = CliRunner().invoke(main, [path.name, "--format", "json", "--no-ocr"])
    assert result.exit_code == 1, result.output
    return json.loads(result.output)


def test_upload_verdict_report_and_sheet(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    draft = _draft(tmp_path)
    with _client(server, "rw") as client:
        answer = _upload(client, draft, department="综合处", site="www.example.gov.cn", column="通知公告")
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["verdict"] == "block" and body["status"] == "first"
        assert answer.headers["location"] == f"/api/v1/scans/{body['id']}"
        # the result is the CLI's --format json, byte for byte once parsed
        expected = _cli_json(draft, monkeypatch)
        assert body["result"] == expected
        again = client.get(f"/api/v1/scans/{body['id']}")
        assert again.status_code == 200 and again.json() == expected
        rules = {f["rule"] for f in expected["documents"][0]["findings"]}
        assert {"CM001", "PI002"} <= rules

        report = client.get(body["links"]["report"])
        assert report.status_code == 200
        assert "attachment" in report.headers["content-disposition"]
        assert "sandbox" in report.headers["content-security-policy"]
        assert "机密★1年" in report.text and "<mark" in report.text

        sheet = client.get(body["links"]["sheet"])
        assert sheet.status_code == 200
        from docx import Document

        text = "\n".join(cell.text for table in Document(io.BytesIO(sheet.content)).tables
                         for row in table.rows for cell in row.cells)
        assert "上网信息保密审查审批单" in [paragraph.text for paragraph in Document(io.BytesIO(sheet.content)).paragraphs[:2]]
        assert UNIT in text and "综合处" in text and "通知公告" in text and "CM001" in text

        status = client.get(f"/api/v1/scans/{body['id']}/status").json()
        assert status["status_label"] == "待初审" and status["signatures"] == []
        listed = client.get("/api/v1/scans").json()
        assert body["id"] in {entry["id"] for entry in listed}


def test_a_url_on_an_allowed_host(server: Server, origin: str) -> None:
    with _client(server, "rw") as client:
        url = f"http://{origin}/drafts/notice.txt"
        answer = client.post("/api/v1/scans", json={"url": url, "department": "综合处"})
        assert answer.status_code == 201, answer.text
        document = answer.json()["result"]["documents"][0]
        assert document["path"] == url and document["verdict"] == "block"
        port = origin.rsplit(":", 1)[1]
        for refused, status in ((f"http://localhost:{port}/drafts/notice.txt", 403),  # not on the list
                                (f"http://{origin}/elsewhere", 403),  # redirected off the list
                                ("file:///etc/passwd", 403),
                                (f"http://{origin}/missing.txt", 502)):
            answer = client.post("/api/v1/scans", json={"url": refused})
            assert answer.status_code == status, (refused, answer.text)
        assert client.post("/api/v1/scans", json={"link": url}).status_code == 400


def test_large_file_is_a_job(server: Server, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    filler = "本市召开年度工作会议，部署全年重点任务。" * 6000  # about 360 KB, over the 64 KB sync limit
    big.write_text("内部资料 注意保存\n" + filler, encoding="utf-8")
    with _client(server, "rw") as client:
        answer = _upload(client, big)
        assert answer.status_code == 202, answer.text
        job = answer.json()
        assert job["status"] == "queued" and "result" not in job
        deadline = time.monotonic() + 120
        while True:
            polled = client.get(job["links"]["self"])
            if polled.status_code == 200:
                break
            assert polled.status_code == 202 and polled.json()["status"] == "queued"
            assert time.monotonic() < deadline, "the job never finished"
            time.sleep(0.5)
        document = polled.json()["documents"][0]
        assert document["path"] == "big.txt"
        assert document["verdict"] == "block"
        assert "IM001" in {f["rule"] for f in document["findings"]}


def test_upload_over_the_cap_is_refused_and_not_kept(server: Server, tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"a" * (3 * 2**20))
    before = set((server.data_dir / "uploads").iterdir())
    with _client(server, "rw") as client:
        answer = _upload(client, huge)
        assert answer.status_code == 413
        assert "上限" in answer.json()["detail"]

        # the same without a Content-Length: cut off while streaming, nothing left on disk
        def chunks():
            yield b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.txt\"\r\n\r\n"
            for _ in range(48):
                yield b"a" * 65536
            yield b"\r\n--B--\r\n"

        streamed = client.post("/api/v1/scans", content=chunks(),
                               headers={"Content-Type": "multipart/form-data; boundary=B"})
        assert streamed.status_code == 413
    assert set((server.data_dir / "uploads").iterdir()) == before


def test_uploads_are_private_and_deleting_an_item_deletes_its_file(server: Server, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("关于召开年度工作会议的通知\n请各单位按时参加。", encoding="utf-8")
    uploads = server.data_dir / "uploads"
    assert uploads.stat().st_mode & 0o777 == 0o700
    assert server.data_dir.stat().st_mode & 0o777 == 0o700
    with _client(server, "rw") as client:
        before = set(uploads.iterdir())
        item = _upload(client, note).json()
        stored = set(uploads.iterdir()) - before
        assert len(stored) == 1
        (path,) = stored
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.read_bytes() == note.read_bytes()
        assert client.delete(f"/api/v1/scans/{item['id']}").status_code == 204
        assert not path.exists()
        assert client.get(f"/api/v1/scans/{item['id']}").status_code == 404


def test_token_scopes_and_units(server: Server, tmp_path: Path) -> None:
    note = tmp_path / "notice.txt"
    note.write_text("关于开展安全生产检查的通知", encoding="utf-8")
    with _client(server, "write") as writer:
        created = _upload(writer, note)
        assert created.status_code == 201
        item = created.json()["id"]
        refused = writer.get(f"/api/v1/scans/{item}")
        assert refused.status_code == 403 and "scans:read" in refused.json()["detail"]
    with _client(server, "read") as reader:
        assert reader.get(f"/api/v1/scans/{item}").status_code == 200
        assert _upload(reader, note).status_code == 403
        assert reader.delete(f"/api/v1/scans/{item}").status_code == 403
    with _client(server, "other") as other:
        assert other.get(f"/api/v1/scans/{item}").status_code == 404
        assert other.get(f"/api/v1/scans/{item}/sheet.docx").status_code == 404
        assert other.delete(f"/api/v1/scans/{item}").status_code == 404
        assert item not in {entry["id"] for entry in other.get("/api/v1/scans").json()}
    anonymous = httpx.get(f"{server.url}/api/v1/scans/{item}")
    assert anonymous.status_code == 401
    forged = httpx.get(f"{server.url}/api/v1/scans/{item}", headers={"Authorization": "Bearer sst_forged"})
    assert forged.status_code == 401


def _zip_bomb(path: Path) -> Path:
    # 300 MB of zeros in one member: over the 256 MB bound for everything expanded under one file
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("zeros.txt", "w") as member:
        block = b"\0" * 2**20
        for _ in range(300):
            member.write(block)
    return path


@pytest.mark.parametrize("name, reason", [("hang.txt", "超时"), ("crash.txt", "崩溃"), ("oom.txt", "内存超限")])
def test_hostile_upload_is_review_and_the_service_stays_up(server: Server, tmp_path: Path, name: str,
                                                           reason: str) -> None:
    hostile = tmp_path / name
    hostile.write_text("关于召开年度工作会议的通知", encoding="utf-8")
    with _client(server, "rw") as client:
        answer = _upload(client, hostile)
        assert answer.status_code == 201, answer.text
        document = answer.json()["result"]["documents"][0]
        assert document["verdict"] == "review"
        assert any(reason in error for error in document["errors"]), document["errors"]
        assert server.alive()
        # the next upload is scanned normally by a fresh worker
        fine = tmp_path / "fine.txt"
        fine.write_text("关于召开年度工作会议的通知", encoding="utf-8")
        after = _upload(client, fine)
        assert after.status_code == 201 and after.json()["result"]["documents"][0]["verdict"] == "pass"
        assert client.get("/api/v1/health").json()["ok"] is True


def test_zip_bomb_is_review(server: Server, tmp_path: Path) -> None:
    bomb = _zip_bomb(tmp_path / "bomb.zip")
    assert bomb.stat().st_size < 1 * 2**20  # under the upload cap
    with _client(server, "rw") as client:
        answer = _upload(client, bomb)
        assert answer.status_code in (201, 202), answer.text
        deadline = time.monotonic() + 120
        while (polled := client.get(answer.headers["location"])).status_code == 202:
            assert time.monotonic() < deadline
            time.sleep(0.5)
        document = polled.json()["documents"][0]
        assert document["verdict"] == "review"
        assert document["errors"]
    assert server.alive()


def test_malformed_uploads_get_clear_answers(server: Server) -> None:
    with _client(server, "rw") as client:
        not_multipart = client.post("/api/v1/scans", content=b"hello", headers={"Content-Type": "text/plain"})
        assert not_multipart.status_code == 415
        no_file = client.post("/api/v1/scans", data={"department": "x"}, files={"other": ("a.txt", b"x")})
        assert no_file.status_code == 400 and "file" in no_file.json()["detail"]
        broken = client.post("/api/v1/scans", content=b"--B\r\nContent-Disposition: form-data; name=\"file\"; "
                             b"filename=\"a.txt\"\r\n\r\nabc", headers={"Content-Type": "multipart/form-data; boundary=B"})
        assert broken.status_code == 400
        assert client.get("/api/v1/scans/not-an-id").status_code == 404


def test_openapi_is_served(server: Server) -> None:
    spec = httpx.get(f"{server.url}/api/openapi.json").json()
    assert "/api/v1/scans" in spec["paths"] and "post" in spec["paths"]["/api/v1/scans"]
    body = spec["paths"]["/api/v1/scans"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
    docs = httpx.get(f"{server.url}/api/docs")
    assert docs.status_code == 200 and "/api/v1/scans/{item_id}/sheet.docx" in docs.text


def test_items_left_queued_are_scanned_after_a_restart(tmp_path: Path) -> None:
    from scanner.service.command import _database
    from scanner.service.config import ServiceConfig
    from scanner.service.db import Unit
    from scanner.service.store import Actor, new_item

    data = tmp_path / "data"
    create_users(data)
    sessions = _database(ServiceConfig(data_dir=data))
    stored = data / "uploads" / "left-over"
    stored.write_text("内部资料 注意保存\n关于召开年度工作会议的通知", encoding="utf-8")
    with sessions() as db:
        unit = db.query(Unit).filter_by(name=UNIT).one()
        item = new_item(db, Actor(name="cms", unit_id=unit.id), filename="left.txt", path=stored, size=10,
                        sha256="", source="api", fields={})
        db.commit()
    token = add_token(data, "cms", UNIT, ("scans:read",))
    server = Server(data, "--jobs", "1", "--no-ocr", "--reinspect-every", "0").start()
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            deadline = time.monotonic() + 60
            while (answer := client.get(f"/api/v1/scans/{item.id}")).status_code == 202:
                assert time.monotonic() < deadline
                time.sleep(0.3)
            assert answer.json()["documents"][0]["verdict"] == "block"
    finally:
        server.stop()


def test_the_load_bench_runs_against_the_server(server: Server, tmp_path: Path) -> None:
    import asyncio
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_service_under_test",
                                                  Path(__file__).resolve().parents[1] / "bench" / "bench_service.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    documents = bench.drafts(tmp_path, 2, 3)
    assert len(documents) == 3 and len({len(d) for d in documents}) >= 1
    latencies, errors, verdicts, wall = asyncio.run(bench.load(
        server.url, server.tokens["rw"], documents, clients=2, seconds=3, max_requests=6))  # type: ignore[attr-defined]
    assert errors == {} and 1 <= len(latencies) <= 6 and wall > 0
    assert set(verdicts) <= {"pass", "review"} and sum(verdicts.values()) == len(latencies)
    assert bench.percentile([0.1, 0.2, 0.3, 0.4], 0.5) in (0.2, 0.3)
    assert server.rss_kb() > 0 and server.cpu_seconds()[0] > 0
