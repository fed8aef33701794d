"""The terms only a unit's own rules have: placed, and put in an automaton of their own, once.

:class:`scanner.match.Matcher` puts the shipped terms, the pattern rules'
anchors and the marking triggers in one automaton (an ahocorasick-rs DFA:
a few hundred keys).  A unit's list can add 50,000 terms; folding them,
building an automaton over them and making an entry for each took most of
a cold ``scan FILE``, on every run.  With a store
(:class:`scanner.lexicon_cache.CompiledStore`) the matcher asks here:

* :func:`placement`: where each user term goes: a term that folds to a key
  the main automaton already has joins that entry; the others become the
  user automaton's keys, each with the positions of the rules that have it.
  A pure function of the terms, the main keys and the fold code, kept by
  their digest;
* :func:`automaton`: daachorse's character-wise double-array automaton over
  those keys, kept in its own serialisation (never pickle), loaded in
  milliseconds.  Like :func:`scanner.match.find_all` it reports every
  occurrence of every key, overlapping, in character offsets;
* :class:`UserEntries`: their entries, made when the automaton first finds
  one (a document holds a handful of the 50,000).

Everything read back from the store was authenticated by it (HMAC); a
placement of another shape is made again.  The findings are exactly those
of one automaton over all keys (``tests/test_lexicon_cache.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.lexicon_cache import CompiledStore

_SURROGATE = re.compile("[\ud800-\udfff]")

# An automaton: text -> (key index, start, end) for every occurrence of every key.
Find = Callable[[str], list[tuple[int, int, int]]]


def available() -> bool:
    """Whether daachorse is installed (without it the user's terms join the main automaton)."""
    return _daachorse() is not None


def _daachorse() -> Any:
    try:
        import daachorse
    except ImportError:
        return None
    return daachorse


@dataclass(frozen=True, kw_only=True)
class Placement:
    """Where the user's terms go (see :func:`placement`)."""

    shared: list[tuple[str, list[int]]]  # (a key the main automaton has, positions of the rules with it)
    keys: list[str]  # the user automaton's keys
    rules: list[int | list[int]]  # for each key, the position (or positions) of the rules that have it
    digest: str  # what it was computed from


def placement(store: CompiledStore, rules: Sequence[tuple[str, Iterable[str]]], main: Mapping[str, object],
              fold: Callable[[str], str]) -> Placement:
    """Where the terms of ``rules`` ((rule id, terms) in order) go, given the keys of ``main``; from ``store``."""
    from scanner.lexicon_cache import digest_of, fold_digest

    listed = [(rule_id, list(terms)) for rule_id, terms in rules]
    digest = digest_of("placement-1", fold_digest(), json.dumps(list(main), ensure_ascii=False),
                       items=[json.dumps(item, ensure_ascii=False) for item in listed])

    def make() -> dict[str, Any]:
        shared: dict[str, list[int]] = {}
        index: dict[str, int] = {}
        keys: list[str] = []
        positions: list[list[int]] = []
        for position, (_, terms) in enumerate(listed):
            for term in terms:
                folded = fold(term)
                if not folded:
                    continue  # a term of only white space folds to nothing
                if folded in main:
                    shared.setdefault(folded, []).append(position)
                elif (at := index.get(folded)) is not None:
                    positions[at].append(position)
                else:
                    index[folded] = len(keys)
                    keys.append(folded)
                    positions.append([position])
        return {"shared": [[key, where] for key, where in shared.items()], "keys": keys,
                "rules": [where[0] if len(where) == 1 else where for where in positions]}

    stored = store.value("placement", digest, make)
    if not _fits(stored, len(listed)):
        stored = make()
    return Placement(shared=[(key, where) for key, where in stored["shared"]], keys=stored["keys"],
                     rules=stored["rules"], digest=digest)


def _fits(stored: Any, rules: int) -> bool:
    """Whether a stored placement has the shape :func:`placement` makes, for ``rules`` rules."""
    if not isinstance(stored, dict) or not all(isinstance(stored.get(key), list) for key in ("shared", "keys", "rules")):
        return False
    if len(stored["keys"]) != len(stored["rules"]) or not all(isinstance(key, str) for key in stored["keys"]):
        return False
    if not all(isinstance(item, list) and len(item) == 2 and isinstance(item[1], list) for item in stored["shared"]):
        return False
    positions = [p for item in stored["rules"] for p in (item if isinstance(item, list) else [item])]
    positions += [p for item in stored["shared"] for p in item[1]]
    return all(isinstance(p, int) and 0 <= p < rules for p in positions)


def automaton(store: CompiledStore, keys: list[str], digest: str, *, offset: int) -> Find:
    """An automaton over ``keys`` whose hits carry entry indexes from ``offset``; built once, kept in ``store``."""
    from scanner.lexicon_cache import library_digest

    daachorse = _daachorse()
    kind = daachorse.CharwiseDoubleArrayAhoCorasick
    compiled = store.blob("automaton", f"{digest}-{library_digest(daachorse.daachorse)}".replace(":", "-"),
                          lambda: kind(keys).serialize(), kind.deserialize)

    def find(text: str) -> list[tuple[int, int, int]]:
        try:
            found = compiled.find_overlapping(text)
        except UnicodeEncodeError:  # a lone surrogate: no key holds one, and the offsets stay
            found = compiled.find_overlapping(_SURROGATE.sub("\ufffd", text))
        return [(offset + index, start, end) for start, end, index in found]

    return find


class UserEntries:
    """The user automaton's entries, each made when first asked for.

    ``make(position, key)`` makes the matcher's term for the rule at
    ``position`` and its folded ``key``.
    """

    def __init__(self, keys: list[str], rules: list[int | list[int]], make: Callable[[int, str], Any]) -> None:
        self.keys = keys
        self._rules = rules
        self._make = make
        self._made: dict[int, tuple[str, tuple[Any, ...]]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index: int) -> tuple[str, tuple[Any, ...]]:
        made = self._made.get(index)
        if made is None:
            key, rules = self.keys[index], self._rules[index]
            positions = rules if isinstance(rules, list) else [rules]
            made = self._made[index] = (key, tuple(self._make(position, key) for position in positions))
        return made


class Entries(Sequence[tuple[str, tuple[Any, ...]]]):
    """The main automaton's entries, then the user automaton's: one index space for the matcher's hits."""

    def __init__(self, shared: list[tuple[str, tuple[Any, ...]]], own: UserEntries) -> None:
        self._shared = shared
        self._own = own

    def __len__(self) -> int:
        return len(self._shared) + len(self._own)

    def __getitem__(self, index):  # type: ignore[no-untyped-def,override]  # int only: the matcher takes no slices
        size = len(self._shared)
        return self._shared[index] if index < size else self._own[index - size]
