"""The CLI's options for the unit's own lists, baselines and report formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests.builders import USER_RULES
from tests.cli_helpers import scan_cli, secscan_cli


def test_user_lexicon_adds_a_rule(tmp_path: Path) -> None:
    rules = tmp_path / "ours.yaml"
    rules.write_text(USER_RULES, encoding="utf-8")
    doc = tmp_path / "news.txt"
    doc.write_text("关于青龙工程建设进展的简报\n工程进展顺利。\n", encoding="utf-8")
    assert scan_cli(str(doc)).exit_code == 0
    outcome = scan_cli("--format", "json", "--lexicon", str(rules), str(doc))
    assert outcome.exit_code == 1
    finding = json.loads(outcome.stdout)["documents"][0]["findings"][0]
    assert (finding["rule"], finding["text"], finding["severity"]) == ("UX001", "青龙工程", "block")
    assert finding["basis"] == "本单位工作秘密事项清单第3项"


def test_config_file_in_working_directory_disables_and_reweights(tmp_path: Path) -> None:
    doc = tmp_path / "memo.txt"
    doc.write_text("关于某项工作的情况说明\n联系人：李四，手机13812345678。\n", encoding="utf-8")
    baseline = json.loads(scan_cli("--format", "json", str(doc)).stdout)["documents"][0]
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
    outcome = scan_cli("--config", str(config), str(doc))
    assert outcome.exit_code == 2
    assert "cfg.yaml" in outcome.output


def test_a_rule_file_naming_an_unknown_notice_kind_exits_2_with_its_file_and_line(tmp_path: Path) -> None:
    rules = tmp_path / "ours.yaml"
    rules.write_text(
        "rules:\n"
        "  - id: UX002\n    name: our-hidden-sheet\n    category: hidden-content\n    severity: review\n"
        "    summary: 隐藏工作表\n    basis: 本单位规定\n    kind: builtin\n    params: {notice: hidden-sheets}\n",
        encoding="utf-8",
    )
    doc = write(tmp_path, "a.txt", PLAIN)
    outcome = scan_cli("--lexicon", rules, doc)
    assert outcome.exit_code == 2
    assert f"{rules}:2: rules[0] (UX002): params.notice: unknown notice 'hidden-sheets'" in outcome.output


def test_baseline_accepts_findings_once_and_stores_no_text(tmp_path: Path) -> None:
    doc = tmp_path / "memo.txt"
    doc.write_text("情况说明\n联系人：李四，手机13812345678。\n", encoding="utf-8")
    baseline = tmp_path / "accepted.json"
    first = scan_cli("--format", "json", "--baseline-create", str(baseline), str(doc))
    assert first.exit_code == 1 and baseline.exists()
    assert "13812345678" not in baseline.read_text(encoding="utf-8")
    # the document moves its lines around: the accepted finding stays accepted
    doc.write_text("情况说明\n\n\n联系人：李四，手机13812345678。\n", encoding="utf-8")
    second = scan_cli("--format", "json", "--baseline", str(baseline), str(doc))
    assert second.exit_code == 0, second.stdout
    # a new finding is still reported
    doc.write_text("情况说明\n联系人：李四，手机13812345678。\n王五，手机13987654321。\n", encoding="utf-8")
    third = json.loads(scan_cli("--format", "json", "--baseline", str(baseline), str(doc)).stdout)
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
    outcome = scan_cli("--format", "html", "-o", str(out), str(marked))
    assert outcome.exit_code == 1
    html = out.read_text(encoding="utf-8")
    assert "机密★1年" in html and "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_docx_needs_an_output_file(tmp_path: Path, marked: Path) -> None:
    assert scan_cli("--format", "docx", str(marked)).exit_code == 2
    out = tmp_path / "sheet.docx"
    assert scan_cli("--format", "docx", "-o", str(out), "--unit", "某市某局", str(marked)).exit_code == 1
    import docx

    body = docx.Document(str(out)).element  # the findings table is nested in a cell: read every w:t
    text = "".join(node.text or "" for node in body.iter() if node.tag.endswith("}t"))
    assert "某市某局" in text and "机密★1年" in text


def test_batch_html_writes_an_overview_directory(tmp_path: Path, marked: Path) -> None:
    clean = tmp_path / "clean.txt"
    clean.write_text("关于举办全民阅读活动的通知\n欢迎广大市民参加。\n", encoding="utf-8")
    out = tmp_path / "reports"
    outcome = scan_cli("--format", "html", "-o", str(out), str(marked), str(clean))
    assert outcome.exit_code == 1
    assert (out / "index.html").is_file()
    pages = sorted((out / "docs").glob("*.html"))
    assert len(pages) == 2
    # the workers sent the text back: each page shows its document
    assert any("欢迎广大市民参加" in page.read_text(encoding="utf-8") for page in pages)


def test_sarif_output_is_json_with_results(marked: Path) -> None:
    outcome = scan_cli("--format", "sarif", str(marked))
    log = json.loads(outcome.stdout)
    assert log["version"] == "2.1.0"
    assert any(result["ruleId"].startswith("CM") for result in log["runs"][0]["results"])


# --- conventions (issue 26): stdin, exit codes, messages, verbosity, rules -------------------------

MARKED = "机密★1年\n关于某项工作的通知\n各单位：请做好相关工作。\n"
PHONE = "关于某项工作的情况说明\n联系人：李四，手机13812345678。\n"  # review, not block
PLAIN = "关于举办春季运动会的通知\n各单位：定于四月举办运动会。\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_stdin_is_scanned_under_its_name_hint() -> None:
    outcome = scan_cli("--format", "json", "--stdin-name", "通知.txt", "-", input=MARKED)
    assert outcome.exit_code == 1
    doc = json.loads(outcome.stdout)["documents"][0]
    assert (doc["path"], doc["verdict"], doc["findings"][0]["rule"]) == ("通知.txt", "block", "CM001")
    unnamed = scan_cli("-", input=PLAIN)
    assert unnamed.exit_code == 0
    assert "可以发布  <标准输入>" in unnamed.stdout


def test_stdin_dash_cannot_be_mixed_with_paths(tmp_path: Path) -> None:
    outcome = scan_cli("-", write(tmp_path, "a.txt", PLAIN), input=PLAIN)
    assert outcome.exit_code == 2
    assert "只能单独使用" in outcome.stderr


def test_exit_codes_follow_fail_on_and_exit_zero(tmp_path: Path) -> None:
    marked, phone, plain = (write(tmp_path, n, t) for n, t in (("m.txt", MARKED), ("p.txt", PHONE), ("o.txt", PLAIN)))
    assert scan_cli(str(plain)).exit_code == 0
    assert scan_cli(str(phone)).exit_code == 1  # review fails by default
    assert scan_cli(str(marked)).exit_code == 1
    assert scan_cli("--fail-on", "block", str(phone)).exit_code == 0
    assert scan_cli("--fail-on", "block", str(marked)).exit_code == 1
    assert scan_cli("--exit-zero", str(marked)).exit_code == 0
    help_text = scan_cli("--help").stdout
    assert "130  interrupted" in help_text and "3    internal error" in help_text


def test_internal_error_exits_3_with_a_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.pipeline

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom in the matcher")

    monkeypatch.setattr(scanner.pipeline, "scan_file", broken)
    outcome = scan_cli(str(write(tmp_path, "a.txt", PLAIN)))
    assert outcome.exit_code == 3
    assert "内部错误：扫描器自身出错" in outcome.stderr
    assert "RuntimeError: boom in the matcher" in outcome.stderr
    assert "Traceback" not in outcome.output


def test_ctrl_c_exits_130_not_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.pipeline

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(scanner.pipeline, "scan_file", interrupted)
    outcome = scan_cli(str(write(tmp_path, "a.txt", PLAIN)))
    assert outcome.exit_code == 130
    assert "已中断" in outcome.stderr
    assert "Aborted" not in outcome.output


@pytest.mark.parametrize(
    ("args", "chinese"),
    [
        (["nosuch.docx"], "“nosuch.docx”不存在"),
        (["--no-such-flag", "x"], "没有选项 --no-such-flag"),
        (["--format"], "选项 --format 需要一个值"),
        (["--format", "pdf", "x"], "“pdf”不是可选值，可选：text、json、jsonl、html、docx、sarif"),
        (["--review-threshold", "7", "x"], "不在允许的范围"),
        (["--lexicon", "."], "是目录，这里需要文件"),
    ],
)
def test_click_messages_are_chinese(args: list[str], chinese: str) -> None:
    outcome = scan_cli(*args)
    assert outcome.exit_code == 2
    assert chinese in outcome.stderr
    for english in ("does not exist", "No such option", "Usage:", "Try '", "Error:", "Invalid value"):
        assert english not in outcome.stderr


def test_group_messages_are_chinese() -> None:

    outcome = secscan_cli("nosuch")
    assert outcome.exit_code == 2
    assert "没有子命令“nosuch”" in outcome.stderr


def test_quiet_prints_only_the_summary_with_chinese_categories(tmp_path: Path) -> None:
    outcome = scan_cli("--quiet", str(write(tmp_path, "p.txt", PHONE)))
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    assert lines[0] == "共1个文档：阻止0，需审查1，通过0"
    assert lines[1].startswith("发现类别：个人信息 ")
    assert "规则 " not in outcome.stdout and "p.txt" not in outcome.stdout


def test_verbose_says_why_each_finding_fired(tmp_path: Path) -> None:
    outcome = scan_cli("-v", str(write(tmp_path, "p.txt", PHONE)))
    assert "为何命中：命中文字“13812345678”" in outcome.stdout
    assert "       · 手机号码格式" in outcome.stdout
    assert "指纹：" in outcome.stdout
    assert "指纹：" not in scan_cli(str(tmp_path / "p.txt")).stdout


def test_no_color_environment_variable_turns_colour_off() -> None:
    from cli import wants_color

    assert wants_color(fmt="text", no_color=False, output=None, isatty=True, environ={})
    assert not wants_color(fmt="text", no_color=False, output=None, isatty=True, environ={"NO_COLOR": "1"})
    assert not wants_color(fmt="text", no_color=True, output=None, isatty=True, environ={})
    assert not wants_color(fmt="json", no_color=False, output=None, isatty=True, environ={})
    assert not wants_color(fmt="text", no_color=False, output=None, isatty=False, environ={})


def test_list_rules_and_rules_command_come_from_the_catalogue() -> None:
    from scanner.catalogue import load_catalogue

    catalogue = load_catalogue()
    listed = scan_cli("--list-rules")
    assert listed.exit_code == 0
    cm001 = catalogue["CM001"]
    assert f"CM001  [阻止] 国家秘密标志\n    {cm001.summary}\n    依据：{cm001.basis}\n" in listed.stdout
    assert f"共 {len(catalogue.rules)} 条规则" in listed.stdout
    as_json = secscan_cli("rules", "--format", "json")
    assert as_json.exit_code == 0
    rules = json.loads(as_json.stdout)["rules"]
    assert [rule["id"] for rule in rules] == sorted(catalogue.rules)
    assert {"id", "category", "severity", "summary", "basis"} <= set(rules[0])
    assert secscan_cli("rules").stdout == listed.stdout


def test_unknown_rule_id_lists_the_allowed_ids(tmp_path: Path) -> None:
    config = write(tmp_path, "cfg.yaml", "disable: [ZZ999]\n")
    outcome = scan_cli("--config", str(config), str(write(tmp_path, "a.txt", PLAIN)))
    assert outcome.exit_code == 2
    assert "没有编号为 ZZ999 的规则。可用的规则编号：" in outcome.stderr
    assert "CM001、CM002" in outcome.stderr


def test_config_found_in_working_directory_is_announced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, ".secscan.yaml", "allow: [某某]\n")
    doc = write(tmp_path, "a.txt", PLAIN)
    monkeypatch.chdir(tmp_path)
    text = scan_cli(str(doc))
    assert "已使用工作目录中的配置文件 .secscan.yaml" in text.stdout
    as_json = scan_cli("--format", "json", str(doc))
    assert "已使用工作目录中的配置文件 .secscan.yaml" in as_json.stderr
    json.loads(as_json.stdout)  # the report itself stays pure JSON
    explicit = scan_cli("--config", str(tmp_path / ".secscan.yaml"), str(doc))
    assert "已使用工作目录中的配置文件" not in explicit.output


def test_gbk_file_name_is_shown_decoded(tmp_path: Path) -> None:
    import os

    raw = os.fsencode(str(tmp_path)) + b"/" + "机密文件.txt".encode("gbk")
    with open(raw, "wb") as handle:
        handle.write(MARKED.encode("utf-8"))
    outcome = scan_cli("--format", "json", os.fsdecode(raw))
    assert json.loads(outcome.stdout)["documents"][0]["path"].endswith("/机密文件.txt")
    assert "机密文件.txt" in scan_cli(os.fsdecode(raw)).stdout


def test_control_characters_in_names_and_content_are_escaped(tmp_path: Path) -> None:
    evil = "a\x1b]0;PWNED\x07\x1b[2J.txt"
    doc = write(tmp_path, evil, "机密★1年\n关于\x1b[31m某项工作的通知\n")
    single = scan_cli(str(doc))
    assert "\x1b" not in single.output and "\x07" not in single.output
    assert "a\\u001b]0;PWNED\\u0007\\u001b[2J.txt" in single.stdout
    batch = scan_cli("--format", "json", str(tmp_path))  # a directory: the batch summary on stderr
    assert "\x1b" not in batch.stderr
    assert "\x1b" not in scan_cli("--quiet", str(tmp_path)).output


def test_timestamp_today_prints_todays_date(tmp_path: Path) -> None:
    import datetime

    today = datetime.date.today()
    outcome = scan_cli("--timestamp", "today", str(write(tmp_path, "a.txt", PLAIN)))
    assert f"扫描时间 {today.year}年{today.month}月{today.day}日" in outcome.stdout


def test_redact_excerpts_masks_the_matched_text(tmp_path: Path) -> None:
    doc = write(tmp_path, "m.txt", MARKED)
    plain = scan_cli(str(doc))
    assert "【机密★1年】" in plain.stdout
    assert plain.stdout.startswith("※ 本报告摘录了可能涉及国家秘密或工作秘密的内容，请按相应密级载体管理，不得上网")
    redacted = scan_cli("--redact-excerpts", str(doc))
    assert "【机＊＊＊＊】" in redacted.stdout
    assert "机密★1年" not in redacted.stdout
    assert "本报告摘录了" not in redacted.stdout


def test_a_user_rule_with_a_bad_gate_is_a_usage_error_naming_file_rule_and_line(tmp_path: Path) -> None:
    rules = tmp_path / "ours.yaml"
    rules.write_text(USER_RULES.replace("    terms: [青龙工程]\n", "    kind: pattern\n    pattern: 青龙\n    params: {gate: '(['}\n"),
                     encoding="utf-8")
    doc = tmp_path / "news.txt"
    doc.write_text("关于青龙工程建设进展的简报\n", encoding="utf-8")
    outcome = scan_cli("--lexicon", str(rules), str(doc))
    assert outcome.exit_code == 2
    assert "Traceback" not in outcome.output
    assert f"{rules}:3: rules[0] (UX001): params.gate: bad regular expression" in outcome.output


def test_a_bad_rule_file_stops_a_batch_as_a_usage_error_though_its_settings_are_built_late(tmp_path: Path) -> None:
    # The batch parent builds its settings only for a file not in the cache: still before any output or worker.
    rules = tmp_path / "ours.yaml"
    rules.write_text(USER_RULES.replace("    terms: [青龙工程]\n", "    kind: pattern\n    pattern: 青龙\n    params: {gate: '(['}\n"),
                     encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "news.txt").write_text("关于青龙工程建设进展的简报\n", encoding="utf-8")
    (site / "plain.txt").write_text("关于开展植树活动的通知\n", encoding="utf-8")
    outcome = scan_cli("--lexicon", str(rules), "--format", "jsonl", "--cache-dir", str(tmp_path / "cache"), str(site))
    assert outcome.exit_code == 2
    assert "Traceback" not in outcome.output and outcome.stdout == ""
    assert f"{rules}:3: rules[0] (UX001): params.gate: bad regular expression" in outcome.output
    rules.unlink()
    outcome = scan_cli("--lexicon", str(rules), "--cache-dir", str(tmp_path / "cache"), str(site))
    assert outcome.exit_code == 2 and "ours.yaml" in outcome.output and "Traceback" not in outcome.output
