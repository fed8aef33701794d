"""The corpus is pinned and the model meets its floors (scripts/eval_gate.py, run in-process)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_gate():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("eval_gate", ROOT / "scripts" / "eval_gate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("eval_gate", module)
    spec.loader.exec_module(module)
    return module


gate = _load_gate()
FLOORS = json.loads((ROOT / "tests" / "eval_floors.json").read_text(encoding="utf-8"))


def test_corpus_hash_is_pinned() -> None:
    assert gate.corpus_digest() == FLOORS["corpus_sha256"], (
        "corpus/ changed: rebuild the model (scripts/train_model.py), rerun scripts/eval_gate.py "
        "and update corpus_sha256 in tests/eval_floors.json"
    )


def test_real_corpus_hash_is_pinned() -> None:
    if not gate.shared_available():
        pytest.skip("../shared/corpus/real is missing: the real public corpus is not checked")
    assert gate.real_digest() == FLOORS["real_sha256"]


def test_manifest_is_consistent() -> None:
    rows = gate.load_manifest()
    assert len({row["id"] for row in rows}) == len(rows)
    splits_of_family: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        assert row["label"] in ("publishable", "not-publishable")
        assert row["split"] in ("train", "test")
        assert bool(row["categories"]) == (row["label"] == "not-publishable")
        if not str(row["file"]).startswith("../"):
            assert (ROOT / row["file"]).is_file(), row["file"]
            splits_of_family[row["family"]].add(row["split"])
    # whole template families are in one split, so the test split measures unseen wording
    assert all(len(splits) == 1 for splits in splits_of_family.values())
    labels = {row["label"] for row in rows if row["split"] == "test"}
    assert labels == {"publishable", "not-publishable"}
    assert sum(1 for row in rows if row["source"].startswith("real:")) == 3560


def test_floors_are_documented_and_sane() -> None:
    assert "never lowered silently" in FLOORS["policy"]
    assert FLOORS["history"], "every change of a floor is recorded"
    assert FLOORS["max_false_review_rate"] <= 0.02
    assert FLOORS["max_short_false_review_rate"] <= 0.02 and FLOORS["min_short_n"] >= 100
    assert FLOORS["max_table_false_review_rate"] <= 0.02 and FLOORS["min_table_recall"] >= 0.5
    assert 0.5 < FLOORS["min_precision"] <= 1 and 0.5 < FLOORS["min_recall"] <= 1


def test_short_public_texts_are_held_out() -> None:
    rows = gate.load_manifest()
    split_of = {row["id"]: row["split"] for row in rows}
    handwritten = [row for row in rows if str(row["source"]).startswith("handwritten:")]
    assert len([row for row in handwritten if row["label"] == "publishable"]) >= 50
    assert all(row["split"] == "test" for row in handwritten)
    excerpts = [row for row in rows if str(row["source"]).startswith("excerpt:")]
    assert len(excerpts) > 1000
    for row in excerpts:
        # an excerpt is a span of a real document, referenced (never copied), in its document's split
        assert str(row["file"]).startswith("../shared/") and 0 <= row["start"] < row["end"]
        assert split_of[row["parent"]] == row["split"]
    short_families = {row["family"] for row in rows if "-short-f" in str(row["family"])}
    assert {family.rsplit("-f", 1)[0] for family in short_families} >= {
        "event-short", "web-page-short", "service-info-short", "news-brief-short", "procurement-result-short",
        "appointment-notice-short", "internal-note-short", "meeting-deliberation-short"}


def test_check_reports_a_broken_floor() -> None:
    good = {"test": {"precision": 1.0, "recall": 1.0, "f1": 1.0}, "real": {"false_review_rate": 0.0},
            "short": {"n": 500, "false_review_rate": 0.0, "internal_recall": 1.0}}
    assert gate.check(good, FLOORS) == []
    bad = {"test": {"precision": 1.0, "recall": 0.1, "f1": 0.2}, "real": {"false_review_rate": 0.5},
           "short": {"n": 20, "false_review_rate": 0.3, "internal_recall": 0.0}}
    broken = gate.check(bad, FLOORS)
    assert any("recall" in line for line in broken)
    assert any(line.startswith("false-review") for line in broken)
    assert any("short-text false-review" in line for line in broken)
    assert any("short public test documents" in line for line in broken)
    tables = {**bad, "tables": {"false_review_rate": 0.5, "internal_recall": 0.1}}
    assert any("table false-review" in line for line in gate.check(tables, FLOORS))
    assert any("table recall" in line for line in gate.check(tables, FLOORS))


def test_gate_meets_the_floors() -> None:
    if not gate.shared_available():
        pytest.skip("../shared/corpus/real is missing: the gate needs the 3,560 real public documents")
    model = gate.LinearTextModel.from_json(gate.MODEL.read_bytes())
    result = gate.evaluate(model, FLOORS["threshold"])
    assert result["real"]["n"] == 3560
    assert result["short"]["n"] >= FLOORS["min_short_n"]
    assert result["tables"]["n"] >= 40 and result["tables"]["internal_n"] >= 20
    assert gate.check(result, FLOORS) == [], json.dumps(result, ensure_ascii=False)[:2000]
