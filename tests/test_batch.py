"""Batch runs: walking, isolated workers (hang / crash / memory), 1,000 files, cache, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.batch import (
    HOOK_ENV,
    BatchOptions,
    SettingsSpec,
    Task,
    file_tasks,
    hook_from_environment,
    iter_files,
    read_file_list,
    read_journal,
    run_batch,
)
from scanner.pipeline import Settings, scan_file
from scanner.progress import Progress
from scanner.types import DocumentResult, Verdict
from tests.builders import plain_notice
from tests.cli_helpers import scan_cli

REPO = Path(__file__).resolve().parents[1]
MARKED = "机密★5年\n关于某项目的通知\n请各单位按要求执行。\n"


def fingerprints(doc: DocumentResult) -> list[str]:
    return sorted(f.fingerprint for f in doc.findings)


def text_files(folder: Path, name: str, count: int, marked: Callable[[int], bool]) -> list[Path]:
    """``count`` small notices named ``name.format(index)``; those ``marked`` says carry a classified mark."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for index in range(count):
        path = folder / name.format(index)
        path.write_text(MARKED if marked(index) else plain_notice(index), encoding="utf-8")
        files.append(path)
    return files


# --- walking --------------------------------------------------------------------------------------


def test_iter_files_include_exclude_and_contract(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "a" / "drafts").mkdir(parents=True)
    (root / "b").mkdir()
    for name in ("a/1.docx", "a/2.txt", "a/drafts/3.docx", "b/4.docx", "b/5.pdf"):
        (root / name).write_text("x", encoding="utf-8")
    (root / "loop").symlink_to(root, target_is_directory=True)
    single = tmp_path / "single.txt"
    single.write_text("x", encoding="utf-8")

    every = [p.relative_to(root).as_posix() for p in iter_files([root])]
    assert every == ["a/1.docx", "a/2.txt", "a/drafts/3.docx", "b/4.docx", "b/5.pdf"]  # sorted, no loop

    docx = [p.relative_to(root).as_posix() for p in iter_files([root], include=["*.docx"], exclude=["drafts"])]
    assert docx == ["a/1.docx", "b/4.docx"]

    # a named file comes first and is yielded once even when also under a directory
    again = list(iter_files([root / "b" / "5.pdf", root, single], exclude=["*.pdf"]))
    assert again[0] == root / "b" / "5.pdf"
    assert [p.name for p in again].count("5.pdf") == 1 and again[-1] == single


def test_read_file_list_from_stdin_and_file(tmp_path: Path) -> None:
    import io

    listing = tmp_path / "list.txt"
    listing.write_text("# comment\n/a/b.docx\n\n  c.pdf  \n", encoding="utf-8")
    assert read_file_list(str(listing)) == [Path("/a/b.docx"), Path("c.pdf")]
    assert read_file_list("-", io.StringIO("x.txt\ny.txt\n")) == [Path("x.txt"), Path("y.txt")]


def test_hook_is_inert_unless_set() -> None:
    assert hook_from_environment({}) == ()
    assert hook_from_environment({HOOK_ENV: "hang:a.txt, crash:b.txt,bogus:c"}) == (("hang", "a.txt"), ("crash", "b.txt"))


# --- isolation ------------------------------------------------------------------------------------


