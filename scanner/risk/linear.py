"""Score documents with the exported residual-risk model, without scikit-learn.

``models/risk_model.json`` (written by ``scripts/train_model.py``) holds a
character n-gram vocabulary with idf weights, the coefficients and intercept
of a logistic regression, Platt calibration parameters ``a, b`` and the
thin-evidence rule ``full_terms, prior``::

    z = intercept + sum_i coef_i * x_i       (x: unit-length tf-idf, see scanner.risk.features)
    w = min(1, k / full_terms)               (k: distinct vocabulary n-grams found in the text)
    logit(probability) = w * (a * z + b) + (1 - w) * logit(prior)

Why the shrinkage: the features are scaled to unit length, so a text with
two known n-grams weighs each as much as a long document weighs all of its
n-grams together, and one ambiguous n-gram (or the intercept) would decide.
A text with little evidence therefore gets a probability near the low
``prior`` instead.  And a document is only sent to review with a reason: when
no displayable n-gram raised the score, the probability is capped at the
prior.

The format is JSON on purpose: a pickle executes code when loaded.  The two
arrays of weights (``coef`` and ``features.idf``) are each one base64 string
of little-endian IEEE 754 doubles (:func:`encode_floats`): parsing 80,000
JSON numbers was two thirds of loading the model, 23 of 35 ms of a cold
``scan``.  To read them: ``scanner.risk.linear.decode_floats(raw["coef"])``.
"""

from __future__ import annotations

import array
import base64
import binascii
import json
import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.findings import UnitView, texts_of, units_of
from scanner.kernel import compiled_kernel
from scanner.risk import ModelScore, digest_of_model
from scanner.risk.features import (
    SUBLINEAR_TF,
    TextWindow,
    VocabularyIndex,
    scoring_text,
    scoring_window,
    sublinear_tf,
)
from scanner.types import unit_parts

FORMAT = "secscan-linear-ngram/3"

# The parts whose text says what a document is about.  Headers, footers and
# metadata repeat or label; comments, deleted and hidden text are left to the
# rules, which report the layer they come from.
BODY_PARTS = frozenset(
    {"body", "table", "textbox", "footnote", "endnote", "inserted", "attachment", "sheet", "slide", "notes",
     "form", "outline", "embedded"}
)
TOP_TERMS = 5
# How many ranked indexes the kernel returns at first: _top_terms reads 5 to 16 of them
# for most documents, more than 32 for 2 of the 4,953 of the equality check.
RANKED_FIRST = 32


class ModelFormatError(ValueError):
    """The model file is not a model this code can score with."""


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """How the model abstains when a text gives it too little to judge.

    ``full_terms``: distinct vocabulary n-grams from which the model's own
    probability is used unchanged; below, it is shrunk (in log-odds, in
    proportion) towards ``prior``, the probability of a text with no evidence.
    """

    full_terms: int
    prior: float

    def __post_init__(self) -> None:
        if self.full_terms < 1 or not 0.0 < self.prior < 0.5:
            raise ModelFormatError(f"implausible evidence rule {self!r}")

    def shrink(self, log_odds: float, *, known_terms: int) -> float:
        """The probability for calibrated ``log_odds`` seen with ``known_terms`` distinct n-grams."""
        weight = min(1.0, known_terms / self.full_terms)
        prior_log_odds = math.log(self.prior / (1.0 - self.prior))
        return _sigmoid(weight * log_odds + (1.0 - weight) * prior_log_odds)


