"""Issue #22: bounded everywhere, nothing crashes; the inputs a scan did not cover are reported (#21 item 3).

Every hostile file is generated here (``fuzz/bombs.py`` at a small scale, so
the suite stays fast); ``bench/bench_bombs.py`` runs the same bombs at full
size and prints their time and peak memory in single-file and batch mode.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.findings import MAX_FINDINGS_PER_RULE
from scanner.pipeline import build_settings, scan_bytes
from scanner.types import Severity, Verdict

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def settings():
    return build_settings(ocr=False)


def run_scan(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", "import cli; cli.main()", *args], cwd=cwd or REPO,
                          capture_output=True, timeout=timeout, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


# -- findings per rule ---------------------------------------------------------


def test_findings_of_one_rule_are_capped_and_the_rest_counted(settings):
    extra = 537
    lines = [f"联系人{n}电话139{n:08d}" for n in range(MAX_FINDINGS_PER_RULE + extra)]
    doc = scan_bytes("\n".join(lines).encode(), "phones.txt", settings)
    phones = [f for f in doc.findings if f.rule == "PI002"]
    listed = [f for f in phones if f.severity is not Severity.INFO]
    summary = [f for f in phones if f.severity is Severity.INFO]
    assert len(listed) == MAX_FINDINGS_PER_RULE
    assert len(summary) == 1
    assert f"另有 {extra} 处" in summary[0].message and summary[0].evidence
    # placed at the last listed finding, in reading order
    assert summary[0].location == listed[-1].location
    assert doc.verdict is Verdict.REVIEW


def test_a_rule_under_the_cap_is_listed_in_full(settings):
    lines = [f"联系人电话139{n:08d}" for n in range(30)]
    doc = scan_bytes("\n".join(lines).encode(), "phones.txt", settings)
    phones = [f for f in doc.findings if f.rule == "PI002"]
    assert len(phones) == 30 and all(f.severity is not Severity.INFO for f in phones)