def test_hanging_crashing_and_memory_hungry_files_do_not_stop_the_batch(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HOOK_ENV, "hang:slow.txt,crash:dies.txt,oom:huge.txt,segv:segv.txt")
    files = text_files(tmp_path, "ok{}.txt", 6, lambda index: index == 0)
    for name in ("slow.txt", "dies.txt", "huge.txt", "segv.txt"):
        path = tmp_path / name
        path.write_text(plain_notice(99), encoding="utf-8")
        files.append(path)

    started = time.monotonic()
    outcome = run_batch(file_tasks(files), SettingsSpec(), settings,
                        BatchOptions(jobs=2, timeout=3, max_memory_mb=200), total=len(files))
    assert time.monotonic() - started < 40  # the hanging file was cut off, not waited for

    by_name = {Path(doc.path).name: doc for doc in outcome.result.documents}
    assert sorted(by_name) == sorted(p.name for p in files)
    assert by_name["slow.txt"].verdict is Verdict.REVIEW
    assert by_name["slow.txt"].errors == ("超时 / timed out after 3 s",)
    assert by_name["dies.txt"].verdict is Verdict.REVIEW
    assert by_name["dies.txt"].errors[0].startswith("解析进程崩溃 / worker crashed")
    assert by_name["segv.txt"].errors[0] == "解析进程崩溃 / worker crashed (signal SIGSEGV)"
    assert by_name["huge.txt"].verdict is Verdict.REVIEW
    assert by_name["huge.txt"].errors == ("内存超限 / memory limit exceeded (200 MB)",)
    assert dict(outcome.summary.failures) == {"timeout": 1, "crash": 2, "memory": 1}
    assert outcome.summary.workers_replaced >= 4
    # the healthy files got exactly what an in-process scan gives them
    for path in files[:6]:
        expected = scan_file(path, settings, display_path=str(path))
        assert by_name[path.name].verdict is expected.verdict
        assert fingerprints(by_name[path.name]) == fingerprints(expected)
    assert by_name["ok0.txt"].verdict is Verdict.BLOCK
    # input order, whatever the completion order
    assert [doc.path for doc in outcome.result.documents] == [str(p) for p in files]


def test_a_thousand_files_with_ten_percent_broken(tmp_path: Path, settings: Settings) -> None:
    files = []
    for index in range(1000):
        if index % 10 == 3:
            path = tmp_path / f"f{index:04d}.docx"
            path.write_bytes(b"PK\x03\x04 not really a zip " + os.urandom(64))  # broken
        elif index % 50 == 7:
            path = tmp_path / f"f{index:04d}.txt"
            path.write_text(MARKED, encoding="utf-8")
        else:
            path = tmp_path / f"f{index:04d}.txt"
            path.write_text(plain_notice(index), encoding="utf-8")
        files.append(path)

    outcome = run_batch(file_tasks(iter_files([tmp_path])), SettingsSpec(), settings,
                        BatchOptions(jobs=2, timeout=60), total=len(files))

    documents = outcome.result.documents
    assert [doc.path for doc in documents] == [str(p) for p in files]  # all, once, in order
    broken = [doc for doc in documents if doc.path.endswith(".docx")]
    assert len(broken) == 100
    assert all(doc.verdict is Verdict.REVIEW and doc.errors for doc in broken)
    marked = [doc for doc in documents if doc.path.endswith(("7.txt",)) and int(Path(doc.path).stem[1:]) % 50 == 7]
    assert len(marked) == 20 and all(doc.verdict is Verdict.BLOCK for doc in marked)
    for doc, path in zip(documents, files):
        expected = scan_file(path, settings, display_path=str(path))
        assert (doc.verdict, fingerprints(doc), doc.errors) == (expected.verdict, fingerprints(expected), expected.errors)
    assert outcome.summary.scanned == 1000 and not outcome.summary.failures


# --- cache ----------------------------------------------------------------------------------------