@dataclass(frozen=True, kw_only=True)
class LinearTextModel:
    terms: tuple[str, ...]
    coef: tuple[float, ...]
    idf: tuple[float, ...]
    intercept: float
    platt_a: float
    platt_b: float
    window: TextWindow
    evidence: Evidence
    digest: str
    metadata: dict[str, object] = field(default_factory=dict, compare=False, repr=False)
    _index: VocabularyIndex = field(compare=False, repr=False, default=None)  # type: ignore[assignment]
    _arrays: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # numpy coef/idf, on first use

    @classmethod
    def from_json(cls, data: bytes) -> LinearTextModel:
        """Load a model from the bytes of its JSON file.

        Raises :class:`ModelFormatError` when the file is not a model of this format.
        """
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise ModelFormatError(f"unknown model format {raw.get('format')!r}, expected {FORMAT!r}")
            features = raw["features"]
            terms = tuple(features["terms"])
            coef = decode_floats(raw["coef"])
            idf = decode_floats(features["idf"])
            window = TextWindow(**features["window"])
            evidence = Evidence(full_terms=int(raw["evidence"]["full_terms"]), prior=float(raw["evidence"]["prior"]))
            model = cls(
                terms=terms,
                coef=coef,
                idf=idf,
                intercept=float(raw["intercept"]),
                platt_a=float(raw["calibration"]["a"]),
                platt_b=float(raw["calibration"]["b"]),
                window=window,
                evidence=evidence,
                digest=digest_of_model(data),
                metadata=dict(raw.get("training", {})),
                _index=VocabularyIndex(terms),
            )
        except ModelFormatError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:  # ValueError covers bad JSON
            raise ModelFormatError(f"malformed model file: {error!r}") from error
        if not (len(terms) == len(coef) == len(idf)):
            raise ModelFormatError("terms, coef and idf differ in length")
        return model

    def score(self, views: Sequence[UnitView], *, joined: str | None = None) -> ModelScore:
        """The calibrated probability that the document is not publishable, with its main terms.

        ``joined``, when given, must be the normalised texts of all ``views``
        joined with newlines; it is scored as it is when every unit is body text.
        """
        units = units_of(views)
        if joined is None or not unit_parts(units) <= BODY_PARTS:
            joined = "\n".join(
                text for text, unit in zip(texts_of(views), units, strict=True) if unit.part in BODY_PARTS
            )
        return self.score_text(joined)

    def score_text(self, text: str) -> ModelScore:
        """Score an already normalised text (lines joined with newlines).

        A document without body text gets probability 0: there is nothing
        for the model to judge, and the rules report unreadable content.
        A text with few known n-grams is shrunk towards the prior, and one
        without any displayable positive term never reaches above the prior
        (see :class:`Evidence`), so every review the model asks for names its
        reasons.
        """
        known_terms, margin, ranked = self._evaluate(scoring_window(text, self.window))
        if not known_terms:
            return ModelScore(probability=0.0)
        top_terms = self._top_terms(ranked)
        probability = self.evidence.shrink(self.platt_a * margin + self.platt_b, known_terms=known_terms)
        if not top_terms:
            probability = min(probability, self.evidence.prior)
        return ModelScore(probability=probability, top_terms=top_terms)

    def _evaluate(self, text: str) -> tuple[int, float, Iterable[int]]:
        """Distinct known n-grams, decision value, and the indexes of positive contributions, largest first.

        Counting with the kernel, numpy or a dictionary gives the same
        integers, and the weighing below is exact whichever way it runs:
        every term is one IEEE operation on the same inputs (1 + ln(count)
        from one table) and every sum is correctly rounded (``math.fsum``, or
        :func:`exact_sum` on arrays, or the kernel's own exact sums), so
        independent of order.  Among equal contributions the smaller index
        comes first.  So the score of a document never depends on which path
        this process took (see VocabularyIndex.use_arrays).
        """
        if not self._index.use_arrays(text):
            indexes, plain_counts = self._index._counts_by_dictionary(text.lower())
            if not indexes:
                return 0, self.intercept, ()
            raw = [sublinear_tf(count) * self.idf[index] for index, count in zip(indexes, plain_counts, strict=True)]
            norm = math.sqrt(math.fsum(value * value for value in raw))
            contributions = [self.coef[index] * (value / norm) for index, value in zip(indexes, raw, strict=True)]
            ranked = sorted(
                ((index, value) for index, value in zip(indexes, contributions, strict=True) if value > 0),
                key=lambda item: (-item[1], item[0]),
            )
            margin = self.intercept + math.fsum(contributions)
            return len(indexes), margin, (index for index, _ in ranked)
        arrays = self._numpy_arrays()
        weighed = self._index.weigh(text, arrays["tf"], arrays["weights"], RANKED_FIRST)
        if weighed is not None:  # counted and weighed in one compiled call
            known, total, positives, first = weighed
            if not known:
                return 0, self.intercept, ()
            return known, self.intercept + total, self._ranked(text, first, positives)
        found, counts = self._index.array_counts(text)
        if not found.size:
            return 0, self.intercept, ()
        np = arrays["np"]
        table = arrays["tf"]
        tf = table[np.minimum(counts, len(table) - 1)]
        beyond = counts >= len(table)
        if beyond.any():  # counts past the table: the same scalar formula as the dictionary path
            tf[beyond] = [sublinear_tf(int(count)) for count in counts[beyond]]
        raw = tf * arrays["idf"][found]
        norm = math.sqrt(exact_sum(raw * raw))
        contributions = arrays["coef"][found] * (raw / norm)
        margin = self.intercept + exact_sum(contributions)
        positive = contributions > 0
        order = np.lexsort((found[positive], -contributions[positive]))
        return int(found.size), margin, (int(i) for i in found[positive][order])

    def _ranked(self, text: str, first: list[int], positives: int) -> Iterator[int]:
        """The kernel's ranking of ``text``'s positive contributions: ``first``, then the rest of ``positives``.

        The kernel ranks only the first :data:`RANKED_FIRST` (a selection,
        not a sort of them all), as :meth:`_top_terms` seldom reads more; a
        reader that wants more has ``text`` weighed again, ranking them all.
        """
        yield from first
        if positives > len(first):
            arrays = self._numpy_arrays()
            weighed = self._index.weigh(text, arrays["tf"], arrays["weights"], positives)
            if weighed is None:  # it was weighed just so before: only a changed table could do this
                raise RuntimeError("the kernel no longer weighs this text")
            yield from weighed[3][len(first) :]

    def _numpy_arrays(self) -> dict[str, Any]:
        if not self._arrays:
            import numpy as np

            self._arrays.update(
                np=np,
                coef=np.array(self.coef),
                idf=np.array(self.idf),
                weights=np.array([self.idf, self.coef]).T.copy(),  # the kernel's: idf, coef of each term in turn
                tf=np.array(SUBLINEAR_TF),
            )
        return self._arrays

    def _top_terms(self, ranked: Iterable[int]) -> tuple[str, ...]:
        """The terms that raised the score most; overlapping n-grams (讨论/讨论稿) count once."""
        chosen: list[str] = []
        for index in ranked:
            term = self.terms[index]
            # n-grams with punctuation (分法, ) say little to a reviewer
            if not term.isalnum() or any(term in other or other in term for other in chosen):
                continue
            chosen.append(term)
            if len(chosen) == TOP_TERMS:
                break
        return tuple(chosen)

    def margin_text(self, text: str) -> float:
        """The uncalibrated decision value (used by training to check the export)."""
        return self._evaluate(scoring_text(text, self.window))[1]


