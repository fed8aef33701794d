"""The cache's stat index (scanner.batch.stamps): an unchanged large file is not read again, and no change
hides behind a recorded stamp -- not a same-size edit with its time put back, not a forged row."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import types
from pathlib import Path

import pytest

from scanner.batch import stamps
from scanner.cache import DB_FILE
from tests.cli_helpers import scan_cli

FILLER = "本次活动面向全体市民开放，免费参加，名额有限，请提前通过官方网站预约报名。\n" * 200  # about 22 KB


def notice(head: str) -> str:
    return f"{head}\n关于举办读书节活动的通知\n{FILLER}"


PUBLIC = notice("一般事项 ")
SECRET = notice("机密★5年")  # the same number of bytes: a change the size does not show
assert len(PUBLIC.encode()) == len(SECRET.encode()) >= stamps.STAMPED_FROM


@pytest.fixture()
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the files the parent read to hash them; the clock is 10 s after the files were written."""
    seen: list[int] = []
    real = stamps._file_sha256

    def counted(fd: int, size: int) -> str:
        seen.append(size)
        return real(fd, size)

    monkeypatch.setattr(stamps, "_file_sha256", counted)
    monkeypatch.setattr(stamps, "time", types.SimpleNamespace(time_ns=lambda: time.time_ns() + 10**10))
    return seen


def run(site: Path, *args: str) -> tuple[int, dict[str, str], str]:
    outcome = scan_cli(site, "-j", "1", "--format", "jsonl", "--cache-dir", site.parent / "cache", *args)
    assert outcome.exit_code in (0, 1), outcome.output
    verdicts = {Path(doc["path"]).name: doc["verdict"] for doc in map(json.loads, outcome.stdout.splitlines())}
    return outcome.exit_code, verdicts, outcome.stderr


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "large.txt").write_text(PUBLIC, encoding="utf-8")
    (site / "small.txt").write_text("关于开展植树活动的通知\n请各单位按时参加。\n", encoding="utf-8")
    return site


def test_an_unchanged_large_file_is_not_read_again_and_a_small_one_is(site: Path, reads: list[int]) -> None:
    _, first, _ = run(site)
    assert sorted(reads) == sorted(os.path.getsize(path) for path in site.iterdir())
    reads.clear()
    code, again, stderr = run(site)
    assert again == first and code == 0 and "缓存 2" in stderr
    assert reads == [os.path.getsize(site / "small.txt")]  # the large file's hash came from its stamp
    with sqlite3.connect(site.parent / "cache" / DB_FILE) as db:
        assert [Path(os.fsdecode(row[0])).name for row in db.execute("SELECT path FROM files")] == ["large.txt"]


def test_a_same_size_change_with_its_time_put_back_is_read_and_judged(site: Path, reads: list[int]) -> None:
    large = site / "large.txt"
    _, first, _ = run(site)
    assert first["large.txt"] == "pass"
    before = os.stat(large)
    large.write_text(SECRET, encoding="utf-8")
    os.utime(large, ns=(before.st_atime_ns, before.st_mtime_ns))  # touch -d: size and mtime as they were
    after = os.stat(large)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    reads.clear()
    code, again, _ = run(site)
    assert again["large.txt"] == "block" and code == 1  # the status-change time gave it away
    assert after.st_size in reads


def test_a_replaced_file_is_read_again(site: Path, reads: list[int]) -> None:
    run(site)
    large = site / "large.txt"
    before = os.stat(large)
    copy = site.parent / "copy.txt"
    copy.write_text(SECRET, encoding="utf-8")
    os.utime(copy, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(copy, large)  # mv over it: another inode with the old size and time
    reads.clear()
    _, again, _ = run(site)
    assert again["large.txt"] == "block" and before.st_size in reads


def test_rehash_reads_every_file(site: Path, reads: list[int]) -> None:
    run(site)
    reads.clear()
    _, _, stderr = run(site, "--rehash")
    assert len(reads) == 2 and "缓存 2" in stderr


def test_a_file_hashed_within_its_clocks_tick_is_not_recorded(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # hashed a second after it was written: a write later in the same tick of a coarse clock would keep
    # its times, so no stamp is kept
    written = os.stat(site / "large.txt").st_ctime_ns
    monkeypatch.setattr(stamps, "time", types.SimpleNamespace(time_ns=lambda: written + 10**9))
    run(site)
    with sqlite3.connect(site.parent / "cache" / DB_FILE) as db:
        assert db.execute("SELECT count(*) FROM files").fetchone() == (0,)


def test_a_forged_row_does_not_lend_a_secret_file_a_public_hash(site: Path, reads: list[int]) -> None:
    import hashlib

    (site / "secret.txt").write_text(SECRET, encoding="utf-8")
    _, first, _ = run(site)
    assert first["secret.txt"] == "block"
    public_hash = hashlib.sha256(PUBLIC.encode()).hexdigest()
    with sqlite3.connect(site.parent / "cache" / DB_FILE) as db:
        (name,) = [row[0] for row in db.execute("SELECT path FROM files") if row[0].endswith(b"secret.txt")]
        db.execute("UPDATE files SET sha256 = ? WHERE path = ?", (public_hash, name))  # the HMAC is not ours to make
    reads.clear()
    code, again, stderr = run(site)
    assert again["secret.txt"] == "block" and code == 1
    assert "校验失败而重新扫描的条目 1 个" in stderr and len(SECRET.encode()) in reads