def test_a_fully_cached_run_starts_no_worker(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.batch.pool import WorkerPool

    files = text_files(tmp_path / "site", "f{}.txt", 30, lambda index: index % 7 == 0)
    options = BatchOptions(jobs=2, timeout=60, cache_dir=tmp_path / "cache")
    first = run_batch(file_tasks(files), SettingsSpec(), settings, options)
    assert first.summary.scanned == 30

    def no_workers(self: WorkerPool) -> None:
        raise AssertionError("a worker was started for a fully cached run")

    monkeypatch.setattr(WorkerPool, "_start", no_workers)
    again = run_batch(file_tasks(files), SettingsSpec(), settings, options)
    assert again.summary.cached == 30 and again.summary.scanned == 0
    assert [(d.path, d.verdict, fingerprints(d)) for d in again.result.documents] == [
        (d.path, d.verdict, fingerprints(d)) for d in first.result.documents
    ]


def test_the_summary_names_verdicts_and_categories_as_the_text_report_does(
    tmp_path: Path, settings: Settings
) -> None:
    from scanner.report.common import CATEGORY_LABELS

    files = text_files(tmp_path, "f{}.txt", 4, lambda index: index < 2)
    phone = tmp_path / "phone.txt"
    phone.write_text("联系人：张三，手机 13812345678\n", encoding="utf-8")
    outcome = run_batch(file_tasks([*files, phone]), SettingsSpec(), settings, BatchOptions(jobs=1))
    text = outcome.summary.text()
    lines = text.splitlines()
    verdicts = outcome.summary.verdicts
    assert verdicts["block"] >= 2 and verdicts["pass"] == 2 and sum(verdicts.values()) == 5
    assert lines[1] == f"结论：阻止发布 {verdicts['block']}，需人工审查 {verdicts['review']}，可以发布 2"
    (categories,) = [line for line in lines if line.startswith("发现类别：")]
    named = dict(item.rsplit(" ", 1) for item in categories.removeprefix("发现类别：").split("，"))
    assert named["国家秘密标志"] == str(outcome.summary.categories["classified-marking"]) == "2"
    assert "个人信息" in named
    assert not any(category in text for category in CATEGORY_LABELS)  # no English category id left


def test_second_run_comes_from_the_cache(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    text_files(data, "f{}.txt", 12, lambda index: index % 4 == 0)
    files = list(iter_files([data]))
    options = BatchOptions(jobs=2, timeout=30, cache_dir=tmp_path / "cache")
    first = run_batch(file_tasks(files), SettingsSpec(), settings, options)
    assert first.summary.scanned == 12 and first.summary.cached == 0

    # Every file would crash a worker if it reached one: a clean second run proves none did.
    monkeypatch.setenv(HOOK_ENV, ",".join(f"crash:{p.name}" for p in files))
    second = run_batch(file_tasks(files), SettingsSpec(), settings, options)
    assert second.summary.cached == 12 and second.summary.scanned == 0 and not second.summary.failures
    for old, new in zip(first.result.documents, second.result.documents):
        assert new == old and new.units == old.units

    # one changed file is scanned again; its path is updated, the rest still come from the cache
    monkeypatch.delenv(HOOK_ENV)
    (data / "f1.txt").write_text(MARKED + "（修订稿）\n", encoding="utf-8")  # content no other file has
    moved = tmp_path / "moved.txt"  # the same extension: the same reading, so the same cache entry
    (data / "f2.txt").rename(moved)
    third = run_batch(file_tasks(list(iter_files([data, moved]))), SettingsSpec(), settings, options)
    assert third.summary.scanned == 1 and third.summary.cached == 11
    by_path = {doc.path: doc for doc in third.result.documents}
    assert by_path[str(data / "f1.txt")].verdict is Verdict.BLOCK
    assert str(moved) in by_path



def test_results_carry_text_only_when_asked(tmp_path: Path, settings: Settings) -> None:
    data = tmp_path / "data"
    text_files(data, "f{}.txt", 4, lambda index: index == 0)
    files = list(iter_files([data]))
    options = BatchOptions(jobs=2, timeout=30, cache_dir=tmp_path / "cache")
    lean = run_batch(file_tasks(files), SettingsSpec(keep_text=False), settings, options)
    assert all(not doc.units for doc in lean.result.documents)
    assert lean.result.documents[0].verdict is Verdict.BLOCK and lean.result.documents[0].findings

    # a run that shows the text does not take the text-less results from the cache
    full = run_batch(file_tasks(files), SettingsSpec(), settings, options)
    assert full.summary.scanned == 4 and full.summary.cached == 0
    assert all(doc.units for doc in full.result.documents)
    for without, with_text in zip(lean.result.documents, full.result.documents):
        assert without.findings == with_text.findings and without.verdict is with_text.verdict


# --- kill and resume ------------------------------------------------------------------------------

DRIVER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from scanner.batch import BatchOptions, SettingsSpec, file_tasks, iter_files, run_batch
    from scanner.pipeline import build_settings

    if __name__ == "__main__":
        spec = SettingsSpec()
        run_batch(file_tasks(iter_files([Path({data!r})])), spec, build_settings(spec),
                  BatchOptions(jobs=1, timeout=600, resume=Path({journal!r})))
    """
)


def test_killed_run_resumes_with_every_file_exactly_once(tmp_path: Path, settings: Settings) -> None:
    data = tmp_path / "data"
    text_files(data, "f{:03d}.txt", 100, lambda index: index % 9 == 0)
    journal = tmp_path / "run.jsonl"
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(repo=str(REPO), data=str(data), journal=str(journal)), encoding="utf-8")

    # The run stalls on f060 (test hook), so it is killed with a known part done.
    env = {**os.environ, HOOK_ENV: "hang:f060.txt"}
    process = subprocess.Popen([sys.executable, str(driver)], env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if journal.exists() and journal.read_bytes().count(b"\n") >= 60:
                break
            if process.poll() is not None:
                pytest.fail(f"driver ended early: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            time.sleep(0.2)
        else:
            pytest.fail("the run made no progress")
        time.sleep(0.5)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the driver, its fork server and workers: one group
        process.wait(10)
        process.stderr.close()  # type: ignore[union-attr]
    before = journal.read_bytes().count(b"\n")
    assert before == 60
    with open(journal, "ab") as torn:
        torn.write(b'{"path": "' + str(data / "f061.txt").encode() + b'", "verd')  # killed mid-line

    outcome = run_batch(file_tasks(iter_files([data])), SettingsSpec(), settings,
                        BatchOptions(jobs=2, timeout=60, resume=journal))
    assert outcome.summary.resumed == 60 and outcome.summary.scanned == 40
    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    paths = [line["path"] for line in lines]
    expected = [str(p) for p in sorted(data.iterdir())]
    assert sorted(paths) == expected  # every input exactly once: nothing lost, nothing twice
    assert [doc.path for doc in outcome.result.documents] == expected
    verdicts = {line["path"]: line["verdict"] for line in lines}
    assert verdicts[str(data / "f009.txt")] == "block"
    assert set(read_journal(journal)) == set(expected)


# --- cli ------------------------------------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str]:
    result = scan_cli(*args, catch_exceptions=False)
    return result.exit_code, result.stdout


def test_cli_batch_jsonl_json_and_resume(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "skip").mkdir(parents=True)
    text_files(data, "f{}.txt", 8, lambda index: index == 2)
    (data / "skip" / "x.txt").write_text(MARKED, encoding="utf-8")
    listing = tmp_path / "list.txt"
    listing.write_text(str(data / "f0.txt") + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    common = ["--no-cache", "-j", "2", "--exclude", "skip"]

    code, _ = _cli(str(data), "--format", "jsonl", "-o", str(out), *common)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert code == 1 and len(lines) == 8
    assert {json.loads(line)["path"] for line in lines} == {str(data / f"f{i}.txt") for i in range(8)}

    # drop three results, tear the last line, resume into the same file
    out.write_text("\n".join(lines[:5]) + "\n" + lines[5][:20], encoding="utf-8")
    code, stdout = _cli(str(data), "--format", "jsonl", "--resume", str(out), "-o", str(out), *common)
    resumed = [json.loads(line)["path"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(resumed) == sorted(str(data / f"f{i}.txt") for i in range(8)) and stdout == ""

    code, stdout = _cli("--from-file", str(listing), str(data / "f2.txt"), "--format", "json", *common)
    payload = json.loads(stdout)
    assert [doc["path"] for doc in payload["documents"]] == [str(data / "f0.txt"), str(data / "f2.txt")]
    assert payload["summary"] == {"documents": 2, "pass": 1, "review": 0, "block": 1}
    assert "batch" not in payload  # run statistics go to stderr: the report stays deterministic
    assert code == 1


# --- progress -------------------------------------------------------------------------------------


def test_progress_is_quiet_off_a_terminal_and_counts_on_one() -> None:
    import io

    quiet = io.StringIO()
    bar = Progress(quiet, total=10)
    bar.advance(findings=3, flagged=True)
    bar.close()
    assert quiet.getvalue() == ""

    shown = io.StringIO()
    bar = Progress(shown, total=4, force=True)
    for _ in range(2):
        bar.advance(findings=2, flagged=True)
    bar.close()
    text = shown.getvalue()
    assert "2/4 文件" in text and "发现 4 处" in text and "(2 个文件需处理)" in text and text.endswith("\n")


def test_unscannable_task_is_reported_not_dropped(settings: Settings) -> None:
    outcome = run_batch([Task(key="bad.warc", error="无法读取网页归档 / cannot read web archive bad.warc: x")],
                        SettingsSpec(), settings, BatchOptions(jobs=1))
    (doc,) = outcome.result.documents
    assert doc.verdict is Verdict.REVIEW and doc.errors[0].startswith("无法读取网页归档")


# --- several files a message ------------------------------------------------------------------------


def test_a_hang_among_many_quick_files_fails_that_file_alone(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Quick files travel many to a message: the time limit and the blame must still be per file.
    monkeypatch.setenv(HOOK_ENV, "hang:f025.txt")
    files = text_files(tmp_path, "f{:03d}.txt", 60, lambda index: index % 7 == 0)
    outcome = run_batch(file_tasks(files), SettingsSpec(), settings, BatchOptions(jobs=1, timeout=2), total=len(files))

    assert dict(outcome.summary.failures) == {"timeout": 1}
    assert outcome.summary.scanned == 59
    for doc, path in zip(outcome.result.documents, files, strict=True):
        if path.name == "f025.txt":
            assert doc.errors == ("超时 / timed out after 2 s",) and doc.verdict is Verdict.REVIEW
            continue
        expected = scan_file(path, settings, display_path=str(path))
        assert (doc.verdict, fingerprints(doc), doc.errors) == (expected.verdict, fingerprints(expected), ())


def test_a_worker_lost_between_files_has_its_tasks_sent_again_a_few_times() -> None:
    from collections import deque

    from scanner.batch.messages import Assignment
    from scanner.batch.pool import REQUEUE_LIMIT, WorkerPool, _Sender, _Worker
    from scanner.batch.worker import IDLE, set_slot

    pool = WorkerPool(SettingsSpec(), jobs=1, start_method="fork")
    pool._replace = lambda index, worker: None  # type: ignore[method-assign]  # no processes in this test
    tasks = [Assignment(task_id=n, task=Task(key=f"f{n}.txt", path=f"/nonexistent/f{n}.txt")) for n in range(3)]
    slot = pool._context.RawArray("d", [IDLE, 0.0])
    worker = _Worker(process=None, conn=None, slot=slot, sender=_Sender(None))
    pool.workers = [worker]

    # on a file when it died: that file is blamed, the others go to the next worker
    worker.queue = deque(tasks)
    set_slot(slot, 1, time.monotonic() - 5)
    (failed,) = pool._fail(0, worker, "crash", "died")
    assert failed.task_id == 1 and failed.kind == "crash" and failed.seconds >= 5
    assert [queued.task_id for queued in pool.requeued] == [0, 2] and not worker.queue

    # a result the parent could not unpickle: the file named is blamed, timed from when it was last heard of
    worker.queue, pool.requeued, worker.heard = deque(tasks), [], time.monotonic() - 1
    (failed,) = pool._fail(0, worker, "memory", "too big", blame=2)
    assert failed.task_id == 2 and 1 <= failed.seconds < 60
    assert [queued.task_id for queued in pool.requeued] == [0, 1]

    # between files: nobody to blame, so all are sent again -- but not for ever
    set_slot(slot, IDLE, 0.0)
    for attempt in range(1, REQUEUE_LIMIT + 1):
        worker.queue, pool.requeued = deque(tasks), []
        failed_now = pool._fail(0, worker, "crash", "died")
        if attempt < REQUEUE_LIMIT:
            assert not failed_now and len(pool.requeued) == 3
        else:
            assert [c.task_id for c in failed_now] == [0, 1, 2] and not pool.requeued


def test_depth_follows_file_size() -> None:
    from scanner.batch.pool import MAX_DEPTH, WorkerPool

    pool = WorkerPool(SettingsSpec(), jobs=2)
    pool._seconds = 0.001  # small pages: many in flight, results many to a message
    assert pool.depth == MAX_DEPTH
    pool._seconds = 0.5  # large PDFs: two at a time, so no worker waits behind another's queue at the end
    assert pool.depth == 2
