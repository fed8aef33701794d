#!/usr/bin/env python3
"""Evaluation gate for the residual-risk model (like trafilatura's eval gate).

Scores, with the shipped ``models/risk_model.json`` and the scan-time code
(``scanner.risk.linear``, no scikit-learn):

* the test split of ``corpus/manifest.jsonl``: precision, recall and F1 for
  ``not-publishable`` at the review threshold, on the original population
  (template families and real documents, ``test``) and on the whole split
  with the short texts (``test_all``);
* all 3,560 real public documents in ``../shared/corpus/real``: the share the
  model alone would send to review (false-review rate, target <= 2 %);
* the short texts of the test split (at most ``SHORT_MAX_CHARS`` normalised
  characters: generated titles, notices, news items, web snippets, excerpts
  of real test documents, hand-written texts): the share of the public ones
  sent to review (short false-review rate) and the recall on the
  not-publishable ones.  The real corpus holds only long documents, so
  without this set a model that reads "short" as "internal" passes.

It compares the numbers with the floors in ``tests/eval_floors.json`` and
exits 1 when one is broken (2 when the corpus changed without the pinned
hash being updated).  Floors are raised when the model improves and never
lowered silently: lowering one needs a note in that file's ``history``.

Usage: ``python scripts/eval_gate.py [--threshold 0.8] [--json]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scanner.decide import Policy
from scanner.findings import UnitView
from scanner.normalize import normalize
from scanner.risk.linear import LinearTextModel
from scanner.types import TextUnit

MANIFEST = ROOT / "corpus" / "manifest.jsonl"
# The manifest names real documents as ../shared/corpus/real/…, the shared folder beside
# the repository; SECSCAN_SHARED puts it elsewhere (a git worktree has no ../shared).
SHARED = Path(os.environ.get("SECSCAN_SHARED") or ROOT.parent / "shared")


def corpus_path(file: str) -> Path:
    """Where a manifest's file is: ``../shared/…`` under :data:`SHARED`, the rest under the repository."""
    if file.startswith("../shared/"):
        return SHARED / file.removeprefix("../shared/")
    return ROOT / file
# A test document this short (normalised characters) counts as short: titles,
# one- or two-paragraph notices, news items, web snippets, excerpts.
SHORT_MAX_CHARS = 600
# The test population the first floors were set on (template families and
# real documents); "test_all" adds the short families, excerpts and
# hand-written texts added for issue #6.
ORIGINAL_SOURCES = ("generated:", "real:")
FLOORS = ROOT / "tests" / "eval_floors.json"
MODEL = ROOT / "models" / "risk_model.json"
POSITIVE = "not-publishable"


class CorpusError(RuntimeError):
    """The corpus on disk is missing or does not match its manifest."""


@dataclass(frozen=True, kw_only=True)
class Doc:
    id: str
    label: str
    split: str
    family: str
    source: str
    # Documents that share wording: a template family, or a real document
    # with its excerpt (cross-validation keeps a group on one side).
    group: str
    text: str  # raw text, as a plain-text file would hold it

    @property
    def positive(self) -> bool:
        return self.label == POSITIVE


def load_manifest() -> list[dict[str, object]]:
    with MANIFEST.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def shared_available() -> bool:
    return (SHARED / "corpus" / "real").is_dir()


def corpus_digest() -> str:
    """sha256 of the manifest and every repository file it lists (the real corpus is hashed apart)."""
    digest = hashlib.sha256(MANIFEST.read_bytes())
    for row in load_manifest():
        file = str(row["file"])
        if file.startswith("../"):
            continue
        digest.update(b"\0" + file.encode() + b"\0")
        digest.update((ROOT / file).read_bytes())
    return digest.hexdigest()


