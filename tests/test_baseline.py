"""Baselines: accepted findings stay accepted when lines move; only hashes are stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.baseline import BaselineError, load_baseline, write_baseline
from scanner.catalogue import load_catalogue
from scanner.findings import UnitView
from scanner.match import Matcher
from scanner.normalize import normalize
from scanner.types import Finding, TextUnit


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_catalogue())


def scan(matcher: Matcher, text: str, accepted: frozenset[str] = frozenset()) -> list[Finding]:
    views = [
        UnitView(TextUnit(text=line, paragraph=number), normalize(line), number - 1)
        for number, line in enumerate(text.split("\n"), start=1)
    ]
    # The pipeline filters by Settings.accepted the same way.
    return [finding for finding in matcher.match(views) if finding.fingerprint not in accepted]


DOCUMENT = "补助发放名单\n联系人：张科长，手机 13812345678\n其他事项另行通知。"


def test_accepted_finding_survives_an_edit_elsewhere(matcher: Matcher, tmp_path: Path) -> None:
    first = scan(matcher, DOCUMENT)
    assert [f.rule for f in first] == ["PI002"]
    baseline = tmp_path / "baseline.json"
    assert write_baseline(baseline, first) == 1

    edited = "（修订稿说明）\n新增的第一段文字。\n" + DOCUMENT + "\n补充：银行卡 6222021001123456789"
    accepted = load_baseline(baseline)
    again = scan(matcher, edited, accepted)
    assert [f.rule for f in again] == ["PI003"]  # the new finding is reported
    assert all(
        f.location.paragraph != 2 for f in scan(matcher, edited) if f.rule == "PI002"
    )  # lines did shift


def test_changed_text_is_not_accepted(matcher: Matcher, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    write_baseline(baseline, scan(matcher, DOCUMENT))
    changed = DOCUMENT.replace("13812345678", "13912345678")
    assert [f.rule for f in scan(matcher, changed, load_baseline(baseline))] == ["PI002"]


def test_baseline_holds_no_sensitive_text(matcher: Matcher, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    write_baseline(baseline, scan(matcher, DOCUMENT))
    raw = baseline.read_text(encoding="utf-8")
    assert "13812345678" not in raw and "张科长" not in raw
    data = json.loads(raw)
    assert data["version"] == 1 and len(data["fingerprints"]) == 1


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"version": 99, "fingerprints": []}),
        json.dumps({"version": 1, "fingerprints": [1]}),
    ],
)
def test_bad_baseline_names_the_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BaselineError, match=r"bad\.json"):
        load_baseline(path)


def test_missing_baseline(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match=r"missing\.json"):
        load_baseline(tmp_path / "missing.json")
