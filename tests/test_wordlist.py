"""Plain word lists as user lexicons: ``--lexicon words.txt``, one term a line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import secscan
from scanner.catalogue import CatalogueError, load_catalogue
from scanner.wordlist import generated_id
from tests.cli_helpers import scan_cli


@pytest.fixture()
def words(tmp_path: Path) -> Path:
    path = tmp_path / "项目代号.txt"
    path.write_text("\ufeff# 本单位工作秘密事项清单\n青龙工程\n\n白虎计划\n青龙工程\n", encoding="utf-8")
    return path


@pytest.fixture()
def news(tmp_path: Path) -> Path:
    path = tmp_path / "news.txt"
    path.write_text("关于白虎计划进展的简报\n青龙山公园开放时间调整。\n", encoding="utf-8")
    return path


def test_word_list_becomes_one_rule_with_generated_id_and_explanation(words: Path) -> None:
    catalogue = load_catalogue([words])
    rule = catalogue[generated_id(words)]
    assert rule.terms == ("青龙工程", "白虎计划")  # duplicates once, comments and blank lines skipped
    assert (rule.category, rule.severity.value) == ("sensitive-content", "review")
    assert rule.summary == "本单位词表“项目代号”所列词语（不得公开的事项）"
    assert rule.basis == "本单位保密事项清单（词表 项目代号.txt，单位规定）"
    assert generated_id(words) == generated_id(Path("/elsewhere") / words.name)  # the same on every machine
    assert generated_id(words).startswith("UW") and len(generated_id(words)) == 5


def test_scan_with_a_word_list_finds_its_terms_only(words: Path, news: Path) -> None:
    assert scan_cli("--no-cache", str(news)).exit_code == 0  # nothing without the list
    outcome = scan_cli("--no-cache", "--format", "json", "--lexicon", str(words), str(news))
    assert outcome.exit_code == 1, outcome.output
    findings = json.loads(outcome.stdout)["documents"][0]["findings"]
    assert [(f["rule"], f["text"]) for f in findings if f["rule"].startswith("UW")] == [(generated_id(words), "白虎计划")]
    assert "青龙山" not in json.dumps(findings, ensure_ascii=False)  # 青龙工程 is not in 青龙山公园


def test_directives_set_id_category_severity_and_summary(tmp_path: Path, news: Path) -> None:
    path = tmp_path / "roster.txt"
    path.write_text("# id: UW901\n# category: personal-info\n# severity: block\n# summary: 本单位涉密人员名单\n白虎计划\n"
                    "# id: UW999 (after the first term: a comment)\n", encoding="utf-8")
    rule = load_catalogue([path])["UW901"]
    assert (rule.category, rule.severity.value, rule.summary) == ("personal-info", "block", "本单位涉密人员名单")
    outcome = scan_cli("--no-cache", "--lexicon", str(path), str(news))
    assert outcome.exit_code == 1 and "[阻止] 个人信息" in outcome.stdout and "本单位涉密人员名单" in outcome.stdout


def test_config_reweights_and_lists_the_word_list(tmp_path: Path, words: Path, news: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".secscan.yaml").write_text(
        f"lexicons: [{words.name}]\nseverity: {{{generated_id(words)}: block}}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outcome = scan_cli("--no-cache", str(news))
    assert "[阻止] 敏感内容" in outcome.stdout, outcome.output
    listed = CliRunner().invoke(secscan, ["rules", "--lexicon", str(words)])
    assert generated_id(words) in listed.stdout and "本单位词表“项目代号”" in listed.stdout


def test_config_files_the_word_list_under_another_category(tmp_path: Path, words: Path, news: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    rule_id = generated_id(words)
    (tmp_path / ".secscan.yaml").write_text(
        f"lexicons: [{words.name}]\nseverity: {{{rule_id}: block}}\ncategory: {{{rule_id}: personal-info}}\n",
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outcome = scan_cli("--no-cache", "--format", "json", str(news))
    found = [f for f in json.loads(outcome.stdout)["documents"][0]["findings"] if f["rule"] == rule_id]
    assert [(f["category"], f["severity"]) for f in found] == [("personal-info", "block")], outcome.output
    # the catalogue in force says so, so a cached result of the other filing is never served
    assert load_catalogue([words], categories={rule_id: "personal-info"}).digest != load_catalogue([words]).digest
    (tmp_path / ".secscan.yaml").write_text(f"lexicons: [{words.name}]\ncategory: {{{rule_id}: secrets}}\n",
                                            encoding="utf-8")
    refused = scan_cli("--no-cache", str(news))
    assert refused.exit_code == 2 and "category" in refused.output


@pytest.mark.parametrize(("content", "message"), [
    (b"# only a comment\n\n", "没有词语"),
    ("青龙工程\n".encode("gbk"), "UTF-8"),
    (b"# category: secrets\n\xe9\x9d\x92\n", "unknown category"),
    (b"# severity: fatal\n\xe9\x9d\x92\n", "severity"),
])
def test_bad_word_lists_are_usage_errors_naming_the_file(tmp_path: Path, news: Path, content: bytes,
                                                          message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(CatalogueError, match=message):
        load_catalogue([path])
    outcome = scan_cli("--no-cache", "--lexicon", str(path), str(news))
    assert outcome.exit_code == 2 and "bad.txt" in outcome.output
