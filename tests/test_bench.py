"""The benchmark scripts still run against the scanner as it is now.

They reach into the scanner (the Matcher's keys, the model, the pipeline's
steps one by one), so a change there could leave ``bench/`` broken until
someone next measures.  These tests run their measuring functions on a few
small inputs and check what they return; nothing here is timed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests import builders

BENCH = Path(__file__).resolve().parents[1] / "bench"
TEXTS = [
    "关于做好2024年度工作的通知\n各区人民政府：\n现将有关事项通知如下。联系电话：010-12345678。",
    "机密★1年\n关于某项目的请示\n领导批示：请办公室牵头研究。",
    "Plain ASCII text with no Chinese at all, and a MAC 00-1a-2b-3c-4d-5e.",
    "𠀀 beyond the Basic Multilingual Plane, 内部资料 注意保存",
]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}_under_test", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pipeline_bench() -> ModuleType:
    return _load("bench_pipeline")


def test_raw_matchers_run_and_the_two_libraries_count_alike(pipeline_bench, settings) -> None:
    raw = pipeline_bench.raw_matchers(settings)
    assert "pyahocorasick" in raw
    for text in TEXTS:
        counts = {name: count(text) for name, count in raw.items()}
        # Overlapping matches of the same keys: the library's str search and
        # pyahocorasick find the same number (the byte searches may add
        # matches across character boundaries, which the Matcher drops).
        if "ahocorasick-rs" in counts:
            assert counts["ahocorasick-rs"] == counts["pyahocorasick"], (text, counts)
        assert all(isinstance(value, int) and value >= 0 for value in counts.values())
    assert raw["pyahocorasick"](TEXTS[1]) > 0  # 机密 is a marking trigger the Matcher looks for


def test_compiled_floor_and_stage_breakdown_run(pipeline_bench, settings) -> None:
    data = [text.encode() for text in TEXTS]
    pipeline_bench.compiled_floor(data, settings)
    totals = pipeline_bench.stage_breakdown(data, settings)
    assert set(totals) == {"extract", "normalise", "markings", "match", "model", "decide+json"}
    assert all(seconds >= 0 for seconds in totals.values())
    pipeline_bench.scan_plain(data, settings)


def test_per_kind_prints_each_kind_of_a_small_site(tmp_path, settings, capsys) -> None:
    batch_bench = _load("bench_batch")
    builders.make_html(tmp_path / "page.html", "<p>关于做好工作的通知</p><p>联系电话：010-12345678</p>", title="通知")
    builders.make_docx(tmp_path / "file.docx", ["关于做好工作的通知", "正文内容。"])
    builders.make_pdf(tmp_path / "file.pdf", [["关于做好工作的通知", "正文内容。"]])
    files = sorted(tmp_path.iterdir())
    batch_bench.per_kind(files, settings, runs=1, sample=2)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("per file, one process")
    rows = {line.split()[0]: line for line in printed[1:]}
    assert set(rows) == {".docx", ".html", ".pdf"}
    for row in rows.values():
        assert "1 files" in row and "µs a file" in row and "extraction alone" in row


def test_cached_reruns_times_the_scan_command_and_prints_the_ratio(tmp_path, capsys) -> None:
    batch_bench = _load("bench_batch")
    batch_bench.generate_tiny(tmp_path / "tiny", 20)
    batch_bench.cached_reruns(tmp_path / "tiny", tmp_path / "work", runs=1, jobs=2)
    printed = capsys.readouterr().out.splitlines()
    assert "empty cache" in printed[0] and "扫描 20，缓存 0" in printed[0]
    assert "cached re-run" in printed[1] and "扫描 0，缓存 20" in printed[1]
    assert printed[2].startswith("20 files, median of 1: first run") and "ratio" in printed[2]


def test_site_bench_builds_every_kind_and_projects_from_what_it_measured(tmp_path, settings, capsys) -> None:
    from scanner.extract import extract_bytes

    site_bench = _load("bench_site")
    site = site_bench.generate(tmp_path / "site", 0.05)
    kinds = {item.kind for item in site}
    assert {"html", "docx", "doc", "xlsx", "xls", "pdf", "zip"} <= kinds
    formats = {"html": "html", "docx": "docx", "doc": "doc", "xlsx": "xlsx", "xls": "xls", "pdf": "pdf", "zip": "zip",
               "scan": "pdf"}
    for item in site:
        extraction = extract_bytes(item.path.read_bytes(), str(item.path))
        assert extraction.format == formats[item.kind], item
        assert item.pages >= 1
    sheets = [item for item in site if item.kind in ("xlsx", "xls")]
    assert all(item.pages >= 2000 // site_bench.ROWS_PER_PAGE for item in sheets)  # thousands of rows
    assert [item.pages for item in site if item.kind == "doc"] == [20]
    if "scan" in kinds:  # a CJK font was found to draw the scans
        scans = [extract_bytes(item.path.read_bytes(), "s.pdf") for item in site if item.kind == "scan"]
        assert all(not [unit for unit in scan.units if unit.part == "body"] and scan.images for scan in scans)
        assert len({image.data for scan in scans for image in scan.images}) == sum(len(scan.images) for scan in scans)

    totals = site_bench.per_kind([item for item in site if item.kind != "scan"], settings)
    assert set(totals) == kinds - {"scan"}
    assert totals["html"]["files"] == sum(item.kind == "html" for item in site)
    assert all(entry["cpu"] > 0 and entry["pages"] >= entry["files"] for entry in totals.values())
    site_bench.print_per_kind(totals)
    line = site_bench.projection(totals, pages=1000, cores=2)
    per_page = sum(entry["cpu"] for entry in totals.values()) / totals["html"]["files"]
    assert f"{1000 * per_page / 2 / 3600:.1f} h" in line
    assert "no scanned pages measured" in line
    out = capsys.readouterr().out
    assert "% of the time" in out and "zip" in out
