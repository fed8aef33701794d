"""The parent of a batch never blocks on a dead or oversized worker (issue #22 item 7).

Each case runs the batch in a thread with a deadline, so that a regression
fails the test instead of hanging it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from scanner.batch import HOOK_ENV, BatchOptions, SettingsSpec, Task, file_tasks, run_batch
from scanner.batch.pool import WorkerPool
from scanner.batch.run import BatchOutcome
from scanner.pipeline import Settings
from scanner.types import Verdict
from tests.test_warc import MARKED_PAGE, PLAIN_PAGE, make_warc


def within(seconds: float, work: Any) -> BatchOutcome:
    """``work()``'s outcome, or a failure when it takes longer than ``seconds`` (the batch hung)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["outcome"] = work()
        except BaseException as error:  # noqa: BLE001 -- re-raised in the test's thread
            box["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"the batch did not finish within {seconds} s: the parent is blocked")
    if "error" in box:
        raise box["error"]
    return box["outcome"]  # type: ignore[no-any-return]


def big_page(megabytes: int) -> bytes:
    paragraph = "<p>欢迎市民参加读书节活动，活动免费，名额有限。</p>\n"
    body = paragraph * (megabytes * 2**20 // len(paragraph.encode()) + 1)
    return f"<html><head><title>大页面</title></head><body>{body}</body></html>".encode()


def test_a_warc_record_over_the_memory_limit_is_review_and_every_other_record_gets_its_result(
    tmp_path: Path, settings: Settings
) -> None:
    records = [
        ("response", "http://site.gov.cn/a.html", 200, MARKED_PAGE.encode(), "text/html"),
        ("response", "http://site.gov.cn/huge.html", 200, big_page(24), "text/html"),
        ("response", "http://site.gov.cn/b.html", 200, PLAIN_PAGE.encode(), "text/html"),
    ]
    archive = make_warc(tmp_path / "site.warc.gz", records, gz=True)
    started = time.monotonic()
    outcome = within(120, lambda: run_batch(file_tasks([archive], max_memory_mb=16), SettingsSpec(), settings,
                                            BatchOptions(jobs=2, timeout=60, max_memory_mb=16)))
    assert time.monotonic() - started < 60
    by_uri = {doc.path: doc for doc in outcome.result.documents}
    assert list(by_uri) == ["http://site.gov.cn/a.html", "http://site.gov.cn/huge.html", "http://site.gov.cn/b.html"]
    assert by_uri["http://site.gov.cn/a.html"].verdict is Verdict.BLOCK
    assert by_uri["http://site.gov.cn/b.html"].verdict is Verdict.PASS
    huge = by_uri["http://site.gov.cn/huge.html"]
    assert huge.verdict is Verdict.REVIEW
    (finding,) = huge.findings
    assert finding.category == "unreadable"
    assert "http://site.gov.cn/huge.html" in finding.message and "16 MB" in finding.message
    assert outcome.summary.workers_replaced == 0  # refused in the parent: no worker paid for it


def test_the_cli_reports_the_oversized_record_and_scans_the_rest(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from cli import main

    records = [
        ("response", "http://site.gov.cn/huge.html", 200, big_page(24), "text/html"),
        ("response", "http://site.gov.cn/a.html", 200, MARKED_PAGE.encode(), "text/html"),
    ]
    archive = make_warc(tmp_path / "site.warc", records, gz=False)
    result = CliRunner().invoke(main, [str(archive), "--max-memory", "16", "--format", "jsonl", "--no-cache",
                                       "-j", "1"])
    assert result.exit_code == 1, result.output
    lines = {line["path"]: line for line in map(json.loads, result.stdout.splitlines())}
    assert lines["http://site.gov.cn/a.html"]["verdict"] == "block"
    huge = lines["http://site.gov.cn/huge.html"]
    assert huge["verdict"] == "review" and huge["findings"][0]["category"] == "unreadable"
    assert "超过工作进程内存上限 16 MB" in huge["errors"][0]


def test_crawled_bytes_over_the_memory_limit_are_refused_without_sending(settings: Settings) -> None:
    tasks = [Task(key="http://x/big.html", data=big_page(20)), Task(key="http://x/a.html", data=MARKED_PAGE.encode())]
    outcome = within(120, lambda: run_batch(tasks, SettingsSpec(), settings,
                                            BatchOptions(jobs=1, timeout=60, max_memory_mb=16)))
    big, small = outcome.result.documents
    assert big.verdict is Verdict.REVIEW and big.errors[0].startswith("内存超限 / memory limit exceeded (16 MB)")
    assert small.verdict is Verdict.BLOCK
    assert dict(outcome.summary.failures) == {"memory": 1}


def test_a_worker_that_stops_reading_its_pipe_is_replaced_after_the_send_timeout(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker's courier stops reading after the first message, which holds deaf.txt and as many
    # small files as a first message takes (WorkerPool.depth); the next message, three pages of a
    # megabyte, fills the pipe: the parent's write would block for ever.
    monkeypatch.setenv(HOOK_ENV, "deaf:deaf.txt")
    (tmp_path / "deaf.txt").write_text("关于读书节的通知\n", encoding="utf-8")
    tasks = [Task(key="deaf.txt", path=str(tmp_path / "deaf.txt"))]
    first = WorkerPool(SettingsSpec(), jobs=1).depth
    for index in range(first - 1):
        path = tmp_path / f"f{index}.txt"
        path.write_text(f"关于第{index}届读书节的通知\n", encoding="utf-8")
        tasks.append(Task(key=path.name, path=str(path)))
    tasks += [Task(key=f"http://x/big{index}.html", data=big_page(1)) for index in range(3)]

    def work() -> BatchOutcome:
        from scanner.batch import run as run_module

        pool = WorkerPool(SettingsSpec(), jobs=1, timeout=120, max_memory_mb=1500, send_timeout=2.0)
        monkeypatch.setattr(run_module, "make_executor", lambda spec, options: pool)
        return run_batch(tasks, SettingsSpec(), settings, BatchOptions(jobs=1, timeout=120))

    started = time.monotonic()
    outcome = within(100, work)
    assert time.monotonic() - started < 60  # the send timeout fired, not the 120 s file timeout
    assert len(outcome.result.documents) == len(tasks)
    assert all(doc.verdict is Verdict.PASS and not doc.errors for doc in outcome.result.documents)
    assert outcome.summary.workers_replaced >= 1


def test_a_worker_whose_receiving_thread_dies_is_replaced_and_the_message_it_choked_on_is_blamed(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HOOK_ENV, "mute:choke.html")
    tasks = [Task(key=f"http://x/p{index}.html", data=PLAIN_PAGE.encode()) for index in range(3)]
    tasks.insert(1, Task(key="http://x/choke.html", data=big_page(1)))
    outcome = within(100, lambda: run_batch(tasks, SettingsSpec(), settings, BatchOptions(jobs=1, timeout=60)))
    by_path = {doc.path: doc for doc in outcome.result.documents}
    choke = by_path["http://x/choke.html"]
    assert choke.verdict is Verdict.REVIEW and "while receiving" in choke.errors[0]
    assert all(by_path[f"http://x/p{index}.html"].verdict is Verdict.PASS for index in range(3))
    assert outcome.summary.workers_replaced >= 1


def test_a_large_warc_record_is_spooled_to_a_private_file_and_removed_after_its_scan(
    tmp_path: Path, settings: Settings
) -> None:
    from scanner.batch.sources import SPOOL_BYTES, Sources

    big = big_page(SPOOL_BYTES // 2**20 + 2)
    records = [
        ("response", "http://site.gov.cn/a.html", 200, MARKED_PAGE.encode(), "text/html"),
        ("response", "http://site.gov.cn/big.html", 200, big, "text/html"),
    ]
    archive = make_warc(tmp_path / "site.warc.gz", records, gz=True)
    sources = Sources([archive], None, spool=True)
    try:
        spool = sources._spool_dir
        assert spool is not None and oct(spool.stat().st_mode & 0o777) == "0o700"
        outcome = within(120, lambda: run_batch(sources, SettingsSpec(), settings, BatchOptions(jobs=1, timeout=60)))
        assert list(spool.iterdir()) == []  # the copy went once its result was in
    finally:
        sources.close()
    assert not spool.exists()
    in_memory = within(120, lambda: run_batch(file_tasks([archive]), SettingsSpec(), settings,
                                              BatchOptions(jobs=1, timeout=60)))
    spooled_docs = {doc.path: doc for doc in outcome.result.documents}
    for doc in in_memory.result.documents:  # the same result as scanning the bytes themselves
        other = spooled_docs[doc.path]
        assert (other.verdict, other.sha256, [f.fingerprint for f in other.findings]) == (
            doc.verdict, doc.sha256, [f.fingerprint for f in doc.findings])
    assert spooled_docs["http://site.gov.cn/a.html"].verdict is Verdict.BLOCK


def test_the_parent_does_not_hold_a_large_warc_record(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.test_batch import REPO

    def parent_peak_kb(archive: Path) -> int:
        """The scan command's own peak resident size: VmHWM, which starts afresh at exec (ru_maxrss does not)."""
        code = ("import runpy, sys\n"
                "sys.argv = ['cli.py', sys.argv[1], '-j', '1', '--no-cache', '--format', 'jsonl', '-o', '/dev/null']\n"
                "try:\n    runpy.run_path('cli.py', run_name='__main__')\nexcept SystemExit:\n    pass\n"
                "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
                "print(status, file=sys.stderr)")
        done = subprocess.run([sys.executable, "-c", code, str(archive)], cwd=REPO, capture_output=True, text=True,
                              timeout=300, check=True)
        return int(done.stderr.strip().splitlines()[-1])

    small = make_warc(tmp_path / "small.warc", [
        ("response", "http://site.gov.cn/a.html", 200, PLAIN_PAGE.encode(), "text/html")], gz=False)
    large = make_warc(tmp_path / "large.warc", [
        ("response", "http://site.gov.cn/a.html", 200, PLAIN_PAGE.encode(), "text/html"),
        ("response", "http://site.gov.cn/big.html", 200, big_page(48), "text/html")], gz=False)
    # held in memory the 48 MB record cost the parent ~2.4 times its size (the bytes, their pickled message)
    assert parent_peak_kb(large) - parent_peak_kb(small) < 24 * 1024


def test_the_feeder_holds_a_bounded_number_of_bytes_ahead_of_the_workers() -> None:
    from scanner.batch.feeder import FEEDER_BYTES, Feeder

    page = b"x" * (3 * 2**20)
    walked = []

    def tasks():  # type: ignore[no-untyped-def]
        for index in range(60):  # 180 MB in all
            walked.append(index)
            yield Task(key=f"http://x/{index}.html", data=page)

    feeder = Feeder(tasks(), journal=None, cache=None)
    feeder.start()
    try:
        time.sleep(1.0)  # nobody takes anything: the feeder fills up and waits
        assert feeder._pending_bytes <= FEEDER_BYTES and len(walked) <= FEEDER_BYTES // len(page) + 2
        taken = 0
        while (item := feeder.get()) is not None or feeder.is_alive():
            if item is None:
                time.sleep(0.01)
                continue
            taken += hasattr(item, "task")
            assert feeder._pending_bytes <= FEEDER_BYTES
        assert taken == 60
    finally:
        feeder.stop()


def test_a_record_whose_copy_cannot_be_written_is_review_and_the_rest_are_scanned(
    tmp_path: Path, settings: Settings
) -> None:
    from scanner.batch.sources import SPOOL_BYTES

    records = [
        ("response", "http://site.gov.cn/big.html", 200, big_page(SPOOL_BYTES // 2**20 + 1), "text/html"),
        ("response", "http://site.gov.cn/a.html", 200, MARKED_PAGE.encode(), "text/html"),
    ]
    archive = make_warc(tmp_path / "site.warc", records, gz=False)
    gone = tmp_path / "no-such-folder"  # as a full disk would, the copy fails
    outcome = within(120, lambda: run_batch(file_tasks([archive], spool_dir=gone), SettingsSpec(), settings,
                                            BatchOptions(jobs=1, timeout=60)))
    big, marked = outcome.result.documents
    assert big.path == "http://site.gov.cn/big.html" and big.verdict is Verdict.REVIEW
    assert big.errors[0].startswith("无法暂存网页归档记录")
    assert marked.verdict is Verdict.BLOCK
