"""``--resume``: the journal is keyed by resolved path and content hash (issue #22 item 4)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanner.batch import BatchOptions, SettingsSpec, Task, file_tasks, iter_files, run_batch
from scanner.batch.journal import Journal, jsonl_line, read_journal
from scanner.pipeline import Settings, scan_file
from scanner.types import Verdict
from tests.builders import plain_notice

MARKED = "机密★1年\n关于某项目的通知\n请各单位按要求执行。\n"


def make_site(folder: Path, count: int = 6) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for index in range(count):
        path = folder / f"f{index}.txt"
        path.write_text(plain_notice(index), encoding="utf-8")
        files.append(path)
    return files


def journal_lines(journal: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]


def run(paths: list[Path], settings: Settings, journal: Path):  # type: ignore[no-untyped-def]
    return run_batch(file_tasks(iter_files(paths)), SettingsSpec(), settings,
                     BatchOptions(jobs=1, timeout=60, resume=journal))


def test_the_same_files_spelled_relative_then_absolute_are_scanned_once(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = make_site(tmp_path / "site")
    journal = tmp_path / "run.jsonl"
    monkeypatch.chdir(tmp_path)
    first = run([Path("site")], settings, journal)
    assert first.summary.scanned == 6 and first.summary.resumed == 0
    assert [doc.path for doc in first.result.documents] == [f"site/f{i}.txt" for i in range(6)]

    # the same command spelled absolute, and once more naming each file through a symbolic link
    (tmp_path / "link").symlink_to(tmp_path / "site", target_is_directory=True)
    for spelling in (tmp_path / "site", Path("link")):
        names = [spelling] if spelling.is_absolute() else [spelling / f"f{i}.txt" for i in range(6)]
        again = run(names, settings, journal)
        assert again.summary.scanned == 0 and again.summary.resumed == 6, spelling
        # reported under this run's spelling of each name
        assert [doc.path for doc in again.result.documents] == [str(spelling / f"f{i}.txt") for i in range(6)]
    lines = journal_lines(journal)
    assert len(lines) == 6  # journalled once, not once per spelling
    assert {line["input"]["path"] for line in lines} == {os.path.realpath(p) for p in files}  # type: ignore[index]


def test_a_file_changed_since_the_interrupted_run_is_scanned_again(tmp_path: Path, settings: Settings) -> None:
    files = make_site(tmp_path / "site")
    journal = tmp_path / "run.jsonl"
    first = run([tmp_path / "site"], settings, journal)
    assert all(doc.verdict is Verdict.PASS for doc in first.result.documents)

    files[3].write_text(MARKED, encoding="utf-8")  # now carries a classified mark
    again = run([tmp_path / "site"], settings, journal)
    assert again.summary.resumed == 5 and again.summary.scanned == 1
    by_name = {Path(doc.path).name: doc for doc in again.result.documents}
    assert by_name["f3.txt"].verdict is Verdict.BLOCK  # not the old pass
    expected = scan_file(files[3], settings, display_path=str(files[3]))
    assert [f.fingerprint for f in by_name["f3.txt"].findings] == [f.fingerprint for f in expected.findings]

    # the journal holds every input once, the changed one with its new result
    lines = journal_lines(journal)
    assert sorted(str(line["path"]) for line in lines) == sorted(str(p) for p in files)
    assert {Path(str(line["path"])).name: line["verdict"] for line in lines}["f3.txt"] == "block"
    # and a third run has nothing left to do
    third = run([tmp_path / "site"], settings, journal)
    assert third.summary.resumed == 6 and third.summary.scanned == 0
    assert {Path(d.path).name: d.verdict for d in third.result.documents}["f3.txt"] is Verdict.BLOCK


def test_a_journal_line_without_its_input_key_is_keyed_by_path_and_document_hash(
    tmp_path: Path, settings: Settings
) -> None:
    files = make_site(tmp_path / "site", count=3)
    journal = tmp_path / "old.jsonl"
    # a jsonl report of an earlier version: no "input" key
    journal.write_text("".join(jsonl_line(scan_file(p, settings, display_path=str(p))) for p in files),
                       encoding="utf-8")
    files[0].write_text(MARKED, encoding="utf-8")
    outcome = run([tmp_path / "site"], settings, journal)
    assert outcome.summary.resumed == 2 and outcome.summary.scanned == 1
    assert outcome.result.documents[0].verdict is Verdict.BLOCK
    assert len(journal_lines(journal)) == 3


def test_an_unreadable_input_is_journalled_with_no_hash_and_the_journal_reads_back(
    tmp_path: Path, settings: Settings
) -> None:
    journal = tmp_path / "run.jsonl"
    missing = Task(key=str(tmp_path / "gone.txt"), path=str(tmp_path / "gone.txt"))
    outcome = run_batch([missing], SettingsSpec(), settings, BatchOptions(jobs=1, resume=journal))
    assert outcome.result.documents[0].verdict is Verdict.REVIEW
    (line,) = journal_lines(journal)
    assert line["input"] == {"path": str(tmp_path / "gone.txt"), "sha256": ""}
    assert list(read_journal(journal)) == [str(tmp_path / "gone.txt")]
    # still unreadable: resumed, not scanned again
    again = run_batch([missing], SettingsSpec(), settings, BatchOptions(jobs=1, resume=journal))
    assert again.summary.resumed == 1
    # readable now: its bytes have a hash the journal does not know, so it is scanned
    (tmp_path / "gone.txt").write_text(MARKED, encoding="utf-8")
    third = run_batch([missing], SettingsSpec(), settings, BatchOptions(jobs=1, resume=journal))
    assert third.summary.scanned == 1 and third.result.documents[0].verdict is Verdict.BLOCK
    assert len(journal_lines(journal)) == 1


def test_journal_compaction_keeps_the_last_line_of_each_input(tmp_path: Path, settings: Settings) -> None:
    from scanner.batch.journal import InputKey

    path = tmp_path / "a.txt"
    path.write_text(plain_notice(1), encoding="utf-8")
    doc = scan_file(path, settings, display_path=str(path))
    journal = Journal(tmp_path / "j.jsonl")
    journal.write(doc, InputKey(path="/x/a.txt", sha256="1" * 64))
    journal.write(doc, InputKey(path="/x/b.txt", sha256="2" * 64))
    journal.write(doc, InputKey(path="/x/a.txt", sha256="3" * 64))
    journal.close()
    lines = journal_lines(tmp_path / "j.jsonl")
    assert [line["input"] for line in lines] == [
        {"path": "/x/b.txt", "sha256": "2" * 64}, {"path": "/x/a.txt", "sha256": "3" * 64}
    ]
    again = Journal(tmp_path / "j.jsonl", append=False)
    assert again.lookup(InputKey(path="/x/a.txt", sha256="3" * 64)) is not None
    assert again.lookup(InputKey(path="/x/a.txt", sha256="1" * 64)) is None


def test_the_journal_is_private_whatever_the_umask(tmp_path: Path, settings: Settings) -> None:
    """It quotes what the findings found, like the cache: 0600, a folder it makes 0700, compacted copy too."""
    import stat

    from scanner.batch.journal import InputKey

    def mode(path: Path) -> int:
        return stat.S_IMODE(os.stat(path).st_mode)

    path = tmp_path / "a.txt"
    path.write_text(MARKED, encoding="utf-8")
    doc = scan_file(path, settings, display_path=str(path))
    where = tmp_path / "runs" / "today" / "j.jsonl"
    previous = os.umask(0)
    try:
        journal = Journal(where)
        journal.write(doc, InputKey(path="/x/a.txt", sha256="1" * 64))
        journal.write(doc, InputKey(path="/x/a.txt", sha256="2" * 64))
        assert mode(where) == 0o600
        assert mode(where.parent) == 0o700 and mode(where.parent.parent) == 0o700
        journal.close()  # compacted: the rewritten file replaced the journal
        assert len(journal_lines(where)) == 1 and mode(where) == 0o600
        # a journal left world-readable (an older version, another tool) is tightened when continued
        os.chmod(where, 0o644)
        Journal(where).close()
        assert mode(where) == 0o600
        # an existing folder is the user's: left as it is
        os.chmod(where.parent, 0o755)
        Journal(where).close()
        assert mode(where.parent) == 0o755
    finally:
        os.umask(previous)


def test_cli_resume_into_the_report_holds_each_input_once_after_a_change(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import main

    files = make_site(tmp_path / "site", count=4)
    out = tmp_path / "out.jsonl"
    args = [str(tmp_path / "site"), "--format", "jsonl", "--resume", str(out), "-o", str(out), "--no-cache",
            "-j", "1"]
    assert CliRunner().invoke(main, args).exit_code == 0
    files[1].write_text(MARKED, encoding="utf-8")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1  # the changed file now blocks
    lines = journal_lines(out)
    assert sorted(str(line["path"]) for line in lines) == sorted(str(p) for p in files)
    assert {Path(str(line["path"])).name: line["verdict"] for line in lines} == {
        "f0.txt": "pass", "f1.txt": "block", "f2.txt": "pass", "f3.txt": "pass"
    }


def test_resumed_cached_and_parallel_runs_give_byte_identical_json(tmp_path: Path) -> None:
    """#22's promise: the report does not depend on how the batch got its results."""
    from click.testing import CliRunner

    from cli import main
    from tests import builders

    site = tmp_path / "site"
    site.mkdir()
    for index in range(24):
        mark = "机密★1年\n" if index % 7 == 0 else ""
        (site / f"n{index:02d}.txt").write_text(f"{mark}关于第{index}届读书节的通知\n联系电话 13812345{index:03d}\n",
                                              encoding="utf-8")
    for index in range(3):
        builders.make_docx(site / f"d{index}.docx", [f"关于第{index}号工作的通知", "正文。"],
                           header="内部资料 注意保存" if index == 0 else None)
    # hostile and broken inputs: each must come out the same way every time
    (site / "bad.docx").write_bytes(b"PK\x03\x04garbage" * 10)
    (site / "bad.pdf").write_bytes(b"%PDF-1.7\n1 0 obj<<>>\nendobj\ntrailer<</Root 9 0 R>>\n%%EOF")
    (site / "empty.txt").write_bytes(b"")
    (site / "bin.dat").write_bytes(bytes(range(256)) * 8)

    def report(*options: str) -> bytes:
        result = CliRunner().invoke(main, [str(site), "--format", "json", *options])
        assert result.exit_code == 1, result.output
        return result.stdout_bytes

    reference = report("--no-cache", "-j", "1")
    assert report("--no-cache", "-j", "2") == reference
    cache = str(tmp_path / "cache")
    assert report("--cache-dir", cache, "-j", "2") == reference  # fills the cache
    assert report("--cache-dir", cache, "-j", "2") == reference  # every result from it
    journal = tmp_path / "run.jsonl"
    assert report("--no-cache", "-j", "2", "--resume", str(journal)) == reference
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    journal.write_text("".join(lines[:12]) + lines[12][:30], encoding="utf-8")  # interrupted, mid-line
    assert report("--no-cache", "-j", "2", "--resume", str(journal)) == reference
    documents = json.loads(reference)["documents"]
    verdicts = {Path(doc["path"]).name: doc["verdict"] for doc in documents}
    assert len(documents) == 31 and verdicts["n00.txt"] == "block" and verdicts["bad.docx"] == "review"
    assert verdicts["empty.txt"] != "block" and verdicts["bad.pdf"] == "review"
