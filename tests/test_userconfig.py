"""The unit's own configuration: extra lexicons, disabled rules, severities, allow list."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.catalogue import load_catalogue
from scanner.findings import UnitView
from scanner.match import Matcher
from scanner.normalize import normalize
from scanner.types import Severity, TextUnit
from scanner.userconfig import ConfigError, UserConfig, load_user_config

OWN_LEXICON = """
family: ours
rules:
  - id: UX001
    name: project-codename
    category: sensitive-content
    severity: block
    summary: 本单位未公开项目代号
    basis: 本单位保密管理制度第六条第（四）项
    kind: terms
    terms: [青松工程]
    examples:
      match: [青松工程进展]
      no_match: [青松路工程]
"""


def scan(matcher: Matcher, text: str) -> list:
    views = [
        UnitView(TextUnit(text=line), normalize(line), index) for index, line in enumerate(text.split("\n"))
    ]
    return matcher.match(views)


def test_no_config_is_empty(tmp_path: Path) -> None:
    assert load_user_config(None, tmp_path) == UserConfig()


def test_config_found_in_working_directory_drives_the_scan(tmp_path: Path) -> None:
    (tmp_path / "lex").mkdir()
    (tmp_path / "lex" / "ours.yaml").write_text(OWN_LEXICON, encoding="utf-8")
    (tmp_path / ".secscan.yaml").write_text(
        "lexicons: [lex/ours.yaml]\n"
        "disable: [SC404]\n"
        "severity: {PI002: block}\n"
        "allow: ['值班手机 13912345678']\n"
        "review_threshold: 0.7\n"
        "baseline: accepted.json\n",
        encoding="utf-8",
    )
    config = load_user_config(None, tmp_path)
    assert config.path == tmp_path / ".secscan.yaml"
    assert config.lexicons == (tmp_path / "lex" / "ours.yaml",)
    assert config.review_threshold == 0.7
    assert config.baseline == tmp_path / "accepted.json"

    catalogue = load_catalogue(config.lexicons, disabled=config.disabled, severities=config.severities)
    assert not catalogue["SC404"].enabled
    matcher = Matcher(catalogue, allow=config.allow)
    assert {f.rule for f in scan(matcher, "青松工程进展顺利")} == {"UX001"}
    assert scan(matcher, "《办法（征求意见稿）》仅供内部征求意见，不得外传。") == []
    [mobile] = scan(matcher, "联系人：张科长，手机 13912345678")
    assert mobile.severity is Severity.BLOCK  # re-weighted from review
    # the allowed phrase contains the hit and covers it in the text
    assert scan(matcher, "应急值班手机 13912345678（24小时）") == []


def test_explicit_path_wins(tmp_path: Path) -> None:
    (tmp_path / ".secscan.yaml").write_text("disable: [SC401]\n", encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text("disable: [SC402]\n", encoding="utf-8")
    assert load_user_config(other, tmp_path).disabled == ("SC402",)


@pytest.mark.parametrize(
    "content",
    [
        "disable: SC401\n",
        "severity: {SC401: urgent}\n",
        "review_threshold: 2\n",
        "lexicons: [missing.yaml]\n",
        "colour: red\n",
        "- just a list\n",
        "allow: [: bad\n",
    ],
)
def test_bad_config_names_the_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "secscan.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"secscan\.yaml"):
        load_user_config(None, tmp_path)
