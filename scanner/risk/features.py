"""Text features of the residual-risk model, shared by training and scanning.

The features are counts of character n-grams from a fixed vocabulary,
weighted ``(1 + ln count) * idf`` and scaled to unit length.  Training
(``scripts/train_model.py``) counts with one Aho-Corasick automaton over the
vocabulary (:class:`NgramCounter`); scanning counts the same occurrences
with :class:`VocabularyIndex` (a small C kernel, ``scanner/_ngram.c``, or
numpy where it is not built, on long texts; a plain dictionary on short
ones), so the exported model scores exactly what it was fitted on and needs
neither scikit-learn nor jieba.

Only part of a long document is scored (see :func:`scoring_text`): the head,
where titles, marks and the purpose of a document sit, plus evenly spaced
samples of the rest, so the cost per document is bounded.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ahocorasick

from scanner.kernel import compiled_kernel

if TYPE_CHECKING:  # numpy is imported on the first long text, not with the scanner
    import numpy


@dataclass(frozen=True, kw_only=True)
class TextWindow:
    """How much of a document is scored: ``head`` characters plus ``samples`` pieces of ``sample_chars``."""

    head: int = 8000
    samples: int = 4
    sample_chars: int = 1000


def scoring_text(text: str, window: TextWindow) -> str:
    """The part of ``text`` that is scored, lower-cased (ASCII case carries no meaning here)."""
    return scoring_window(text, window).lower()


def scoring_window(text: str, window: TextWindow) -> str:
    """:func:`scoring_text` before lower-casing (:meth:`VocabularyIndex.array_counts` folds case itself)."""
    # The joined window is head + samples * (sample + newline) long; a text
    # that short is kept whole, so the window of a window is itself.
    budget = window.head + window.samples * (window.sample_chars + 1)
    if len(text) <= budget:
        return text
    pieces = [text[: window.head]]
    rest = len(text) - window.head
    step = rest // window.samples
    for index in range(window.samples):
        start = window.head + index * step + max(0, (step - window.sample_chars) // 2)
        pieces.append(text[start : start + window.sample_chars])
    return "\n".join(pieces)


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


# Below this many characters a dictionary lookup per n-gram is cheaper than
# numpy's fixed cost per call (and a scan of short texts never imports numpy).
SHORT_TEXT = 256
WARM_UP_TEXTS = 3
# The characters whose str.lower() is not one character of their own: İ
# becomes two, Σ becomes σ or ς by its neighbours.  Every other character
# lower-cases alone, to one character, so a table can do it.
CONTEXT_CASE = ("\u0130", "\u03a3")
_GOLDEN = 0x9E3779B97F4A7C15  # Fibonacci hashing: spreads polynomial keys over the table


class VocabularyIndex:
    """Counts every occurrence of every vocabulary n-gram, like :class:`NgramCounter`, but vectorised.

    Why: a document has thousands of overlapping vocabulary matches, and the
    automaton hands each one to Python (measured 4.2 ms per laws document for
    counting and weighing).  Here each character is mapped to its rank in the
    vocabulary's alphabet (0 for a character no term contains), each n-gram
    at each position becomes the exact integer ``length * A**max_len +
    polynomial(ranks, base A)`` and is looked up in an open-addressing hash
    table of the vocabulary's keys; an n-gram with an unknown character has
    a zero digit, which no vocabulary key has, so it never matches.  The
    keys are exact (no collisions), so the counts equal the automaton's.

    The numpy tables (about 3.5 MB) are built on the first text of at least
    :data:`SHORT_TEXT` characters; shorter texts use a dictionary.
    """

    def __init__(self, terms: Sequence[str]) -> None:
        self._terms = tuple(terms)
        self._index = dict(zip(self._terms, range(len(self._terms))))  # built in C, not a comprehension: made per model load
        self._lengths = tuple(sorted(set(map(len, self._terms))))
        self._tables: _HashTables | None = None
        self.size = len(self._terms)
        self._texts_seen = 0

    @functools.cached_property
    def vectorised(self) -> bool:
        """Whether the n-gram keys fit in 64 bits (alphabet < 2**16 characters for 4-grams).

        Asked only once a text could use the arrays: the set of the
        vocabulary's characters is 11 ms, which a cold ``scan`` never needs.
        """
        return bool(self._terms) and _fits_in_64_bits(self._terms)

    def counts(self, text: str) -> tuple[list[int], list[int]]:
        """Distinct vocabulary indexes found in ``text.lower()`` (ascending) and how often each occurs."""
        if not text or not self.size:
            return [], []
        if not self.use_arrays(text):
            return self._counts_by_dictionary(text.lower())
        indexes, counts = self.array_counts(text)
        return indexes.tolist(), counts.tolist()

    def use_arrays(self, text: str) -> bool:
        """Whether ``text`` is counted with numpy (both ways give the same integers).

        numpy and its tables cost ~0.3 s to set up, so a process first
        counts :data:`WARM_UP_TEXTS` texts with the dictionary: a single
        ``scan draft.docx`` never pays for them, a batch worker does once.
        """
        self._texts_seen += 1
        return len(text) >= SHORT_TEXT and self._texts_seen > WARM_UP_TEXTS and self.vectorised

    def array_counts(self, text: str) -> tuple[numpy.ndarray, numpy.ndarray]:
        """Like :meth:`counts`, as numpy arrays (``text`` must be non-empty).

        The tables give an upper-case character the rank of its lower case
        (:func:`_lower_case_pairs`), so ``text`` is counted as it is:
        lower-casing a document's window in Python was 3 % of a scan.  Only
        a text holding a character whose lower case is not one character, or
        depends on its neighbours (İ, Σ), is lower-cased first.

        Raises :class:`ValueError` when the vocabulary's keys do not fit in 64 bits.
        """
        tables, text = self._tables_for(text)
        return tables.counts(text)

    def weigh(self, text: str, tf: Any, weights: Any, limit: int) -> tuple[int, float, int, list[int]] | None:
        """:meth:`array_counts` and the model's weighing of them in one compiled call, or ``None``.

        Returns the distinct n-grams found, the exact sum of their
        contributions ``coef * tf-idf / norm``, how many contributions are
        positive and the vocabulary indexes of the first ``limit`` of those,
        largest first (the smaller index first among equal ones): what
        ``scanner.risk.linear`` computes with numpy from the counts, to the bit
        (``weigh`` in ``_ngram.c``).  ``tf``: float64 by count; ``weights``:
        float64, ``idf[i], coef[i]`` for each term ``i`` in turn (side by
        side, they share a cache line).  ``None`` where the kernel is not
        built, or where it leaves the weighing to numpy (a count past the
        tf table, a value not finite, a sum zero or not a normal float).

        Raises :class:`ValueError` when ``weights`` is not two per term.
        """
        tables, text = self._tables_for(text)
        return tables.weigh(text, tf, weights, limit)

    def _tables_for(self, text: str) -> tuple[_HashTables, str]:
        """The tables, built on first use, and ``text`` as they count it."""
        if self._tables is None:
            self._tables = _HashTables(self._terms)
        if any(char in text for char in CONTEXT_CASE):
            text = text.lower()
        return self._tables, text

    def _counts_by_dictionary(self, text: str) -> tuple[list[int], list[int]]:
        found: dict[int, int] = {}
        get = self._index.get
        for length in self._lengths:
            for start in range(len(text) - length + 1):
                index = get(text[start : start + length])
                if index is not None:
                    found[index] = found.get(index, 0) + 1
        indexes = sorted(found)
        return indexes, [found[index] for index in indexes]


def _fits_in_64_bits(terms: Sequence[str]) -> bool:
    base = len({char for term in terms for char in term}) + 1
    longest = max(len(term) for term in terms)
    return (longest + 1) * base**longest < 2**64 and base < 2**16


class _HashTables:
    """The numpy side of :class:`VocabularyIndex`."""

    def __init__(self, terms: Sequence[str]) -> None:
        import numpy as np

        if not _fits_in_64_bits(terms):
            raise ValueError("vocabulary too large for 64-bit n-gram keys")
        self._np = np
        alphabet = sorted({char for term in terms for char in term})
        rank = {char: position + 1 for position, char in enumerate(alphabet)}
        self._base = base = len(alphabet) + 1
        self._longest = max(len(term) for term in terms)
        self._lengths = sorted({len(term) for term in terms})
        self._rank = np.zeros(0x110000, dtype=np.uint16)
        self._rank[[ord(char) for char in alphabet]] = np.arange(1, base, dtype=np.uint16)
        upper, lower = _lower_case_pairs()
        self._rank[upper] = self._rank[lower]  # rank(c) = rank(c.lower()): the text is counted lower-cased
        self._terms = terms
        self._term_rank = rank  # before case folding: a term's own characters
        self._size = len(terms)
        self._slots: Any = None  # the n-gram key table of numpy_counts, built on its first call
        self._kernel = compiled_kernel()
        if self._kernel is not None:
            self._build_trie(terms, rank)

    def _build_keys(self) -> None:
        """numpy_counts' table: each term's 64-bit n-gram key in an open-addressing hash table.

        Built on first use: where the kernel counts (with its trie) it is
        never needed, and it took ~0.1 s of a worker's start.
        """
        np = self._np
        base, longest = self._base, self._longest
        rank = self._term_rank
        keys = []
        for term in self._terms:
            key = 0
            for char in term:
                key = key * base + rank[char]
            keys.append(len(term) * base**longest + key)
        # load factor <= 1/4: most absent n-grams end on an empty slot at once
        bits = max(8, (4 * len(keys)).bit_length())
        self._mask = (1 << bits) - 1
        self._shift = np.uint64(64 - bits)
        slots = [0] * (1 << bits)  # vocabulary index + 1; 0 = empty
        for index, key in enumerate(keys):
            slot = ((key * _GOLDEN) & 0xFFFFFFFFFFFFFFFF) >> (64 - bits)
            while slots[slot]:
                slot = (slot + 1) & self._mask
            slots[slot] = index + 1
        self._keys = np.array([0, *keys], dtype=np.uint64)  # by vocabulary index + 1; 0 matches nothing
        self._slots = np.array(slots, dtype=np.int32)

    def _build_trie(self, terms: Sequence[str], rank: dict[str, int]) -> None:
        """The kernel's tables: the vocabulary as a trie, stored as a double array.

        A node is a prefix of a term (or a term) that a longer term
        continues.  Each gets a number of its own such that its edge of
        rank ``r`` (the prefix plus the character of rank ``r``) is the
        cell ``number + r`` and no two edges share a cell.  The cell holds
        ``check | entry << 24 | child << 40``: ``check`` is the parent's
        number (so a cell that belongs to another node, or to none, is told
        apart), ``entry`` the vocabulary index + 1 of the n-gram (0 when it
        is no term) and ``child`` the n-gram's own number (0 when no term
        continues it).  ``self._roots`` holds the one-character n-grams the
        same way, by rank.  Why: each step of the walk is then one read of a
        0.6 MB array, without probing or a branch (a 4 MB hash table of the
        edges before, whose probe loop mispredicted on half the lookups),
        and the kernel walks, from each position, only as far as some term
        continues (1.9 steps per position on the laws corpus), level by
        level over all positions, so that many reads are in flight at once
        (see ``count`` in ``_ngram.c``).
        """
        np = self._np
        # dict.fromkeys, not a set: the same order, and so the same numbers, in every process
        edges = list(dict.fromkeys(term[:length] for term in terms for length in range(2, len(term) + 1)))
        parents = [edge[:-1] for edge in edges]
        ranks = [rank[edge[-1]] for edge in edges]
        below: dict[str, list[int]] = {}  # node -> the ranks of its edges
        for parent, edge_rank in zip(parents, ranks, strict=True):
            below.setdefault(parent, []).append(edge_rank)
        number = _double_array_numbers(below, self._base)
        if len(terms) >= 0xFFFF or max(number.values(), default=0) + self._base >= 1 << _CHECK_BITS:
            self._kernel = None  # the numbers do not fit the cells' fields: count with numpy
            return
        entry = dict(zip(terms, range(1, len(terms) + 1), strict=True))  # vocabulary index + 1
        checks = np.array(list(map(number.__getitem__, parents)), dtype=np.uint64)
        at = checks + np.array(ranks, dtype=np.uint64)
        cells = np.zeros(int(at.max(initial=0)) + 1, dtype=np.uint64)  # cell 0 stays empty
        cells[at] = checks | _cell_values(np, edges, entry, number)
        roots = np.zeros(self._base, dtype=np.uint64)
        roots[list(rank.values())] = _cell_values(np, list(rank), entry, number)
        self._roots = roots
        self._cells = cells
        # scratch space the kernel counts in (its tally is left zero)
        self._tally = np.zeros(len(terms) + 1, dtype=np.uint32)
        self._found = np.empty(len(terms), dtype=np.int64)
        self._found_counts = np.empty(len(terms), dtype=np.int64)
        # the arguments after the text of the kernel's count() and weigh()
        self._trie_args = (
            self._rank, roots, cells, self._tally, self._found, self._found_counts, self._base, self._longest,
        )

    def counts(self, text: str) -> tuple[Any, Any]:
        if self._kernel is not None:
            distinct = self._kernel.count(text, *self._trie_args)
            return self._found[:distinct].copy(), self._found_counts[:distinct].copy()
        return self.numpy_counts(text)

    def weigh(self, text: str, tf: Any, weights: Any, limit: int) -> tuple[int, float, int, list[int]] | None:
        """:meth:`VocabularyIndex.weigh` (``None`` without the kernel)."""
        if self._kernel is None:
            return None
        weighed: tuple[int, float, int, list[int]] | None = self._kernel.weigh(
            text, *self._trie_args, tf, weights, limit
        )
        return weighed

    def numpy_counts(self, text: str) -> tuple[Any, Any]:
        """:meth:`counts` with numpy alone (where the compiled kernel is not built)."""
        if self._slots is None:
            self._build_keys()
        np = self._np
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        ranks = self._rank[codes].astype(np.uint64)
        base = np.uint64(self._base)
        queries = []
        grams = ranks
        for length in range(1, self._longest + 1):
            if length > 1:
                grams = grams[:-1] * base + ranks[length - 1 :]
            if length in self._lengths:
                queries.append(grams + np.uint64(length * self._base**self._longest))
        found = self._lookup(np.concatenate(queries))
        tally = np.bincount(found, minlength=self._size + 1)
        tally[0] = 0
        present = np.flatnonzero(tally)
        return present - 1, tally[present]

    def _lookup(self, queries: Any) -> Any:
        """Vocabulary index + 1 of each query key, 0 where it is not in the vocabulary."""
        np = self._np
        slots = ((queries * np.uint64(_GOLDEN)) >> self._shift).astype(np.intp)
        found = self._slots[slots]
        missed = self._keys[found] != queries
        pending = np.flatnonzero(missed & (found != 0))  # slot taken by another key: probe on
        found[missed] = 0
        step = 0
        while pending.size:
            step += 1
            probe = (slots[pending] + step) & self._mask
            candidate = self._slots[probe]
            hit = self._keys[candidate] == queries[pending]
            found[pending[hit]] = candidate[hit]
            pending = pending[~hit & (candidate != 0)]
        return found


_CHECK_BITS = 24  # a double-array cell: check (24 bits) | entry (16 bits) << 24 | child (24 bits) << 40


def _cell_values(np: Any, grams: list[str], entry: dict[str, int], number: dict[str, int]) -> Any:
    """``entry << 24 | child << 40`` for each n-gram (uint64), the check still to be ORed in."""
    entries = np.array([entry.get(gram, 0) for gram in grams], dtype=np.uint64)
    children = np.array([number.get(gram, 0) for gram in grams], dtype=np.uint64)
    return entries << np.uint64(_CHECK_BITS) | children << np.uint64(_CHECK_BITS + 16)


def _double_array_numbers(below: dict[str, list[int]], base: int) -> dict[str, int]:
    """A number (1 or more) for each node, all distinct, such that no two edges share a cell (number + rank).

    ``below`` maps a node to the ranks (1 to ``base - 1``) of its edges.
    The 4,100 nodes with several edges are placed first, most edges first,
    each at the lowest number whose cells are free; the cells and numbers
    taken are the bits of two integers, so the numbers left for a node are
    the zero bits of one OR of shifts, a few integer operations instead of
    a search (a search in Python took seconds).  The 16,000 nodes with one
    edge then take the cells past those, one each.  The cells end up 57 %
    full; fuller (97 %) counted no faster and took longer to build.
    """
    taken = 1  # bit c: cell c holds an edge; cell 0 none (the kernel reads it for a cell past the array)
    used = 1  # bit n: number n is a node's; 0 is none's
    number: dict[str, int] = {}
    # sorted() is stable and below's order the same in every process: so are the numbers
    for node in sorted((node for node in below if len(below[node]) > 1), key=lambda node: -len(below[node])):
        # only numbers near the last cell taken are tried: all of them made each node cost
        # a few shifts of a 26,000-bit integer, and the cells would be 97 % full, not 50 %
        low = max(0, taken.bit_length() - 2 * base)
        window = taken >> low
        blocked = used >> low
        for edge in below[node]:
            blocked |= window >> edge
        first = low + (~blocked & (blocked + 1)).bit_length() - 1  # the lowest number left free
        number[node] = first
        used |= 1 << first
        taken |= sum(1 << edge for edge in below[node]) << first
    # cell `start + i` for the i-th single: past every cell taken, and with the ranks
    # falling, numbers that rise, past every number used
    start = max(taken.bit_length(), used.bit_length() + base)
    singles = sorted((node for node in below if len(below[node]) == 1), key=lambda node: -below[node][0])
    for position, node in enumerate(singles):
        number[node] = start + position - below[node][0]
    return number


@functools.cache
def _lower_case_pairs() -> tuple[Any, Any]:
    """The code points that str.lower() changes, and what each becomes (uint32 arrays).

    Every code point but the surrogates and :data:`CONTEXT_CASE`, lower-cased
    as one string: each then becomes one character in place, so the two
    arrays line up (about 30 ms, once per process).  A lower case is its own
    lower case, so no code point is in both arrays.
    """
    import numpy as np

    codes = np.arange(0x110000, dtype=np.uint32)
    keep = (codes < 0xD800) | (codes > 0xDFFF)
    for char in CONTEXT_CASE:
        keep &= codes != ord(char)
    codes = codes[keep]
    lowered = np.frombuffer(codes.tobytes().decode("utf-32-le").lower().encode("utf-32-le"), dtype=np.uint32)
    changed = codes != lowered
    return codes[changed], lowered[changed]


def sublinear_tf(count: int) -> float:
    """1 + ln(count), the same float wherever it is computed (numpy's log may differ in the last bit)."""
    return SUBLINEAR_TF[count] if count < len(SUBLINEAR_TF) else 1.0 + math.log(count)


SUBLINEAR_TF = tuple(1.0 + math.log(count) if count else 0.0 for count in range(4096))


def weigh(counts: dict[int, int], idf: Sequence[float]) -> dict[int, float]:
    """Sublinear tf-idf, scaled to unit Euclidean length (empty stays empty)."""
    weights = {index: sublinear_tf(count) * idf[index] for index, count in counts.items()}
    norm = math.sqrt(sum(value * value for value in weights.values()))
    if norm == 0.0:
        return {}
    return {index: value / norm for index, value in weights.items()}
