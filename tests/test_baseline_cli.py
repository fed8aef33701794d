"""Baselines are made only on request, and every output counts what a baseline hid (issue #22 item 5)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from scanner.baseline import load_baseline, write_baseline
from scanner.pipeline import build_settings, scan_bytes
from tests.cli_helpers import scan_cli, secscan_cli

ROOT = Path(__file__).resolve().parents[1]
PHONE = "情况说明\n联系人：李四，手机13812345678。\n"


@pytest.fixture()
def memo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .secscan.yaml of the repository's working directory
    path = tmp_path / "memo.txt"
    path.write_text(PHONE, encoding="utf-8")
    return path


def findings_of(path: Path) -> int:
    """How many findings a scan without a baseline reports for ``path`` (the mobile number, and the model's)."""
    return len(json.loads(scan_cli("--format", "json", str(path)).stdout)["documents"][0]["findings"])


def test_a_missing_baseline_is_a_usage_error_and_is_not_created(memo: Path) -> None:
    baseline = memo.parent / "accepted.json"
    outcome = scan_cli("--baseline", str(baseline), str(memo))
    assert outcome.exit_code == 2
    assert "基线文件" in outcome.output and "不存在" in outcome.output and "--baseline-create" in outcome.output
    assert not baseline.exists()


def test_a_missing_baseline_named_by_the_config_is_a_usage_error(memo: Path) -> None:
    (memo.parent / ".secscan.yaml").write_text("baseline: accepted.json\n", encoding="utf-8")
    outcome = scan_cli(str(memo))
    assert outcome.exit_code == 2 and "配置文件中的基线文件" in outcome.output
    assert not (memo.parent / "accepted.json").exists()


def test_create_then_use_counts_what_was_hidden(memo: Path) -> None:
    baseline = memo.parent / "accepted.json"
    created = scan_cli("--format", "json", "--baseline-create", str(baseline), str(memo))
    assert created.exit_code == 1  # the creating scan still reports everything
    count = len(json.loads(created.stdout)["documents"][0]["findings"])
    assert count >= 1 and count == findings_of(memo)
    assert "记入基线" in created.stderr and "13812345678" not in baseline.read_text(encoding="utf-8")

    text = scan_cli("--baseline", str(baseline), str(memo))
    assert text.exit_code == 0
    assert "未发现新问题" in text.stdout and f"另有 {count} 条发现已列入基线（已接受），本报告未列出" in text.stdout
    assert f"基线：另有 {count} 条发现" in text.stdout  # the summary line

    report = json.loads(scan_cli("--format", "json", "--baseline", str(baseline), str(memo)).stdout)
    assert report["documents"][0]["suppressed"] == count and report["documents"][0]["findings"] == []
    assert report["summary"]["suppressed"] == count
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "schema" / "report-v1.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)

    # without a baseline nothing is hidden, and the key is absent
    plain = json.loads(scan_cli("--format", "json", str(memo)).stdout)
    assert "suppressed" not in plain["documents"][0] and "suppressed" not in plain["summary"]


def test_create_keeps_what_the_old_baseline_accepted(memo: Path) -> None:
    baseline, updated = memo.parent / "accepted.json", memo.parent / "updated.json"
    scan_cli("--baseline-create", str(baseline), str(memo))
    memo.write_text(PHONE + "王五，手机13987654321。\n", encoding="utf-8")
    outcome = scan_cli("--baseline", str(baseline), "--baseline-create", str(updated), str(memo))
    assert outcome.exit_code == 1  # the new number is reported
    assert load_baseline(updated) > load_baseline(baseline)  # the old fingerprints kept, the new ones added


def test_secscan_baseline_create(memo: Path) -> None:
    baseline = memo.parent / "accepted.json"
    outcome = secscan_cli("baseline", "create", str(baseline), str(memo))
    assert outcome.exit_code == 0, outcome.output
    count = findings_of(memo)
    assert f"1 个文档的 {count} 条发现记入基线" in outcome.output
    assert len(load_baseline(baseline)) == count
    again = secscan_cli("baseline", "create", str(baseline), str(memo))
    assert again.exit_code == 2 and "已存在" in again.output
    forced = secscan_cli("baseline", "create", "--force", str(baseline), str(memo))
    assert forced.exit_code == 0
    assert scan_cli("--baseline", str(baseline), str(memo)).exit_code == 0


def test_html_report_and_approval_sheet_count_what_was_hidden(memo: Path) -> None:
    baseline = memo.parent / "accepted.json"
    scan_cli("--baseline-create", str(baseline), str(memo))
    count = findings_of(memo)
    html = scan_cli("--format", "html", "--baseline", str(baseline), str(memo))
    assert f"另有 {count} 条发现已列入基线（已接受），本报告未列出" in html.stdout
    sheet = memo.parent / "sheet.docx"
    outcome = scan_cli("--format", "docx", "-o", str(sheet), "--baseline", str(baseline), str(memo))
    assert outcome.exit_code == 0, outcome.output
    import docx

    document = docx.Document(str(sheet))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    # on the sheet itself (its closing note) and on the attachment's list of findings
    assert sum(f"另有 {count} 条发现已列入基线" in text for text in paragraphs) == 2
    assert any("工具初筛未发现新问题" in text for text in paragraphs)


def test_batch_summary_and_jsonl_count_what_was_hidden(memo: Path) -> None:
    site = memo.parent / "site"
    site.mkdir()
    (site / "a.txt").write_text(PHONE, encoding="utf-8")
    (site / "b.txt").write_text("机密★1年\n关于某项工作的通知\n", encoding="utf-8")
    baseline = memo.parent / "accepted.json"
    secscan_cli("baseline", "create", str(baseline), str(site / "a.txt"))
    count = findings_of(site / "a.txt")
    for _ in range(2):  # scanned, then from the cache: the count travels with the result
        outcome = scan_cli("--format", "jsonl", "-j", "1", "--baseline", str(baseline), str(site))
        lines = {Path(doc["path"]).name: doc for doc in map(json.loads, outcome.stdout.splitlines())}
        assert lines["a.txt"]["suppressed"] == count and lines["a.txt"]["verdict"] == "pass"
        assert "suppressed" not in lines["b.txt"] and lines["b.txt"]["verdict"] == "block"
        assert f"基线：另有 {count} 条发现已列入基线" in outcome.stderr


def test_members_and_the_model_finding_are_counted(tmp_path: Path) -> None:
    plain = build_settings(review_threshold=0.0)  # the model asks for review of everything
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inner/memo.txt", PHONE.encode())
    data = buffer.getvalue()
    first = scan_bytes(data, "bundle.zip", plain)
    assert {finding.rule for finding in first.findings} >= {"PI002", "ML001"} and first.suppressed == 0
    baseline = tmp_path / "accepted.json"
    write_baseline(baseline, first.findings)
    accepted = build_settings(review_threshold=0.0, accepted=load_baseline(baseline))
    second = scan_bytes(data, "bundle.zip", accepted)
    assert second.findings == () and second.suppressed == len(first.findings)
