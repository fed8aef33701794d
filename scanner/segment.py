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
dictionary) where it is installed, else jieba itself.  With HMM off both
give the same words (200,000 corpus windows and random texts compared once;
tests/test_match.py compares 4,000 on every run), but jieba takes 0.6-0.9 s
to load its dictionary and rjieba 0.1 s: for ``scan draft.docx`` with one
hit to check that was most of the run.  Whole texts segment about 20x
faster too.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from itertools import pairwise

# Characters of context segmented on each side of a hit: enough for jieba to
# see the neighbouring word (Chinese words are mostly 2-4 characters).
WINDOW = 8
LONG_TERM = 4
_CACHE_SIZE = 4096


class Segmenter:
    """Decides whether a span cuts through a word; jieba loaded on first use.

    One instance per :class:`~scanner.match.Matcher` (no module-level
    tokenizer, so tests never share state).  Window segmentations are cached:
    the same phrase recurs across documents (a heading, a boilerplate line).
    """

    def __init__(self, *, window: int = WINDOW, cache_size: int = _CACHE_SIZE, backend: str | None = None) -> None:
        """``backend``: ``"rjieba"`` or ``"jieba"``; by default rjieba when it is installed."""
        if backend not in (None, "rjieba", "jieba"):
            raise ValueError(f"unknown segmenter backend {backend!r}")
        self._window = window
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[int, ...]] = OrderedDict()
        self._backend = backend
        self._cut: Callable[[str], Iterable[str]] | None = None

    def _words(self, text: str) -> Iterable[str]:
        if self._cut is None:
            self._cut = _load_cut(self._backend)
        return self._cut(text)

    def boundaries(self, text: str) -> tuple[int, ...]:
        """Offsets in ``text`` where a word starts or ends (including 0 and len)."""
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        offsets = [0]
        for word in self._words(text):
            offsets.append(offsets[-1] + len(word))
        result = tuple(offsets)
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


def _load_cut(backend: str | None) -> Callable[[str], Iterable[str]]:
    """The dictionary segmenter, HMM off, loaded now."""
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


def _is_han(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF
