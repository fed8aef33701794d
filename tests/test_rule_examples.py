"""Every rule's examples run as tests: each example is scanned as a plain-text document."""

from __future__ import annotations

import pytest

from scanner.catalogue import load_catalogue
from scanner.pipeline import Settings, scan_bytes

CATALOGUE = load_catalogue()
MATCH = [(rule.id, text) for rule in CATALOGUE.rules.values() for text in rule.examples_match]
NO_MATCH = [(rule.id, text) for rule in CATALOGUE.rules.values() for text in rule.examples_no_match]


@pytest.mark.parametrize(("rule_id", "text"), MATCH)
def test_example_matches(settings: Settings, rule_id: str, text: str) -> None:
    result = scan_bytes(text.encode("utf-8"), "example.txt", settings)
    fired = {finding.rule for finding in result.findings}
    assert rule_id in fired, f"{rule_id} did not fire on {text!r}; fired: {sorted(fired)}"


@pytest.mark.parametrize(("rule_id", "text"), NO_MATCH)
def test_example_does_not_match(settings: Settings, rule_id: str, text: str) -> None:
    result = scan_bytes(text.encode("utf-8"), "example.txt", settings)
    hits = [finding for finding in result.findings if finding.rule == rule_id]
    assert not hits, f"{rule_id} fired on {text!r}: {hits[0].text!r} ({hits[0].evidence})"