def real_digest() -> str:
    """sha256 of the real public corpus files the manifest refers to."""
    digest = hashlib.sha256()
    for file in sorted({str(row["file"]) for row in load_manifest() if str(row["file"]).startswith("../")}):
        digest.update(file.encode() + b"\0")
        digest.update(corpus_path(file).read_bytes())
    return digest.hexdigest()


def iter_docs(*, real: bool = True) -> Iterator[Doc]:
    """Every document of the manifest with its text; real ones only when ``real``.

    Raises :class:`CorpusError` when a listed file or line is missing.
    """
    rows = load_manifest()
    real_lines: dict[str, list[str]] = {}
    for row in rows:
        file = str(row["file"])
        if file.startswith("../"):
            if not real:
                continue
            if file not in real_lines:
                path = corpus_path(file)
                if not path.is_file():
                    raise CorpusError(f"missing real corpus file {path}")
                real_lines[file] = path.read_text(encoding="utf-8").splitlines()
            try:
                record = json.loads(real_lines[file][int(row["line"])])  # type: ignore[call-overload]
            except IndexError as error:
                raise CorpusError(f"{file} has no line {row['line']}") from error
            if record.get("title", "") != row.get("title", ""):
                raise CorpusError(f"{file}:{row['line']} is not {row.get('title')!r}")
            text = str(record.get("content", ""))
            if "start" in row:  # an excerpt: a character span of the document
                text = text[int(row["start"]) : int(row["end"])]  # type: ignore[call-overload]
        else:
            path = ROOT / file
            if not path.is_file():
                raise CorpusError(f"missing corpus file {path}")
            text = path.read_text(encoding="utf-8")
        yield Doc(
            id=str(row["id"]),
            label=str(row["label"]),
            split=str(row["split"]),
            family=str(row["family"]),
            source=str(row["source"]),
            group=str(row.get("parent") or (row["id"] if str(row["source"]).startswith("real:") else row["family"])),
            text=text,
        )


def views_of(text: str) -> list[UnitView]:
    """The views the pipeline builds for a plain-text file: one unit per line."""
    return [
        UnitView(TextUnit(text=line, paragraph=number), normalize(line), number - 1)
        for number, line in enumerate(text.splitlines(), start=1)
    ]


def normalized_text(text: str) -> str:
    """What :meth:`LinearTextModel.score` joins for a plain-text file."""
    return "\n".join(view.norm.text for view in views_of(text))


def describe_prf(counts: dict[str, float]) -> str:
    """One line for a :func:`prf` result, as every script prints it."""
    return (f"precision {counts['precision']:.4f} recall {counts['recall']:.4f} F1 {counts['f1']:.4f} "
            f"(tp {counts['tp']} fp {counts['fp']} fn {counts['fn']})")


def prf(scores: list[float], positives: list[bool], threshold: float) -> dict[str, float]:
    tp = sum(1 for score, pos in zip(scores, positives) if score >= threshold and pos)
    fp = sum(1 for score, pos in zip(scores, positives) if score >= threshold and not pos)
    fn = sum(1 for score, pos in zip(scores, positives) if score < threshold and pos)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def reliability(scores: list[float], positives: list[bool], bins: int = 10) -> list[dict[str, float]]:
    """Per probability bin: count, mean predicted probability, observed share of not-publishable."""
    table = []
    for index in range(bins):
        low, high = index / bins, (index + 1) / bins
        members = [
            (score, pos)
            for score, pos in zip(scores, positives)
            if low <= score < high or (index == bins - 1 and score == 1.0)
        ]
        if not members:
            continue
        table.append(
            {
                "bin": f"{low:.1f}-{high:.1f}",
                "n": len(members),
                "mean_p": sum(score for score, _ in members) / len(members),
                "observed": sum(1 for _, pos in members if pos) / len(members),
            }
        )
    return table


