"""Text features of the residual-risk model, shared by training and scanning.

The features are counts of character n-grams from a fixed vocabulary,
weighted ``(1 + ln count) * idf`` and scaled to unit length.  Counting uses
one Aho-Corasick automaton over the vocabulary (C code, all overlapping
matches), so scanning needs neither scikit-learn nor jieba and costs a few
milliseconds per document.  Training (``scripts/train_model.py``) calls the
same functions, so the exported model scores exactly what it was fitted on.

Only part of a long document is scored (see :func:`scoring_text`): the head,
where titles, marks and the purpose of a document sit, plus evenly spaced
samples of the rest, so the cost per document is bounded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick


@dataclass(frozen=True, kw_only=True)
class TextWindow:
    """How much of a document is scored: ``head`` characters plus ``samples`` pieces of ``sample_chars``."""

    head: int = 8000
    samples: int = 4
    sample_chars: int = 1000


def scoring_text(text: str, window: TextWindow) -> str:
    """The part of ``text`` that is scored, lower-cased (ASCII case carries no meaning here)."""
    # The joined window is head + samples * (sample + newline) long; a text
    # that short is kept whole, so the window of a window is itself.
    budget = window.head + window.samples * (window.sample_chars + 1)
    if len(text) <= budget:
        return text.lower()
    pieces = [text[: window.head]]
    rest = len(text) - window.head
    step = rest // window.samples
    for index in range(window.samples):
        start = window.head + index * step + max(0, (step - window.sample_chars) // 2)
        pieces.append(text[start : start + window.sample_chars])
    return "\n".join(pieces).lower()


class NgramCounter:
    """Counts occurrences of vocabulary terms in a text.

    Built once per model (about 20 ms for 20,000 terms); not created at
    import time.
    """

    def __init__(self, terms: Sequence[str]) -> None:
        automaton = ahocorasick.Automaton()
        for index, term in enumerate(terms):
            automaton.add_word(term, index)
        automaton.make_automaton()
        self._automaton = automaton
        self.size = len(terms)

    def counts(self, text: str) -> dict[int, int]:
        counts: dict[int, int] = {}
        if not text or not self.size:
            return counts
        for _, index in self._automaton.iter(text):
            counts[index] = counts.get(index, 0) + 1
        return counts


def weigh(counts: dict[int, int], idf: Sequence[float]) -> dict[int, float]:
    """Sublinear tf-idf, scaled to unit Euclidean length (empty stays empty)."""
    weights = {index: (1.0 + math.log(count)) * idf[index] for index, count in counts.items()}
    norm = math.sqrt(sum(value * value for value in weights.values()))
    if norm == 0.0:
        return {}
    return {index: value / norm for index, value in weights.items()}


def candidate_ngrams(text: str, sizes: Iterable[int]) -> set[str]:
    """Every n-gram of the given sizes without white space (training only)."""
    grams: set[str] = set()
    for size in sizes:
        for start in range(len(text) - size + 1):
            gram = text[start : start + size]
            if not any(char.isspace() for char in gram):
                grams.add(gram)
    return grams
