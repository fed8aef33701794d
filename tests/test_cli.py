"""The CLI's options for the unit's own lists, baselines and report formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

USER_RULES = """
rules:
  - id: UX001
    name: our-secret-project
    category: sensitive-content
    severity: block
    summary: 本单位工作秘密事项清单所列项目代号
    basis: 本单位工作秘密事项清单第3项
    terms: [青龙工程]
    examples: {match: [青龙工程进展], no_match: [青龙山公园]}
"""


def invoke(*args: str, cwd: Path | None = None):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args))
    with runner.isolated_filesystem(temp_dir=cwd):
        return runner.invoke(main, list(args))


def test_user_lexicon_adds_a_rule(tmp_path: Path) -> None:
    rules = tmp_path / "ours.yaml"
    rules.write_text(USER_RULES, encoding="utf-8")
    doc = tmp_path / "news.txt"
    doc.write_text("关于青龙工程建设进展的简报\n工程进展顺利。\n", encoding="utf-8")
    assert invoke(str(doc)).exit_code == 0
    outcome = invoke("--format", "json", "--lexicon", str(rules), str(doc))
    assert outcome.exit_code == 1
    finding = json.loads(outcome.stdout)["documents"][0]["findings"][0]
    assert (finding["rule"], finding["text"], finding["severity"]) == ("UX001", "青龙工程", "block")
    assert finding["basis"] == "本单位工作秘密事项清单第3项"


def test_config_file_in_working_directory_disables_and_reweights(tmp_path: Path) -> None:
    doc = tmp_path / "memo.txt"
    doc.write_text("关于某项工作的情况说明\n联系人：李四，手机13812345678。\n", encoding="utf-8")
    baseline = json.loads(invoke("--format", "json", str(doc)).stdout)["documents"][0]
    rule = next(f["rule"] for f in baseline["findings"] if f["category"] == "personal-info")
    (tmp_path / ".secscan.yaml").write_text(f"severity: {{{rule}: block}}\n", encoding="utf-8")
    runner = CliRunner()
    import os

    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        reweighted = json.loads(runner.invoke(main, ["--format", "json", str(doc)]).stdout)["documents"][0]
        (tmp_path / ".secscan.yaml").write_text(f"disable: [{rule}]\n", encoding="utf-8")
        disabled = json.loads(runner.invoke(main, ["--format", "json", str(doc)]).stdout)["documents"][0]
    finally:
        os.chdir(previous)
    assert reweighted["verdict"] == "block"
    assert not any(f["rule"] == rule for f in disabled["findings"])


def test_bad_config_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "cfg.yaml"
    config.write_text("severity: {PI001: enormous}\n", encoding="utf-8")
    doc = tmp_path / "a.txt"
    doc.write_text("正文\n", encoding="utf-8")
    outcome = invoke("--config", str(config), str(doc))
    assert outcome.exit_code == 2
    assert "cfg.yaml" in outcome.output


def test_baseline_accepts_findings_once_and_stores_no_text(tmp_path: Path) -> None:
    doc = tmp_path / "memo.txt"
    doc.write_text("情况说明\n联系人：李四，手机13812345678。\n", encoding="utf-8")
    baseline = tmp_path / "accepted.json"
    first = invoke("--format", "json", "--baseline", str(baseline), str(doc))
    assert first.exit_code == 1 and baseline.exists()
    assert "13812345678" not in baseline.read_text(encoding="utf-8")
    # the document moves its lines around: the accepted finding stays accepted
    doc.write_text("情况说明\n\n\n联系人：李四，手机13812345678。\n", encoding="utf-8")
    second = invoke("--format", "json", "--baseline", str(baseline), str(doc))
    assert second.exit_code == 0, second.stdout
    # a new finding is still reported
    doc.write_text("情况说明\n联系人：李四，手机13812345678。\n王五，手机13987654321。\n", encoding="utf-8")
    third = json.loads(invoke("--format", "json", "--baseline", str(baseline), str(doc)).stdout)
    assert [f["text"] for f in third["documents"][0]["findings"] if f["category"] == "personal-info"] == [
        "13987654321"
    ]


@pytest.fixture()
def marked(tmp_path: Path) -> Path:
    doc = tmp_path / "draft.txt"
    doc.write_text("机密★1年\n关于某项工作的通知\n<script>alert(1)</script>\n", encoding="utf-8")
    return doc


def test_html_report_to_file_is_escaped(tmp_path: Path, marked: Path) -> None:
    out = tmp_path / "report.html"
    outcome = invoke("--format", "html", "-o", str(out), str(marked))
    assert outcome.exit_code == 1
    html = out.read_text(encoding="utf-8")
    assert "机密★1年" in html and "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_docx_needs_an_output_file(tmp_path: Path, marked: Path) -> None:
    assert invoke("--format", "docx", str(marked)).exit_code == 2
    out = tmp_path / "sheet.docx"
    assert invoke("--format", "docx", "-o", str(out), "--unit", "某市某局", str(marked)).exit_code == 1
    import docx

    body = docx.Document(str(out)).element  # the findings table is nested in a cell: read every w:t
    text = "".join(node.text or "" for node in body.iter() if node.tag.endswith("}t"))
    assert "某市某局" in text and "机密★1年" in text


def test_batch_html_writes_an_overview_directory(tmp_path: Path, marked: Path) -> None:
    clean = tmp_path / "clean.txt"
    clean.write_text("关于举办全民阅读活动的通知\n欢迎广大市民参加。\n", encoding="utf-8")
    out = tmp_path / "reports"
    outcome = invoke("--format", "html", "-o", str(out), str(marked), str(clean))
    assert outcome.exit_code == 1
    assert (out / "index.html").is_file()
    pages = sorted((out / "docs").glob("*.html"))
    assert len(pages) == 2
    # the workers sent the text back: each page shows its document
    assert any("欢迎广大市民参加" in page.read_text(encoding="utf-8") for page in pages)


def test_sarif_output_is_json_with_results(marked: Path) -> None:
    outcome = invoke("--format", "sarif", str(marked))
    log = json.loads(outcome.stdout)
    assert log["version"] == "2.1.0"
    assert any(result["ruleId"].startswith("CM") for result in log["runs"][0]["results"])