def evaluate(model: LinearTextModel, threshold: float, *, real: bool = True) -> dict[str, object]:
    """Score the corpus through the scan-time path and collect the gate's numbers."""
    started = time.perf_counter()
    test_scores: list[float] = []
    test_pos: list[bool] = []
    all_scores: list[float] = []
    all_pos: list[bool] = []
    short_scores: list[tuple[str, float, bool]] = []
    table_scores: list[tuple[str, float, bool]] = []
    real_scores: list[tuple[str, float]] = []
    real_chars = 0
    for doc in iter_docs(real=real):
        is_real = doc.source.startswith("real:")
        if doc.split != "test" and not is_real:
            continue
        views = views_of(doc.text)
        probability = model.score(views).probability
        if doc.split == "test":
            all_scores.append(probability)
            all_pos.append(doc.positive)
            if doc.source.startswith(ORIGINAL_SOURCES):
                test_scores.append(probability)
                test_pos.append(doc.positive)
            if sum(len(view.norm.text) for view in views) <= SHORT_MAX_CHARS:
                short_scores.append((doc.id, probability, doc.positive))
            if doc.source.startswith("generated-table:"):
                table_scores.append((doc.id, probability, doc.positive))
        if is_real:
            real_scores.append((doc.id, probability))
            real_chars += len(doc.text)
    elapsed = time.perf_counter() - started
    short_public = sorted(((score, doc_id) for doc_id, score, pos in short_scores if not pos), reverse=True)
    short_flagged = [item for item in short_public if item[0] >= threshold]
    short_internal = [score for _, score, pos in short_scores if pos]
    result: dict[str, object] = {
        "threshold": threshold,
        "test": prf(test_scores, test_pos, threshold),
        "test_n": len(test_scores),
        "test_all": prf(all_scores, all_pos, threshold),
        "test_all_n": len(all_scores),
        "reliability": reliability(all_scores, all_pos),
        # Short public texts of the test split (held out from training): the
        # share the model alone would send to review.
        "short": {
            "max_chars": SHORT_MAX_CHARS,
            "n": len(short_public),
            "false_review": len(short_flagged),
            "false_review_rate": len(short_flagged) / len(short_public) if short_public else 0.0,
            "worst": [{"id": doc_id, "p": round(score, 3)} for score, doc_id in short_public[:10]],
            "internal_n": len(short_internal),
            "internal_recall": (sum(1 for score in short_internal if score >= threshold) / len(short_internal)
                                if short_internal else 0.0),
        },
        # Tables of figures of the test split (budgets, statistical tables; internal
        # rankings and forecasts with the same rows): issue #23 item 5.
        "tables": _table_result(table_scores, threshold),
        "seconds": round(elapsed, 1),
    }
    if real_scores:
        flagged = sorted(((score, doc_id) for doc_id, score in real_scores if score >= threshold), reverse=True)
        result["real"] = {
            "n": len(real_scores),
            "chars": real_chars,
            "false_review": len(flagged),
            "false_review_rate": len(flagged) / len(real_scores),
            "worst": [{"id": doc_id, "p": round(score, 3)} for score, doc_id in flagged[:10]],
        }
    return result


def _table_result(scores: list[tuple[str, float, bool]], threshold: float) -> dict[str, object]:
    public = sorted(((score, doc_id) for doc_id, score, pos in scores if not pos), reverse=True)
    internal = [score for _, score, pos in scores if pos]
    flagged = [item for item in public if item[0] >= threshold]
    return {
        "n": len(public),
        "false_review": len(flagged),
        "false_review_rate": len(flagged) / len(public) if public else 0.0,
        "worst": [{"id": doc_id, "p": round(score, 3)} for score, doc_id in public[:5]],
        "internal_n": len(internal),
        "internal_recall": sum(1 for score in internal if score >= threshold) / len(internal) if internal else 0.0,
    }


