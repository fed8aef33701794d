"""The rule catalogue validates its data and names the file and entry on error."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

import scanner.catalogue as catalogue_module
import scanner.rule_entry as rule_entry
from scanner.catalogue import (
    PARSED_RULES,
    CatalogueError,
    builtin_files,
    load_catalogue,
    parse_rule_file,
    parsed_rules_document,
)
from scanner.roles import NOTICE_KINDS, ROLES, Role
from scanner.rule_schema import params_problem
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


# a plain rule beside the one each test of refused parameters changes
FINE_RULE = """  - id: XX900
    name: fine
    category: personal-info
    severity: review
    summary: 示例
    basis: 示例依据
    terms: [示例词]
"""

PATTERN_RULE = """
family: mine
rules:
""" + FINE_RULE + """  - id: XX902
    name: gated-pattern
    category: personal-info
    severity: review
    summary: 示例
    basis: 示例依据
    kind: pattern
    pattern: '\\d{6}'
    params: PARAMS
"""


def _refused(tmp_path: Path, rules: str) -> tuple[Path, str]:
    """A user rule file holding ``rules``, and the message ``load_catalogue`` refuses it with."""
    path = tmp_path / "mine.yaml"
    path.write_text(rules, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue([path])
    return path, str(caught.value)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("{gate: '(['}", "params.gate: bad regular expression '(['"),
        ("{gate: [ok, '(?P<']}", "params.gate: bad regular expression"),
        ("{anchor: [编号]}", "unknown params key 'anchor' for a pattern rule (allowed: anchors, gate, near_pattern, parts, word_boundary)"),
        ("{anchors: 编号}", "params.anchors: must be a list of non-empty strings"),
        ("{word_boundary: 'no'}", "params.word_boundary: must be true or false"),
        ("{near_pattern: 1}", "params.near_pattern: must be a regular expression"),
    ],
)
def test_params_are_checked_against_the_schema_of_their_kind_with_file_rule_and_line(
    tmp_path: Path, params: str, message: str
) -> None:
    path, text = _refused(tmp_path, PATTERN_RULE.replace("PARAMS", params))
    # the file, the line where the entry starts (the "- id:" line of XX902), the rule id and the reason
    assert text.startswith(f"{path}:11: rules[1] (XX902): "), text
    assert message in text


def test_marking_params_are_checked_too() -> None:
    text = GOOD.replace("terms: [示例词]", "kind: marking\n    params: {levels: 绝密, cues_window: -1}")
    with pytest.raises(CatalogueError, match=r"params\.levels: must be a list of non-empty strings"):
        parse_rule_file(text, origin="my.yaml")
    text = GOOD.replace("terms: [示例词]", "kind: marking\n    params: {cues_window: -1}")
    with pytest.raises(CatalogueError, match=r"params\.cues_window: must be a whole number"):
        parse_rule_file(text, origin="my.yaml")


def test_every_shipped_params_key_is_in_the_schema() -> None:
    # the schema is the list of what the code reads: a shipped key outside it would be refused at load
    for rule in load_catalogue().rules.values():
        assert params_problem(rule.kind, rule.params) is None, rule.id


def test_a_retired_id_is_never_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule_entry, "retired_ids", lambda: {"XX901": "0.2.0: merged into XX900"})
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"mine.yaml:3: rules\[0\] \(XX901\): rule id XX901 is retired \(0.2.0: merged"):
        load_catalogue([path])


def test_the_shipped_retired_list_is_read_and_no_shipped_rule_uses_a_retired_id() -> None:
    document = catalogue_module.read_table(catalogue_module.RETIRED_IDS, 1)
    assert document is not None and isinstance(document["retired"], list)
    assert not set(catalogue_module.retired_ids()) & set(load_catalogue().rules)


def test_the_rule_reference_is_generated_from_the_catalogue() -> None:
    from scanner.report.rules_report import render_rules_markdown

    reference = (Path(__file__).resolve().parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    assert reference == render_rules_markdown(load_catalogue()), "run: python scripts/build_tables.py"
    for rule_id in load_catalogue().rules:
        assert f"\n### {rule_id} " in reference


def test_every_shipped_positive_example_says_what_it_gives() -> None:
    # {text, span, severity}: tests/test_rule_examples.py checks both (scripts/annotate_examples.py writes them in)
    plain = [
        (rule.id, text) for rule in load_catalogue().rules.values()
        for text in rule.examples_match if text not in rule.examples_expected
    ]
    assert not plain, plain


# What code raises each rule for (scanner/roles.py), pinned: moving a kind or
# a role to another rule changes every report and baseline that names it.
RAISED_FOR = {
    "notice": {
        "deleted-revision": "HC001", "comment": "HC002", "hidden-text": "HC003", "speaker-notes": "HC004",
        "hidden-sheet": "HC005", "hidden-slide": "HC006", "annotation": "HC007", "custom-xml": "HC008",
        "attachment": "HC009", "earlier-revision": "HC010", "site-template": "HC011", "dark-box": "RF001",
        "unapplied-redaction": "RF002", "unread-embedded": "UR002", "unread-part": "UR003",
        "decorative-image": "UR004", "no-text-found": "OC001",
    },
    "role": {
        "model": "ML001", "unreadable": "UR001", "personal-data-list": "PI015", "mark": "CM001",
        "marking-note": "CM002", "prefix-mark": "CM003", "mark-mention": "CM004", "declassified-mark": "CM005",
        "bare-level": "CM006", "mark-in-text": "CM007", "internal-mark": "IM001", "internal-mention": "IM002",
        "withheld-note": "IM003", "public-note": "IM004",
    },
}


def test_every_notice_kind_and_role_has_its_one_shipped_rule() -> None:
    catalogue = load_catalogue()
    assert sorted(NOTICE_KINDS) == sorted(RAISED_FOR["notice"])
    assert sorted(ROLES) == sorted(RAISED_FOR["role"])
    assert {kind: catalogue.for_notice(kind).id for kind in NOTICE_KINDS} == RAISED_FOR["notice"]
    assert {role: catalogue.for_role(role).id for role in ROLES} == RAISED_FOR["role"]


BUILTIN_RULE = """
rules:
""" + FINE_RULE + """  - id: XX903
    name: raised-by-code
    category: hidden-content
    severity: review
    summary: 示例
    basis: 示例依据
    kind: builtin
    params: PARAMS
"""


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("{notice: hidden-shet}", "rules[1] (XX903): params.notice: unknown notice 'hidden-shet' (one of deleted-revision,"),
        ("{role: modle}", "rules[1] (XX903): params.role: unknown role 'modle' (one of model,"),
        ("{notice: hidden-sheet}", "rule XX903: params.notice: hidden-sheet is already given to rule HC005"),
        ("{role: model}", "rule XX903: params.role: model is already given to rule ML001"),
    ],
)
def test_a_rule_raised_for_an_unknown_or_taken_kind_is_an_error_with_file_and_line(
    tmp_path: Path, params: str, message: str
) -> None:
    path, text = _refused(tmp_path, BUILTIN_RULE.replace("PARAMS", params))
    assert text.startswith(f"{path}:10: "), text  # the "- id: XX903" line
    assert message in text


def test_shipped_rules_that_lost_a_kind_or_role_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    without_layers = [path for path in builtin_files() if path.name != "layers.yaml"]
    monkeypatch.setattr(catalogue_module, "builtin_files", lambda: without_layers)
    with pytest.raises(CatalogueError, match=r"no rule is raised for params\.notice: deleted-revision, "):
        load_catalogue()


def test_a_catalogue_without_the_rule_of_a_role_says_which_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD, encoding="utf-8")
    catalogue = load_catalogue([path], builtin=False)
    with pytest.raises(CatalogueError, match=r"no rule in the catalogue has params\.role: model"):
        catalogue.for_role(Role.MODEL)