def encode_floats(values: Iterable[float]) -> str:
    """Doubles as the model file stores them: base64 of their little-endian IEEE 754 bytes (exact)."""
    packed = array.array("d", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def decode_floats(text: object) -> tuple[float, ...]:
    """The doubles :func:`encode_floats` stored; raises :class:`ModelFormatError` unless all are finite."""
    if not isinstance(text, str):
        raise ModelFormatError(f"expected a base64 string of doubles, not {type(text).__name__}")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ModelFormatError(f"bad base64 in an array of doubles: {error}") from error
    if len(data) % 8:
        raise ModelFormatError(f"an array of doubles of {len(data)} bytes, not a multiple of 8")
    values = array.array("d")
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    result = tuple(values)
    if not all(map(math.isfinite, result)):
        raise ModelFormatError("an array of doubles holds a value that is not finite")
    return result


def exact_sum(values: Any) -> float:
    """``math.fsum(values.tolist())`` for a numpy float64 array, without a Python float per element.

    Every finite double is ``digits * 2**(exponent - 53)`` with integer
    ``digits`` below 2**53 (``numpy.frexp``).  The digits are split into a
    high and a low part below 2**27 and summed per exponent with
    ``numpy.bincount``: sums of fewer than 2**26 such integers stay below
    2**53, so float64 adds them exactly.  The bins are combined as one
    Python integer and divided by the power of two once; Python rounds that
    division (and int-to-float) correctly, as ``fsum`` rounds its result,
    so the two agree to the bit.  2.5x faster than ``fsum`` over a list
    for a document's ~3,000 terms (54 vs 136 µs).  Zero totals (whose
    sign ``fsum`` keeps), non-finite values and huge arrays go to ``fsum``.
    """
    import numpy as np

    kernel = compiled_kernel()
    if kernel is not None and values.size:
        # the same integer, summed in C and rounded there as Python rounds it (scanner/_ngram.c)
        total = kernel.exact_sum(np.ascontiguousarray(values, dtype=np.float64))
        if total is None:  # not finite, too many values, or a sum zero, subnormal or too large
            return math.fsum(values.tolist())
        return float(total)
    if values.size == 0 or values.size >= 1 << 26 or not np.isfinite(values).all():
        return math.fsum(values.tolist())
    mantissa, exponent = np.frexp(values)
    digits = (mantissa * 9007199254740992.0).astype(np.int64)  # * 2**53, exact
    shift = exponent.astype(np.int64)
    lowest = int(shift.min())
    shift -= lowest
    high = np.bincount(shift, weights=(digits >> 27).astype(np.float64))  # digits = high * 2**27 + low
    low = np.bincount(shift, weights=(digits & ((1 << 27) - 1)).astype(np.float64))
    total = 0
    for position in np.flatnonzero(high).tolist():
        total += int(high[position]) << (position + 27)
    for position in np.flatnonzero(low).tolist():
        total += int(low[position]) << position
    return _scaled(total, lowest, values)


def _scaled(total: int, lowest: int, values: Any) -> float:
    """``total * 2**(lowest - 53)``, correctly rounded (the exact sum of :func:`exact_sum`)."""
    if total == 0:  # fsum knows the sign of a zero sum
        return math.fsum(values.tolist())
    scale = lowest - 53
    return total / (1 << -scale) if scale < 0 else float(total << scale)


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)