def check(result: dict[str, object], floors: dict[str, object]) -> list[str]:
    """The broken floors, in words (empty when the gate passes)."""
    broken: list[str] = []

    def at_least(what: str, value: float, key: str) -> None:
        floor = float(floors[key])  # type: ignore[arg-type]
        if value < floor:
            broken.append(f"{what} {value:.4f} < floor {floor:.4f}")

    def at_most(what: str, value: float, key: str) -> None:
        ceiling = float(floors[key])  # type: ignore[arg-type]
        if value > ceiling:
            broken.append(f"{what} {value:.4f} > ceiling {ceiling:.4f}")

    test = result["test"]
    assert isinstance(test, dict)
    for metric in ("precision", "recall", "f1"):
        at_least(f"test {metric}", test[metric], f"min_{metric}")
    test_all = result.get("test_all")
    if isinstance(test_all, dict):
        for metric in ("precision", "recall"):
            at_least(f"whole test split {metric}", test_all[metric], f"min_all_{metric}")
    short = result.get("short")
    if isinstance(short, dict):
        if short["n"] < int(floors["min_short_n"]):  # type: ignore[call-overload]
            broken.append(f"only {short['n']} short public test documents < {floors['min_short_n']}")
        at_most("short-text false-review rate", short["false_review_rate"], "max_short_false_review_rate")
        at_least("short-text recall", short["internal_recall"], "min_short_recall")
    tables = result.get("tables")
    if isinstance(tables, dict) and "max_table_false_review_rate" in floors:
        at_most("table false-review rate", tables["false_review_rate"], "max_table_false_review_rate")
        at_least("table recall", tables["internal_recall"], "min_table_recall")
    real = result.get("real")
    if isinstance(real, dict):
        at_most("false-review rate", real["false_review_rate"], "max_false_review_rate")
    return broken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=Policy().review_threshold)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    digest = corpus_digest()
    if digest != floors["corpus_sha256"]:
        print(f"corpus changed: sha256 {digest} != pinned {floors['corpus_sha256']}; "
              "rebuild the model, rerun the gate and update tests/eval_floors.json", file=sys.stderr)
        return 2
    real = shared_available()
    if not real:
        print("note: ../shared/corpus/real is missing; the false-review rate is not measured", file=sys.stderr)
    model = LinearTextModel.from_json(MODEL.read_bytes())
    result = evaluate(model, args.threshold, real=real)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        test = result["test"]
        assert isinstance(test, dict)
        print(f"threshold {args.threshold:.2f}  model {model.digest}  ({result['seconds']} s)")
        print(f"test split ({result['test_n']} docs), not-publishable: {describe_prf(test)}")
        every = result["test_all"]
        assert isinstance(every, dict)
        print(f"whole test split with short texts ({result['test_all_n']} docs): {describe_prf(every)}")
        short = result["short"]
        assert isinstance(short, dict)
        print(f"short public texts (test, <= {short['max_chars']} chars): {short['false_review']}/{short['n']} sent "
              f"to review = {short['false_review_rate']:.2%} (ceiling {float(floors['max_short_false_review_rate']):.2%}); "
              f"short not-publishable recall {short['internal_recall']:.4f} (n {short['internal_n']})")
        tables = result["tables"]
        assert isinstance(tables, dict)
        print(f"public tables of figures (test): {tables['false_review']}/{tables['n']} sent to review; "
              f"internal tables recall {tables['internal_recall']:.4f} (n {tables['internal_n']})")
        real_result = result.get("real")
        if isinstance(real_result, dict):
            print(f"real public documents: {real_result['false_review']}/{real_result['n']} sent to review "
                  f"= {real_result['false_review_rate']:.2%} (ceiling {float(floors['max_false_review_rate']):.2%})")
        print("reliability (test split): bin  n  mean_p  observed")
        for row in result["reliability"]:  # type: ignore[attr-defined]
            print(f"  {row['bin']}  {row['n']:5d}  {row['mean_p']:.3f}  {row['observed']:.3f}")
    broken = check(result, floors)
    for line in broken:
        print(f"FLOOR BROKEN: {line}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
