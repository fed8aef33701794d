#!/usr/bin/env python3
"""Train the residual-risk model from ``corpus/`` and export ``models/risk_model.json``.

Deterministic: fixed seeds, sorted vocabulary, rounded numbers, no
timestamps — the same corpus gives a byte-identical JSON file.

Steps: normalise every document as the scanner does (one unit per line,
``scanner.normalize``), cut the scored window (``scanner.risk.features``), pick
character 2–4-gram candidates seen in at least ``MIN_DF`` training documents,
keep the ``VOCABULARY`` most class-dependent ones (chi²), weigh them with
sublinear tf-idf, fit a logistic regression, and calibrate its decision
value with Platt scaling fitted on out-of-family cross-validated scores
(GroupKFold over template families), so probabilities reflect documents of
an unseen family.

Prints the test-split metrics at the review threshold, the false-review rate
on the real public documents, a reliability table, the template-holdout
result (train on half the families, test on the other half, both ways) and
the time taken.  ``--no-holdout`` skips the holdout runs.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

try:
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.feature_selection import chi2
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
except ImportError as missing:  # scanning never needs it: scikit-learn is the train extra
    raise SystemExit(f"retraining needs scikit-learn ({missing}): pip install -e '.[train]'") from None

# The sibling script holds the corpus helpers; importing it also puts the
# repository root on sys.path for the scanner imports below.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_gate
from eval_gate import ROOT, Doc

from scanner.decide import Policy
from scanner.risk.features import NgramCounter, TextWindow, scoring_text, weigh
from scanner.risk.linear import FORMAT, LinearTextModel, encode_floats

SEED = 0
NGRAMS = (2, 4)
MIN_DF = 3
VOCABULARY = 40000
CANDIDATE_CHARS = 3000  # candidates come from each document's first characters (speed)
C = 4.0
FOLDS = 5
# The thin-evidence rule (scanner.risk.linear.Evidence): below FULL_TERMS distinct
# known n-grams the probability is shrunk towards PRIOR.  20 n-grams is about
# a ten-character phrase; a one-line internal note has 40-70.
EVIDENCE_FULL_TERMS = 20
EVIDENCE_PRIOR = 0.02
WINDOW = TextWindow()
OUTPUT = ROOT / "models" / "risk_model.json"


@dataclass(frozen=True, kw_only=True)
class Prepared:
    doc: Doc
    text: str  # the scored window of the normalised text


@dataclass(frozen=True, kw_only=True)
class Fitted:
    terms: list[str]
    idf: list[float]
    coef: list[float]
    intercept: float
    platt_a: float
    platt_b: float


def prepare(docs: list[Doc]) -> list[Prepared]:
    return [Prepared(doc=doc, text=scoring_text(eval_gate.normalized_text(doc.text), WINDOW)) for doc in docs]


def groups_of(items: list[Prepared]) -> list[str]:
    # Real documents are independent (an excerpt goes with its document);
    # generated ones share their family's wording.
    return [item.doc.group for item in items]


def select_terms(items: list[Prepared], labels: np.ndarray) -> list[str]:
    vectorizer = CountVectorizer(
        analyzer="char", ngram_range=NGRAMS, lowercase=False, binary=True, min_df=MIN_DF, dtype=np.float32
    )
    presence = vectorizer.fit_transform(item.text[:CANDIDATE_CHARS] for item in items)
    names = vectorizer.get_feature_names_out()
    # No n-gram with white space, and none with a digit: numbers carry no wording, and digit
    # n-grams ("89", "75") made tables of figures (budgets, yearbooks) read as internal statistics
    keep = np.array([not any(char.isspace() or char.isdigit() for char in name) for name in names])
    scores, _ = chi2(presence[:, keep], labels)
    scores = np.nan_to_num(scores)
    kept_names = names[keep]
    order = sorted(range(len(kept_names)), key=lambda index: (-float(scores[index]), kept_names[index]))
    return sorted(str(kept_names[index]) for index in order[:VOCABULARY])


def matrix(counts: list[dict[int, int]], idf: list[float], size: int) -> sparse.csr_matrix:
    rows, cols, values = [], [], []
    for row, doc_counts in enumerate(counts):
        for index, value in sorted(weigh(doc_counts, idf).items()):
            rows.append(row)
            cols.append(index)
            values.append(value)
    return sparse.csr_matrix((values, (rows, cols)), shape=(len(counts), size), dtype=np.float64)


def fit(items: list[Prepared]) -> Fitted:
    labels = np.array([1 if item.doc.positive else 0 for item in items])
    terms = select_terms(items, labels)
    counter = NgramCounter(terms)
    counts = [counter.counts(item.text) for item in items]
    df = np.zeros(len(terms))
    for doc_counts in counts:
        for index in doc_counts:
            df[index] += 1
    # scikit-learn's smoothed idf
    idf = [float(f"{math.log((1 + len(items)) / (1 + value)) + 1:.6f}") for value in df]
    features = matrix(counts, idf, len(terms))
    classifier = LogisticRegression(
        C=C, class_weight="balanced", solver="liblinear", random_state=SEED, max_iter=2000
    )
    classifier.fit(features, labels)
    # Platt scaling on out-of-family decision values.
    margins = np.zeros(len(items))
    for train_index, held_index in GroupKFold(n_splits=FOLDS).split(features, labels, groups_of(items)):
        fold = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", random_state=SEED, max_iter=2000)
        fold.fit(features[train_index], labels[train_index])
        margins[held_index] = fold.decision_function(features[held_index])
    platt = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    platt.fit(margins.reshape(-1, 1), labels)
    return Fitted(
        terms=terms,
        idf=idf,
        coef=[float(f"{value:.6g}") for value in classifier.coef_[0]],
        intercept=float(f"{classifier.intercept_[0]:.6g}"),
        platt_a=float(f"{platt.coef_[0][0]:.6g}"),
        platt_b=float(f"{platt.intercept_[0]:.6g}"),
    )


def export(fitted: Fitted, training: dict[str, object]) -> bytes:
    keep = [index for index, value in enumerate(fitted.coef) if value != 0.0]
    document = {
        "format": FORMAT,
        "features": {
            "kind": "char-ngrams via Aho-Corasick over a fixed vocabulary",
            "ngram_range": list(NGRAMS),
            "weighting": "(1 + ln count) * idf, L2-normalised",
            "lowercase": True,
            "window": {"head": WINDOW.head, "samples": WINDOW.samples, "sample_chars": WINDOW.sample_chars},
            "terms": [fitted.terms[index] for index in keep],
            "idf": encode_floats(fitted.idf[index] for index in keep),
        },
        "coef": encode_floats(fitted.coef[index] for index in keep),
        "intercept": fitted.intercept,
        "calibration": {"method": "platt (out-of-family GroupKFold)", "a": fitted.platt_a, "b": fitted.platt_b},
        "evidence": {"full_terms": EVIDENCE_FULL_TERMS, "prior": EVIDENCE_PRIOR},
        "training": training,
    }
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()


def evaluate_split(model: LinearTextModel, items: list[Prepared], threshold: float) -> dict[str, object]:
    # The texts are already windowed; the window is idempotent on them.
    scores = [model.score_text(item.text).probability for item in items]
    positives = [item.doc.positive for item in items]
    real = [score for score, item in zip(scores, items) if item.doc.source.startswith("real:")]
    short = [
        score for score, item in zip(scores, items)
        if not item.doc.positive and len(item.text) <= eval_gate.SHORT_MAX_CHARS
    ]
    original = [(score, item.doc.positive) for score, item in zip(scores, items)
                if item.doc.source.startswith(eval_gate.ORIGINAL_SOURCES)]
    return {
        "prf": eval_gate.prf(scores, positives, threshold),
        "prf_original": eval_gate.prf([score for score, _ in original], [pos for _, pos in original], threshold),
        "reliability": eval_gate.reliability(scores, positives),
        "real_false_review": sum(1 for score in real if score >= threshold),
        "real_n": len(real),
        "short_false_review": sum(1 for score in short if score >= threshold),
        "short_n": len(short),
    }


def in_holdout_train(item: Prepared, train_shards: set[int]) -> bool:
    """Real documents and excerpts keep their split; hand-written texts are never trained on."""
    if item.doc.source.startswith(("real:", "excerpt:")):
        return item.doc.split == "train"
    if item.doc.source.startswith("handwritten:"):
        return False
    return int(item.doc.family.rsplit("-f", 1)[1]) in train_shards


def holdout(items: list[Prepared], threshold: float) -> list[dict[str, object]]:
    """Train on half the template families (and the real training split), test on the other half."""
    results = []
    for name, train_shards in (("A", {0, 1}), ("B", {2, 3})):
        train = [item for item in items if in_holdout_train(item, train_shards)]
        test = [item for item in items if not in_holdout_train(item, train_shards)]
        fitted = fit(train)
        model = LinearTextModel.from_json(export(fitted, {}))
        result = evaluate_split(model, test, threshold)
        result["name"] = name
        result["train_families"] = sorted({item.doc.family for item in train if item.doc.source.startswith("gen")})
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-holdout", action="store_true")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    threshold = Policy().review_threshold
    started = time.perf_counter()
    if not eval_gate.shared_available():
        print("error: ../shared/corpus/real is needed for training", file=sys.stderr)
        return 2
    items = prepare(list(eval_gate.iter_docs()))
    prepared_at = time.perf_counter()
    train = [item for item in items if item.doc.split == "train"]
    test = [item for item in items if item.doc.split == "test"]
    fitted = fit(train)
    fitted_at = time.perf_counter()
    training = {
        "corpus_sha256": eval_gate.corpus_digest(),
        "train_docs": len(train),
        "train_not_publishable": sum(1 for item in train if item.doc.positive),
        "vocabulary_candidates_min_df": MIN_DF,
        "vocabulary_size": VOCABULARY,
        "classifier": f"LogisticRegression(C={C}, class_weight=balanced, liblinear)",
        "seed": SEED,
    }
    data = export(fitted, training)
    args.output.write_bytes(data)
    model = LinearTextModel.from_json(data)
    print(f"prepared {len(items)} documents in {prepared_at - started:.1f} s; "
          f"fitted in {fitted_at - prepared_at:.1f} s; {len(model.terms)} terms; model {model.digest}")

    result = evaluate_split(model, test, threshold)
    prf = result["prf"]
    assert isinstance(prf, dict)
    print(f"test split ({len(test)} docs, threshold {threshold}): {eval_gate.describe_prf(prf)}")
    prf = result["prf_original"]
    assert isinstance(prf, dict)
    print(f"  original population (template families + real): {eval_gate.describe_prf(prf)}")
    for low in (0.5, 0.9):
        other = eval_gate.prf([model.score_text(i.text).probability for i in test], [i.doc.positive for i in test], low)
        print(f"  at threshold {low}: precision {other['precision']:.4f} recall {other['recall']:.4f}")
    print(f"short public texts (test, <= {eval_gate.SHORT_MAX_CHARS} chars): "
          f"{result['short_false_review']}/{result['short_n']} sent to review")
    print(f"intercept {fitted.intercept:+.3f}: a text of neutral n-grams would get "
          f"{1 / (1 + math.exp(-(fitted.platt_a * fitted.intercept + fitted.platt_b))):.3f} before the evidence rule; "
          f"evidence rule: full at {model.evidence.full_terms} known n-grams, prior {model.evidence.prior}")
    real = [item for item in items if item.doc.source.startswith("real:")]
    real_scores = [model.score_text(item.text).probability for item in real]
    flagged = sum(1 for score in real_scores if score >= threshold)
    print(f"real public documents: {flagged}/{len(real)} = {flagged / len(real):.2%} sent to review "
          f"(test part: {result['real_false_review']}/{result['real_n']})")
    print("reliability (test split): bin  n  mean_p  observed")
    for row in result["reliability"]:  # type: ignore[attr-defined]
        print(f"  {row['bin']}  {row['n']:5d}  {row['mean_p']:.3f}  {row['observed']:.3f}")
    if not args.no_holdout:
        for outcome in holdout(items, threshold):
            prf = outcome["prf"]
            assert isinstance(prf, dict)
            original = outcome["prf_original"]
            assert isinstance(original, dict)
            print(f"template holdout {outcome['name']} (trained on {', '.join(outcome['train_families'])[:80]}...): "
                  f"precision {prf['precision']:.4f} recall {prf['recall']:.4f} F1 {prf['f1']:.4f} "
                  f"(original population: {original['precision']:.4f} / {original['recall']:.4f} / {original['f1']:.4f}); "
                  f"real false review {outcome['real_false_review']}/{outcome['real_n']}; "
                  f"short public false review {outcome['short_false_review']}/{outcome['short_n']}")
    print(f"total time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
