"""Word boundaries with jieba's dictionary, used only where they decide something.

Aho-Corasick finds every occurrence of a lexicon term, including those that
cut through a longer word: 标底 inside 目标底线 (目标/底线), 拟任 inside
模拟任务 (模拟/任务).  :class:`Segmenter` segments a small window around one
hit and says whether the hit's edges fall on word boundaries.  It never
segments a whole document, so the no-hit path costs nothing, and jieba's
dictionary is loaded on the first hit only.

HMM is off: the new-word guesser is not deterministic enough across short
windows, and the lexicon terms are all dictionary words or compounds of them.

The segmenter is rjieba (jieba-rs, the Rust port with jieba's own
dictionary), or jieba itself on a platform without an rjieba wheel; both
give the same words with HMM off (tests/test_segment.py compares 4,000
corpus and random windows and 300 lines of the laws corpus on every run,
jieba being the reference).  rjieba's import takes 0.13-0.19 s of CPU and
34 MB, once per process and only when a hit needs its boundaries; jieba's
0.6-0.9 s.  A C re-implementation of jieba's cut in the compiled kernel
was 0.07 s faster to load, but it was a second copy of jieba's algorithm
to keep bit-for-bit equal, and it was removed (#20).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from itertools import pairwise

# Characters of context segmented on each side of a hit: enough for jieba to
# see the neighbouring word (Chinese words are mostly 2-4 characters).
WINDOW = 8
LONG_TERM = 4
_CACHE_SIZE = 4096
_SURROGATES = re.compile("[\ud800-\udfff]")
# In the order tried when no backend is named.
BACKENDS = ("rjieba", "jieba")


class Segmenter:
    """Decides whether a span cuts through a word; the dictionary loaded on first use.

    One instance per :class:`~scanner.match.Matcher` (no module-level
    dictionary, so tests never share state; rjieba's is its module's own).
    Window segmentations are cached: the same phrase recurs across
    documents (a heading, a boilerplate line).
    """

    def __init__(self, *, window: int = WINDOW, cache_size: int = _CACHE_SIZE, backend: str | None = None) -> None:
        """``backend``: one of :data:`BACKENDS`; by default the first of them available."""
        if backend not in (None, *BACKENDS):
            raise ValueError(f"unknown segmenter backend {backend!r}")
        self._window = window
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[int, ...]] = OrderedDict()
        self._backend = backend
        self._segment: Callable[[str], tuple[int, ...]] | None = None

    def boundaries(self, text: str) -> tuple[int, ...]:
        """Offsets in ``text`` where a word starts or ends (including 0 and len)."""
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        if self._segment is None:
            self._segment = load_segmenter(self._backend)
        result = self._segment(text)
        self._cache[text] = result
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return result

    def cuts_word(self, text: str, start: int, end: int) -> bool:
        """True when ``text[start:end]`` begins or ends inside a longer word.

        Only Chinese neighbours matter: a hit next to a digit, letter or
        punctuation mark is on a boundary by definition.  A hit of
        :data:`LONG_TERM` characters or more must cut a word at *both* ends
        to be dropped: a long term is a phrase of its own, and jieba joining
        its last characters with the next word (青龙工程 + 建设 →
        青龙/工程建设) does not make it a different word, whereas the
        traps (目标底线, 有机密切, 路口交通) cut through words on both sides.
        """
        left = start > 0 and _is_han(text[start - 1]) and _is_han(text[start])
        right = end < len(text) and _is_han(text[end]) and _is_han(text[end - 1])
        if not (left or right):
            return False
        lo = max(0, start - self._window)
        hi = min(len(text), end + self._window)
        marks = set(self.boundaries(text[lo:hi]))
        cut_left = left and start - lo not in marks
        cut_right = right and end - lo not in marks
        if end - start >= LONG_TERM:
            return cut_left and cut_right
        return cut_left or cut_right

    def split_word(self, text: str, start: int, end: int) -> str:
        """The word of the window that the hit cuts through (for the explanation)."""
        lo = max(0, start - self._window)
        hi = min(len(text), end + self._window)
        offsets = self.boundaries(text[lo:hi])
        words = []
        for left, right in pairwise(offsets):
            word_start, word_end = lo + left, lo + right
            if word_start < end and word_end > start and (word_start < start or word_end > end):
                words.append(text[word_start:word_end])
        return "、".join(words)


def load_segmenter(backend: str | None = None) -> Callable[[str], tuple[int, ...]]:
    """The word-boundary function of ``backend`` (HMM off), loaded now.

    Raises ImportError when that backend is not installed.
    """
    cut = _load_cut(backend)

    def boundaries(text: str) -> tuple[int, ...]:
        try:
            return _offsets(cut(text))
        except UnicodeEncodeError:
            # rjieba takes UTF-8: a lone surrogate (a str may hold one, e.g.
            # from a UTF-7 page) becomes U+FFFD, one character for one, which
            # jieba cuts the same way (a character of its own)
            return _offsets(cut(_SURROGATES.sub("\ufffd", text)))

    return boundaries


def _load_cut(backend: str | None) -> Callable[[str], Iterable[str]]:
    """rjieba's or jieba's word cut, HMM off, loaded now (rjieba by default when it is installed)."""
    if backend in (None, "rjieba"):
        try:
            import rjieba
        except ImportError:
            if backend == "rjieba":
                raise
        else:
            # the module's own instance, built on import: nothing here adds words to it
            return lambda text: rjieba.cut(text, False)
    import jieba

    jieba.setLogLevel(60)  # its "Building prefix dict" chatter goes to stderr
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return lambda text: tokenizer.cut(text, HMM=False)


def _offsets(words: Iterable[str]) -> tuple[int, ...]:
    offsets = [0]
    for word in words:
        offsets.append(offsets[-1] + len(word))
    return tuple(offsets)


def _is_han(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF
