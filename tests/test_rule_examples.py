"""Every rule's examples run as tests: each example is scanned as a plain-text document
(a rule limited to some layers by ``params.parts``: as text of the first of them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.catalogue import load_catalogue
from scanner.pipeline import Settings, analyse, scan_bytes
from scanner.types import DocumentResult, Extraction, TextUnit

CATALOGUE = load_catalogue()
MATCH = [(rule.id, text) for rule in CATALOGUE.rules.values() for text in rule.examples_match]
NO_MATCH = [(rule.id, text) for rule in CATALOGUE.rules.values() for text in rule.examples_no_match]


def _scan_example(settings: Settings, rule_id: str, text: str) -> DocumentResult:
    """The example as a plain-text document, or as a unit of the first layer a ``params.parts`` rule fires in."""
    parts = CATALOGUE[rule_id].params.get("parts")
    if not parts:
        return scan_bytes(text.encode("utf-8"), "example.txt", settings)
    extraction = Extraction(format="docx", units=(TextUnit(text=text, part=parts[0]),), layers=(parts[0],))
    return analyse(extraction, settings, path="example.docx", sha256="")


@pytest.mark.parametrize(("rule_id", "text"), MATCH)
def test_example_matches(settings: Settings, rule_id: str, text: str) -> None:
    result = _scan_example(settings, rule_id, text)
    fired = {finding.rule for finding in result.findings}
    assert rule_id in fired, f"{rule_id} did not fire on {text!r}; fired: {sorted(fired)}"
    expected = CATALOGUE[rule_id].examples_expected.get(text)
    if expected is not None:
        found = {(finding.text, finding.severity) for finding in result.findings if finding.rule == rule_id}
        assert (expected.span, expected.severity) in found, f"{rule_id} on {text!r}: expected {expected}, got {found}"


@pytest.mark.parametrize(("rule_id", "text"), [(rule, text) for rule, text in MATCH if CATALOGUE[rule].params.get("parts")])
def test_layer_rule_example_does_not_fire_in_the_body(settings: Settings, rule_id: str, text: str) -> None:
    result = scan_bytes(text.encode("utf-8"), "example.txt", settings)
    assert rule_id not in {finding.rule for finding in result.findings}


@pytest.mark.parametrize(("rule_id", "text"), NO_MATCH)
def test_example_does_not_match(settings: Settings, rule_id: str, text: str) -> None:
    result = _scan_example(settings, rule_id, text)
    hits = [finding for finding in result.findings if finding.rule == rule_id]
    assert not hits, f"{rule_id} fired on {text!r}: {hits[0].text!r} ({hits[0].evidence})"


def test_basis_cites_real_instruments_never_seed_labels() -> None:
    """Every basis names a law or regulation with an article; S0/S1/S2 are labels of domain.md only."""
    for rule in CATALOGUE.rules.values():
        for text in (rule.basis, rule.summary, rule.why, rule.unit_basis):
            assert not re.search(r"\bS[012]\b", text), (rule.id, text)
        assert re.search(r"《中华人民共和国[^》]+》(第[一二三四五六七八九十百]+条|第[一二三四五六七八九十]+章)?", rule.basis) or (
            "《" in rule.basis
        ), (rule.id, rule.basis)
        if rule.unit_basis:
            assert "本单位互联网信息发布保密管理制度（单位规定）：" + rule.unit_basis in rule.basis


def test_unit_rule_from_config_is_cited(tmp_path: Path) -> None:
    from scanner.catalogue import load_catalogue
    from scanner.userconfig import ConfigError, load_user_config

    config = tmp_path / ".secscan.yaml"
    config.write_text(
        "unit_rule:\n  name: 某市局互联网发布信息保密管理制度\n  clause: 第六条\n"
        "  clauses: {IM001: 第六条第（三）项}\n",
        encoding="utf-8",
    )
    unit_rule = load_user_config(None, tmp_path).unit_rule
    catalogue = load_catalogue(unit_rule=unit_rule)
    assert "《某市局互联网发布信息保密管理制度》第六条第（三）项（单位规定）：" in catalogue["IM001"].basis
    assert "《某市局互联网发布信息保密管理制度》第六条（单位规定）：" in catalogue["IM003"].basis
    assert "《中华人民共和国政府信息公开条例》第十六条" in catalogue["IM001"].basis
    assert catalogue.digest != CATALOGUE.digest  # a cached result must not keep the old citation
    config.write_text("unit_rule: {clauses: [第六条]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unit_rule\.clauses"):
        load_user_config(None, tmp_path)


@pytest.mark.parametrize(
    ("text", "rule_id", "severity"),
    [
        # rules about handling 批示件 and a published list of duties speak of them without holding one
        ("3、切实加强对领导同志批示件的管理,个人不得保存领导同志的批示件。", "SC401", "info"),
        ("四、机要文件要及时送领导批示,紧急密件要随到随送。", "SC401", "info"),
        ("综合科主要职能：负责文件的登记、分办，提出拟办意见。", "SC402", "info"),
        ("保密工作人员传阅秘密文件,要严格按照拟办意见传送阅文人。", "SC402", "info"),
        # the things themselves still ask for review
        ("领导批示：请办公室牵头研究，下周报方案。", "SC401", "review"),
        ("拟办意见：建议转交通运输局研究办理。", "SC402", "review"),
    ],
)
def test_mentions_of_process_words_are_lowered(settings: Settings, text: str, rule_id: str, severity: str) -> None:
    result = scan_bytes(text.encode("utf-8"), "doc.txt", settings)
    found = [finding for finding in result.findings if finding.rule == rule_id]
    assert found and {finding.severity.value for finding in found} == {severity}, found
