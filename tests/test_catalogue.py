"""The rule catalogue validates its data and names the file and entry on error."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

import scanner.catalogue as catalogue_module
from scanner.catalogue import (
    PARSED_RULES,
    CatalogueError,
    builtin_files,
    load_catalogue,
    parse_rule_file,
    parsed_rules_document,
)
from scanner.types import CATEGORIES, Severity

GOOD = """
rules:
  - id: XX901
    name: sample
    category: sensitive-content
    severity: review
    summary: 示例
    basis: 示例依据
    terms: [示例词]
"""


def test_shipped_catalogue_loads_and_is_consistent() -> None:
    catalogue = load_catalogue()
    assert catalogue.rules, "no rules shipped"
    assert len(catalogue.digest) == 16
    for rule in catalogue.rules.values():
        assert rule.category in CATEGORIES
        assert rule.summary and rule.basis, rule.id
        if rule.kind in ("terms", "pattern"):
            assert rule.examples_match, f"{rule.id} has no positive example"


def test_digest_changes_with_the_data(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text(GOOD, encoding="utf-8")
    assert load_catalogue([extra]).digest != load_catalogue().digest


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [{id: bad}]", "bad or missing id"),
        (GOOD.replace("sensitive-content", "gossip"), "unknown category 'gossip'"),
        (GOOD.replace("severity: review", "severity: huge"), "unknown severity 'huge'"),
        (GOOD.replace("terms: [示例词]", "kind: pattern\n    pattern: '(['"), "bad pattern"),
        (GOOD.replace("terms: [示例词]", "terms: []"), "needs 'terms'"),
        (GOOD.replace("    summary: 示例\n", ""), "'summary' is required"),
        (GOOD + "    colour: red\n", "unknown keys ['colour']"),
        ("just text", "expected a mapping with a 'rules' list"),
        ("rules: [: :", "not valid YAML"),
    ],
)
def test_bad_rule_files_are_named(text: str, message: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_rule_file(text, origin="my.yaml")
    assert "my.yaml" in str(caught.value)
    assert message in str(caught.value)


def test_duplicate_id_in_user_files_is_an_error(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(GOOD, encoding="utf-8")
    second.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CatalogueError, match="XX901 is already defined"):
        load_catalogue([first, second])


def test_user_file_may_not_redefine_a_shipped_rule(tmp_path: Path) -> None:
    override = tmp_path / "override.yaml"
    override.write_text(GOOD.replace("XX901", "UR001").replace("category: sensitive-content", "category: unreadable"),
                        encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue([override])
    message = str(caught.value)
    assert "override.yaml" in message and "UR001" in message and "内置规则重名" in message
    assert "disable / severity" in message  # says how a built-in rule is changed instead


def test_config_changes_the_catalogue_digest() -> None:
    # the digest a report prints and the result cache keys on names the catalogue as configured
    digests = {
        load_catalogue().digest,
        load_catalogue(disabled=["CM001"]).digest,
        load_catalogue(severities={"CM001": "info"}).digest,
        load_catalogue(severities={"CM001": "review"}).digest,
    }
    assert len(digests) == 4
    assert load_catalogue(disabled=iter(["CM001"])).digest == load_catalogue(disabled=["CM001"]).digest


def test_disable_and_reweight() -> None:
    catalogue = load_catalogue(disabled=["ML001"], severities={"UR001": "block"})
    assert not catalogue["ML001"].enabled
    assert catalogue["UR001"].severity is Severity.BLOCK
    with pytest.raises(CatalogueError, match="unknown rule NOPE1"):
        load_catalogue(disabled=["NOPE1"])


def test_the_parsed_rules_file_is_fresh() -> None:
    # a cold scan reads the shipped rules from it and never imports PyYAML
    shipped = resources.files("lexicons").joinpath(PARSED_RULES).read_bytes()
    assert shipped == parsed_rules_document(builtin_files()), "run: python scripts/build_tables.py"


def test_a_stale_or_missing_parsed_entry_falls_back_to_the_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = load_catalogue()
    stale = {path.name: {"sha256": "0" * 64, "data": {"rules": []}} for path in builtin_files()}
    monkeypatch.setattr(catalogue_module, "_parsed_rules", lambda: stale)
    assert load_catalogue() == expected
    monkeypatch.setattr(catalogue_module, "_parsed_rules", dict)
    assert load_catalogue() == expected
    assert load_catalogue().digest == expected.digest


def test_the_parsed_rules_are_the_yaml_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from_json = load_catalogue()
    monkeypatch.setattr(catalogue_module, "_parsed_rules", dict)
    from_yaml = load_catalogue()
    assert [repr(rule) for rule in from_json.rules.values()] == [repr(rule) for rule in from_yaml.rules.values()]


def test_data_that_json_would_change_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(GOOD + "    params: {1: one}\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="does not survive JSON"):
        parsed_rules_document([rules])
