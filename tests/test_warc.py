"""Web archives: 200 responses scanned record by record, with the target URI as the path."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from scanner.batch import BatchOptions, SettingsSpec, file_tasks, run_batch
from scanner.pipeline import Settings
from scanner.types import Verdict
from scanner.warc import WarcError, is_warc, iter_warc

MARKED_PAGE = "<html><head><title>通知</title></head><body><p>机密★5年</p><p>关于某项目的通知</p></body></html>"
PLAIN_PAGE = "<html><head><title>活动</title></head><body><p>欢迎市民参加读书节活动。</p></body></html>"


def make_warc(path: Path, records: list[tuple[str, str, int, bytes, str]], *, gz: bool) -> Path:
    """``records``: (type, uri, status, body, content type)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=gz)
        for kind, uri, status, body, content_type in records:
            if kind == "response":
                headers = StatusAndHeaders(f"{status} X", [("Content-Type", content_type)], protocol="HTTP/1.1")
                record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers)
            else:
                record = writer.create_warc_record(uri, kind, payload=io.BytesIO(body))
            writer.write_record(record)
    return path


RECORDS = [
    ("response", "http://site.gov.cn/a.html", 200, MARKED_PAGE.encode(), "text/html; charset=utf-8"),
    ("request", "http://site.gov.cn/a.html", 0, b"GET /a.html HTTP/1.1\r\n\r\n", ""),
    ("response", "http://site.gov.cn/missing.html", 404, "<html>not found 机密★5年</html>".encode(), "text/html"),
    ("response", "http://site.gov.cn/b.html", 200, PLAIN_PAGE.encode(), "text/html"),
    ("response", "http://site.gov.cn/c.txt", 200, "内部资料 注意保存\n工作安排".encode(), "text/plain"),
]


@pytest.mark.parametrize("name,gz", [("site.warc", False), ("site.warc.gz", True)])
def test_warc_records_are_scanned_with_their_uris(tmp_path: Path, settings: Settings, name: str, gz: bool) -> None:
    archive = make_warc(tmp_path / name, RECORDS, gz=gz)
    assert is_warc(archive)
    assert [doc.uri for doc in iter_warc(archive)] == [
        "http://site.gov.cn/a.html", "http://site.gov.cn/b.html", "http://site.gov.cn/c.txt"
    ]
    outcome = run_batch(file_tasks([archive]), SettingsSpec(), settings, BatchOptions(jobs=1))
    by_uri = {doc.path: doc for doc in outcome.result.documents}
    assert list(by_uri) == ["http://site.gov.cn/a.html", "http://site.gov.cn/b.html", "http://site.gov.cn/c.txt"]
    assert by_uri["http://site.gov.cn/a.html"].verdict is Verdict.BLOCK
    assert any(f.category == "classified-marking" for f in by_uri["http://site.gov.cn/a.html"].findings)
    assert not any(f.category == "classified-marking" for f in by_uri["http://site.gov.cn/b.html"].findings)
    assert any(f.category == "internal-marking" for f in by_uri["http://site.gov.cn/c.txt"].findings)


def test_damaged_archive_is_reported(tmp_path: Path, settings: Settings) -> None:
    archive = tmp_path / "bad.warc.gz"
    archive.write_bytes(gzip.compress(b"this is not a warc record\r\n\r\n") + b"garbage")
    with pytest.raises(WarcError):
        list(iter_warc(archive))
    outcome = run_batch(file_tasks([archive]), SettingsSpec(), settings, BatchOptions(jobs=1))
    (doc,) = outcome.result.documents
    assert doc.path == str(archive) and doc.verdict is Verdict.REVIEW
    assert doc.errors[0].startswith("无法读取网页归档")
