"""The findings snapshot gate runs in both builds: with the compiled kernel and without it.

A change that alters any verdict or finding on the gate's documents fails
here with a readable diff; if it is meant, ``python
scripts/findings_snapshot.py --update`` rewrites the snapshot in the same
commit (see the script's docstring).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.findings_snapshot import SNAPSHOT, compare

ROOT = Path(__file__).resolve().parents[1]


def _run_gate(shared: Path, *, pure_python: bool) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "SECSCAN_PURE_PYTHON"}
    if pure_python:
        environment["SECSCAN_PURE_PYTHON"] = "1"
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "findings_snapshot.py"), "--shared", str(shared), "--jobs", "2"],
        capture_output=True, text=True, env=environment, cwd=ROOT, timeout=900,
    )


@pytest.mark.parametrize("pure_python", [False, True], ids=["compiled-kernel", "pure-python"])
def test_results_equal_the_committed_snapshot(shared_dir: Path, pure_python: bool) -> None:
    if not pure_python:
        from scanner.kernel import compiled_kernel

        if compiled_kernel() is None:
            pytest.skip("the compiled kernel is not built here: the pure-Python run covers this build")
    run = _run_gate(shared_dir, pure_python=pure_python)
    assert run.returncode == 0, f"{run.stdout[-20000:]}\n{run.stderr[-5000:]}"
    assert "snapshot unchanged" in run.stdout


def test_the_snapshot_covers_every_source_of_documents() -> None:
    sources = {json.loads(line)["doc"].split("/")[0] for line in SNAPSHOT.read_text(encoding="utf-8").splitlines()}
    assert sources == {"real", "web", "seeds", "corpus", "built", "fuzz"}


def _line(doc: str, verdict: str, findings: list[list[object]]) -> str:
    return json.dumps({"doc": doc, "verdict": verdict, "errors": [], "findings": findings})


def test_compare_names_each_changed_document_and_sums_up() -> None:
    mark = ["CM001", "block", "body", 1, 1, 0, 5, "abc"]
    old = [_line("a.txt", "block", [mark]), _line("b.txt", "pass", []), _line("gone.txt", "pass", [])]
    new = [_line("a.txt", "review", []), _line("b.txt", "pass", []), _line("new.txt", "pass", [])]
    report = compare(old, new)
    assert report[0].splitlines() == ["~ a.txt", "    verdict block -> review", f"    - {mark}"]
    assert "- gone.txt" in report and "+ new.txt" in report
    assert report[-3] == "3 documents changed"
    assert report[-2] == "verdicts: added 1, block -> review 1, removed 1"
    assert report[-1] == "findings: -CM001/block 1"
    assert compare(old, old) == []
