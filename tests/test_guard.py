"""Issue #22: bounded everywhere, nothing crashes; the inputs a scan did not cover are reported (#21 item 3).

Every hostile file is generated here (``fuzz/bombs.py`` at a small scale, so
the suite stays fast); ``bench/bench_bombs.py`` runs the same bombs at full
size and prints their time and peak memory in single-file and batch mode.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fuzz import bombs
from scanner.findings import MAX_FINDINGS_PER_RULE
from scanner.pipeline import build_settings, scan_bytes, scan_file
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


# -- lone surrogates -----------------------------------------------------------

SURROGATE_INPUTS = {
    # an HTML page declared UTF-7: "+2D0-" decodes to U+D83D alone
    "utf7.html": lambda tmp: bombs.utf7_page(tmp),
    # a JSON data script with a "\ud800" escape next to personal data
    "data.html": lambda tmp: _write(tmp / "data.html", (
        '<html><body><p>正文</p><script type="application/json">'
        '{"name": "\\ud800张三", "phone": "13912345678"}</script></body></html>').encode()),
    # a mail whose body is UTF-7 and whose subject holds undecodable bytes
    "mail.eml": lambda tmp: _write(tmp / "mail.eml", (
        b"From: a@example.org\r\nSubject: \xff\xfe\xe6\x9c\xba\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-7\r\n\r\n" + "\ud83d机密★1年".encode("utf-7") + b"\r\n")),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", sorted(SURROGATE_INPUTS))
@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "sarif", "html", "docx"])
def test_a_lone_surrogate_never_crashes_any_output(tmp_path, name, fmt):
    from click.testing import CliRunner

    import cli

    path = SURROGATE_INPUTS[name](tmp_path)
    report = tmp_path / f"report.{fmt}"
    outcome = CliRunner().invoke(cli.main, ["--no-ocr", "--format", fmt, "-o", str(report), str(path)])
    assert outcome.exit_code == 1, outcome.output  # review or block: never 3 (internal error)
    data = report.read_bytes()
    if fmt in ("json", "sarif"):
        json.loads(data)
    if fmt != "docx":
        data.decode("utf-8")  # strict: no surrogate escaped into the bytes


def test_fingerprint_of_a_lone_surrogate_is_stable():
    from scanner.findings import fingerprint

    assert fingerprint("PI002", "\ud83d139", "x") == fingerprint("PI002", "\ud83d139", "x")
    assert fingerprint("PI002", "139", "x") != fingerprint("PI002", "\ud83d139", "x")


def test_text_with_lone_surrogates_from_utf7_keeps_its_findings(settings, tmp_path):
    doc = scan_file(bombs.utf7_page(tmp_path), settings)
    assert doc.verdict is not Verdict.PASS
    assert any("机密★1年" in f.text for f in doc.findings)
    assert all("\ud83d" not in unit.text for unit in doc.units)


# -- a part referenced many times ----------------------------------------------


@pytest.mark.parametrize(("build", "per_copy"), [
    (bombs.repeated_sheets, 200), (bombs.repeated_slides, 100), (bombs.repeated_pages, 20)])
def test_a_part_referenced_thousands_of_times_is_read_once(tmp_path, build, per_copy):
    from scanner.extract import extract_bytes

    path = build(tmp_path, 0.05)  # 2,500 references to one part
    extraction = extract_bytes(path.read_bytes(), path.name)
    assert not extraction.errors
    body = [unit for unit in extraction.units if unit.part in ("sheet", "slide", "body")]
    assert len(body) == per_copy  # one copy of the part's text, not 2,500
    assert len({unit.text for unit in body}) == per_copy
