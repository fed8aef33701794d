"""#22 "Done when": the JSON report of a batch does not depend on how the batch got its results.

One batch with about 10 % hostile files (bombs from ``fuzz/bombs.py`` at a
small scale, corrupt, truncated and encrypted files, lone surrogates, an
archive nested deeper than the bound) is scanned uncached, then filling and
then served by a cache, with ``--jobs 1`` and ``--jobs 2``, and interrupted
(the process killed after some files) then ``--resume``d: every report must be
the same bytes.  The test runs 300 files; ``python bench/bench_batch.py
--identical 2000`` runs the same check on 2,000 and prints the times.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from fuzz import bombs
from fuzz.bombs import zip_bytes
from tests import builders

ROOT = Path(__file__).resolve().parents[1]
HOSTILE_SCALE = 0.002  # the bombs' size in the issue times this: each still takes its bounded path


def _encrypted_zip(index: int) -> bytes:
    data = bytearray(zip_bytes({"secret.docx": b"x" * 100, "open.txt": f"公开材料{index}".encode()}))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # the encryption bit in both headers
        start = data.find(signature)
        data[start + flag_at] |= 0x01
    return bytes(data)


def _deep_zip(index: int, depth: int = 8) -> bytes:
    data = f"机密★1年\n第{index}层最里面的通知\n".encode()
    name = "inner.txt"
    for level in range(depth):  # deeper than the container bound (5 levels)
        data, name = zip_bytes({name: data}), f"level{level}.zip"
    return data


def _hostile(folder: Path, index: int) -> Path:
    """The ``index``-th hostile input (cycling through the kinds), in its own folder."""
    folder.mkdir(parents=True)
    kind = index % 14
    builders_by_kind: list[Callable[[Path, float], Path]] = [
        bombs.lying_docx, bombs.phone_numbers, bombs.tiny_blocks, bombs.repeated_sheets,
        bombs.repeated_slides, bombs.repeated_pages, bombs.utf7_page, bombs.surrogate_text,
    ]
    if kind < len(builders_by_kind):
        return builders_by_kind[kind](folder, HOSTILE_SCALE)
    if kind == 8:
        path = folder / "truncated.docx"
        builders.make_docx(path, [f"关于第{index}号工作的通知", "内部资料 注意保存", "正文。" * 50])
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return path
    if kind == 9:
        path = folder / "corrupt.pdf"
        path.write_bytes(b"%PDF-1.7\n1 0 obj<<>>\nendobj\ntrailer<</Root 9 0 R>>\n%%EOF" + bytes([index % 256]))
        return path
    if kind == 10:
        path = folder / "encrypted.zip"
        path.write_bytes(_encrypted_zip(index))
        return path
    if kind == 11:
        path = folder / "deep.zip"
        path.write_bytes(_deep_zip(index))
        return path
    if kind == 12:
        path = folder / "encrypted.pdf"
        builders.make_pdf(path, [[f"关于第{index}号工作的通知", "正文。"]], encrypt="secret")
        return path
    path = folder / "garbage.docx"
    path.write_bytes(b"PK\x03\x04" + random.Random(index).randbytes(600))
    return path


def make_mixed_batch(root: Path, total: int, *, hostile_every: int = 10) -> list[Path]:
    """``total`` files under ``root``: one in ``hostile_every`` hostile, the rest ordinary, some flagged."""
    rng = random.Random(total)
    root.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    for index in range(total):
        if index % hostile_every == hostile_every - 1:
            made.append(_hostile(root / f"h{index:05d}", index // hostile_every))
            continue
        kind = index % 5
        mark = "机密★1年\n" if index % 23 == 0 else ""
        phone = f"联系电话 1381234{index:04d}\n" if index % 17 == 0 else ""
        if kind < 3:
            path = root / f"n{index:05d}.txt"
            path.write_text(f"{mark}关于第{index}届读书节的通知\n{phone}欢迎市民参加，活动免费。\n", encoding="utf-8")
        elif kind == 3:
            path = root / f"p{index:05d}.html"
            body = f"<p>{mark}</p><p>关于第{index}号事项的通知</p><p>{phone}请各单位按时参加。</p>"
            builders.make_html(path, body, title=f"通知{index}")
        else:
            path = root / f"d{index:05d}.docx"
            builders.make_docx(path, [f"关于第{index}号工作的通知", phone or "正文。"],
                               header="内部资料 注意保存" if rng.random() < 0.1 else None)
        made.append(path)
    return made


def scan_command(*options: str) -> list[str]:
    return [sys.executable, "-c", "import cli; cli.secscan(prog_name='secscan')", "scan", *options]


def report(site: Path, *options: str, env: dict[str, str]) -> bytes:
    """The ``--format json`` report of ``scan site`` with ``options`` (exit 1: the batch holds flagged files)."""
    done = subprocess.run(scan_command(str(site), "--format", "json", *options), capture_output=True, env=env,
                          cwd=ROOT, timeout=900, check=False)
    assert done.returncode == 1, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout


def interrupted(site: Path, journal: Path, *, after: int, env: dict[str, str]) -> int:
    """Start ``scan --resume journal`` and kill it (SIGKILL) once ``after`` results are journalled.

    Returns how many journal lines there were when it was killed.
    """
    command = scan_command(str(site), "--format", "json", "-o", os.devnull, "--no-cache", "-j", "2",
                           "--resume", str(journal))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and process.poll() is None:
            if journal.exists() and journal.read_bytes().count(b"\n") >= after:
                break
            time.sleep(0.01)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the scan and its workers, as a power cut would
        process.wait(30)
    return journal.read_bytes().count(b"\n") if journal.exists() else 0


def check_identical(site: Path, work: Path, total: int, *, timings: dict[str, float] | None = None) -> bytes:
    """Scan ``site`` every way and assert the reports are byte-identical; returns the reference report."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(work / "xdg")}

    def timed(name: str, *options: str) -> bytes:
        started = time.perf_counter()
        out = report(site, *options, env=env)
        if timings is not None:
            timings[name] = time.perf_counter() - started
        return out

    reference = timed("uncached --jobs 1", "--no-cache", "-j", "1")
    assert timed("uncached --jobs 2", "--no-cache", "-j", "2") == reference
    cache = str(work / "cache")
    assert timed("cache filled --jobs 2", "--cache-dir", cache, "-j", "2") == reference
    assert timed("cached --jobs 2", "--cache-dir", cache, "-j", "2") == reference
    assert timed("cached --jobs 1", "--cache-dir", cache, "-j", "1") == reference
    journal = work / "run.jsonl"
    killed_at = interrupted(site, journal, after=total // 3, env=env)
    assert 0 < killed_at < total, killed_at  # really cut off part way
    assert timed("resumed --jobs 2", "--no-cache", "-j", "2", "--resume", str(journal)) == reference
    assert timed("resumed again (all journalled)", "--no-cache", "-j", "1", "--resume", str(journal)) == reference
    return reference


def test_a_batch_with_hostile_files_gives_byte_identical_json_however_it_is_run(tmp_path: Path) -> None:
    total = 300
    site = tmp_path / "site"
    make_mixed_batch(site, total)
    reference = check_identical(site, tmp_path, total)
    documents = json.loads(reference)["documents"]
    assert len(documents) == total
    verdicts = {str(Path(doc["path"]).relative_to(site)): doc["verdict"] for doc in documents}
    hostile = {name: verdict for name, verdict in verdicts.items() if name.startswith("h")}
    assert len(hostile) == total // 10
    # what cannot be read completely fails closed; the small bombs keep their true verdicts
    unreadable = ("truncated.docx", "corrupt.pdf", "encrypted.zip", "deep.zip", "encrypted.pdf", "garbage.docx")
    assert {verdicts[name] for name in hostile if name.endswith(unreadable)} == {"review"}, hostile
    assert sum(name.endswith(unreadable) for name in hostile) == 12
    assert all("Traceback" not in str(doc) for doc in documents)
    assert verdicts["n00000.txt"] == "block"  # the plain files still carry their own verdicts
    assert verdicts["n00001.txt"] == "pass"
