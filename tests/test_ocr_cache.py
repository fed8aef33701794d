"""OCR readings kept across runs (scanner/ocr_cache.py): reused, sealed, keyed by engine and settings, bounded.

A fake engine counts its calls, as tests/test_ocr.py injects one; each
"run" is a new reader with a new store on the same directory, as a new
process has.  One batch test runs the real engine once.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import zlib
from pathlib import Path

import pytest

from scanner.ocr import OcrReader
from scanner.ocr_cache import DB_FILE, OcrStore
from scanner.pipeline import build_settings, scan_bytes
from scanner.types import ImageRef, Verdict
from tests.test_ocr import FONT, _docx, render

pytestmark = pytest.mark.skipif(not FONT, reason="no CJK font (fonts-noto-cjk, installed by .ci/run) to render scans")


class CountingEngine:
    """Reads every picture as one line of 内部资料; counts the pictures it was given."""

    def __init__(self, identity: str = "fake-engine-1") -> None:
        self.identity = identity
        self.calls = 0

    def __call__(self, pixels):  # type: ignore[no-untyped-def]
        self.calls += 1
        return [("内部资料", [(10, 10), (170, 10), (170, 50), (10, 50)], 0.97)]


def _settings(engine: CountingEngine, directory: Path | None, **reader: object):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    store = OcrStore(directory=directory) if directory is not None else None
    return replace(build_settings(), ocr=OcrReader(engine=engine, store=store, **reader))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def picture() -> bytes:
    return render(["内部资料"], size=(400, 200), top=40)


def test_a_second_run_on_another_document_with_the_same_picture_does_not_call_the_engine(tmp_path, picture):
    first_engine = CountingEngine()
    first = scan_bytes(picture, "通知.png", _settings(first_engine, tmp_path))
    assert first_engine.calls == 1 and first.verdict is Verdict.BLOCK
    # another run (a new reader and store, as a new process has) on a docx holding the same picture
    second_engine = CountingEngine()
    settings = _settings(second_engine, tmp_path)
    second = scan_bytes(_docx(picture, text="关于举办培训班的通知。"), "培训.docx", settings)
    assert second_engine.calls == 0
    assert settings.ocr.store.hits == 1
    warning = next(finding for finding in second.findings if finding.rule == "IM001")
    assert warning.location.part == "ocr" and warning.location.source.startswith("word/media/")
    assert second.verdict is Verdict.BLOCK
    # the kept reading is placed like a fresh one: same text, same box in the picture's pixels
    fresh = scan_bytes(_docx(picture, text="关于举办培训班的通知。"), "培训.docx", _settings(CountingEngine(), None))
    assert [(f.rule, f.text, f.location.box) for f in second.findings] == [
        (f.rule, f.text, f.location.box) for f in fresh.findings
    ]


def test_a_store_is_private_and_a_tampered_entry_is_read_again(tmp_path, picture):
    scan_bytes(picture, "a.png", _settings(CountingEngine(), tmp_path))
    assert stat.S_IMODE(os.stat(tmp_path).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / DB_FILE).st_mode) == 0o600
    with sqlite3.connect(tmp_path / DB_FILE) as db:
        (key, blob), = db.execute("SELECT key, reading FROM readings").fetchall()
        data = json.loads(zlib.decompress(blob))
        assert data["reading"]["lines"][0][0] == "内部资料"
        data["reading"]["lines"] = []  # someone makes the picture read as empty
        db.execute("UPDATE readings SET reading = ? WHERE key = ?", (zlib.compress(json.dumps(data).encode()), key))
    engine = CountingEngine()
    settings = _settings(engine, tmp_path)
    result = scan_bytes(picture, "a.png", settings)
    assert engine.calls == 1 and settings.ocr.store.rejected == 1  # the forged entry is not believed
    assert result.verdict is Verdict.BLOCK
    # the engine's reading replaced it: the next run believes the store again
    again = CountingEngine()
    scan_bytes(picture, "a.png", _settings(again, tmp_path))
    assert again.calls == 0


def test_another_model_or_setting_never_sees_an_old_reading(tmp_path, picture):
    scan_bytes(picture, "a.png", _settings(CountingEngine("model-a"), tmp_path))
    other_model = CountingEngine("model-b")
    scan_bytes(picture, "a.png", _settings(other_model, tmp_path))
    assert other_model.calls == 1
    other_floor = CountingEngine("model-a")
    scan_bytes(picture, "a.png", _settings(other_floor, tmp_path, min_confidence=0.8))
    assert other_floor.calls == 1
    same = CountingEngine("model-a")
    scan_bytes(picture, "a.png", _settings(same, tmp_path))
    assert same.calls == 0
    # an engine that does not say what it is keeps nothing across runs
    anonymous = CountingEngine("")
    reader = OcrReader(engine=anonymous, store=OcrStore(directory=tmp_path / "anon"))
    reader.read(ImageRef(name="a.png", data=picture))
    assert anonymous.calls == 1 and not (tmp_path / "anon" / DB_FILE).exists()


def test_an_engine_failure_is_not_kept(tmp_path, picture):
    class Failing(CountingEngine):
        def __call__(self, pixels):  # type: ignore[no-untyped-def]
            self.calls += 1
            raise RuntimeError("out of memory")

    failing = Failing()
    reading = OcrReader(engine=failing, store=OcrStore(directory=tmp_path)).read(ImageRef(name="a.png", data=picture))
    assert "文字识别失败" in reading.problem
    engine = CountingEngine()
    assert OcrReader(engine=engine, store=OcrStore(directory=tmp_path)).read(ImageRef(name="a.png", data=picture)).lines
    assert engine.calls == 1


def test_the_store_is_bounded_and_a_damaged_one_costs_only_a_reading(tmp_path):
    store = OcrStore(directory=tmp_path, max_entries=3)
    for number in range(7):
        store.put(f"{number:064x}", "id", {"problem": "", "seconds": 0.1, "lines": []}, (10, 10))
    with sqlite3.connect(tmp_path / DB_FILE) as db:
        assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == 3
    assert store.get(f"{6:064x}", "id") is not None and store.get(f"{0:064x}", "id") is None
    store.close()
    (tmp_path / DB_FILE).write_bytes(b"not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (tmp_path / (DB_FILE + suffix)).unlink(missing_ok=True)
    fresh = OcrStore(directory=tmp_path)
    assert fresh.get(f"{6:064x}", "id") is None and not fresh.off  # set aside: an empty store, working
    fresh.put("ab" * 32, "id", {"problem": "", "seconds": 0.1, "lines": []}, (10, 10))
    assert fresh.get("ab" * 32, "id") is not None


def test_a_batch_keeps_its_readings_beside_the_results_unless_no_cache(tmp_path, picture):
    from click.testing import CliRunner

    from cli import main

    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "a.png").write_bytes(picture)
    (folder / "b.txt").write_text("关于举办培训班的通知。\n", encoding="utf-8")
    cache = tmp_path / "cache"
    out = CliRunner().invoke(main, [str(folder), "--format", "jsonl", "--cache-dir", str(cache), "-j", "1",
                                    "--exit-zero"])
    assert out.exit_code == 0, out.output
    with sqlite3.connect(cache / DB_FILE) as db:
        assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == 1
    bare = tmp_path / "bare"
    out = CliRunner().invoke(main, [str(folder), "--format", "jsonl", "--cache-dir", str(bare), "--no-cache",
                                    "-j", "1", "--exit-zero"])
    assert out.exit_code == 0, out.output
    assert not (bare / DB_FILE).exists()


def test_a_run_whose_pictures_are_all_kept_never_loads_the_engine(tmp_path, picture):
    import subprocess
    import sys

    path = tmp_path / "a.png"
    path.write_bytes(picture)
    code = (
        "import sys; from pathlib import Path; from scanner.pipeline import build_settings, scan_file;"
        f"r = scan_file(Path({str(path)!r}), build_settings(ocr_cache={str(tmp_path / 'store')!r}));"
        "print(r.verdict.value, sorted(m for m in ('rapidocr', 'onnxruntime') if m in sys.modules))"
    )

    def run() -> list[str]:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).resolve().parents[1])
        return done.stdout.strip().split(maxsplit=1)

    verdict, modules = run()  # the real engine reads it and the reading is kept
    assert verdict == "block" and "rapidocr" in modules
    assert run() == ["block", "[]"]  # kept: neither the engine nor its runtime is imported
