"""Both Aho-Corasick backends of the Matcher find the same things."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.automaton import AHOCORASICK_RS, PYAHOCORASICK, find_all
from scanner.catalogue import load_catalogue
from scanner.findings import UnitView
from scanner.match import Matcher, MatcherError
from scanner.normalize import normalize_many
from scanner.types import TextUnit

pytest.importorskip("ahocorasick_rs")

CATALOGUE = load_catalogue()
PLAIN = Matcher(CATALOGUE, backend=PYAHOCORASICK)
FAST = Matcher(CATALOGUE, backend=AHOCORASICK_RS)

# Pieces of shipped terms and anchors, overlapping ones, digits for the
# gated patterns and non-BMP characters (offsets must be characters, not
# UTF-8 bytes).
PIECES = st.sampled_from(
    [
        "标底", "标底价", "目标底线", "拟任", "模拟任务", "密码", "口令", "讨论稿", "送审稿",
        "序列号", "SN", "S/N", "°", "的请示", "身份证号码11010519491231002X", "13800138000",
        "\U00020001", "é", "，", " ", "\n", "本项目", "120万元", "192.168.1.1", "00:1A:2B:3C:4D:5E",
    ]
)
UNITS = st.lists(st.lists(PIECES, max_size=8).map("".join), min_size=1, max_size=6)


def views_of(texts: list[str]) -> list[UnitView]:
    units = [TextUnit(text=text, part="body", paragraph=index + 1) for index, text in enumerate(texts)]
    return [UnitView(unit, norm, index) for index, (unit, norm) in enumerate(zip(units, normalize_many(texts)))]


@settings(max_examples=300, deadline=None)
@given(UNITS)
def test_backends_give_equal_findings(texts: list[str]) -> None:
    views = views_of(texts)
    assert FAST.match(views) == PLAIN.match(views)


def test_offsets_are_characters_after_astral_text() -> None:
    views = views_of(["\U00020001\U00020002é本项目标底为120万元"])
    [finding] = FAST.match(views)
    assert finding.text == "标底"
    assert finding == PLAIN.match(views)[0]


def test_unknown_backend_is_an_error() -> None:
    with pytest.raises(MatcherError):
        Matcher(CATALOGUE, backend="grep")


WORDS = ["内部", "内部资料", "秘密", "机密", "绝密", "公开", "密", "资料"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*WORDS, "部", "内", "\U00020001", "，", "\n", "a"]), max_size=30).map("".join))
def test_leftmost_longest_is_what_a_longest_first_alternation_finds(text: str) -> None:
    """The markings find their trigger words this way, with either library."""
    import re

    alternation = re.compile("|".join(sorted(WORDS, key=lambda word: (-len(word), word))))
    expected = [found.span() for found in alternation.finditer(text)]
    for backend in (PYAHOCORASICK, AHOCORASICK_RS):
        found = find_all(WORDS, backend, leftmost_longest=True)(text)
        assert [(start, end) for _, start, end in found] == expected, backend
        assert all(WORDS[index] == text[start:end] for index, start, end in found)


TEXTS = st.lists(
    st.sampled_from([*WORDS, "标底", "部", "内", "\U00020001", "\ud800", "é", "，", "\n", "a", "1"]), max_size=30
).map("".join) | st.text(alphabet="a1é ", max_size=20)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_rs_backend_reads_bytes_as_the_library_reads_text(text: str) -> None:
    """The automaton reads the text's UTF-16 or UTF-8 bytes and maps only its hits: the library's str search, exactly.

    Keys and texts of every path: Chinese (UTF-16), ASCII only, Latin-1 and beyond the plane (UTF-8).
    """
    import ahocorasick_rs

    keys = [*WORDS, "a1", "1a", "é"]
    if "\ud800" in text:  # the library refuses a lone surrogate in a str; the bytes path reads it as pyahocorasick
        assert sorted(find_all(keys, AHOCORASICK_RS)(text)) == sorted(find_all(keys, PYAHOCORASICK)(text))
        return
    for longest in (False, True):
        options = {"matchkind": ahocorasick_rs.MatchKind.LeftmostLongest} if longest else {}
        library = ahocorasick_rs.AhoCorasick(keys, **options)
        assert find_all(keys, AHOCORASICK_RS, leftmost_longest=longest)(text) == library.find_matches_as_indexes(
            text, overlapping=not longest
        )


def test_char_offsets_count_characters_before_each_byte_offset() -> None:
    from scanner.automaton import char_offsets

    text = "ab机密\U00020001c\ud800"
    data = text.encode("utf-8", "surrogatepass")
    boundaries = [len(text[:index].encode("utf-8", "surrogatepass")) for index in range(len(text) + 1)]
    assert char_offsets(data, boundaries) == list(range(len(text) + 1))
    assert char_offsets(data, [2, 2, 5]) == [2, 2, 3]
    assert char_offsets(data, []) == []


@pytest.mark.parametrize(
    ("key", "text"),
    [
        # UTF-16-LE bytes of 秘密 (D8 79 C6 5B) at an odd offset: 00 [D8 | 79 C6 | 5B] 00
        ("秘密", "\ud800\uc679\u005b"),
        # of SN (53 00 4E 00): 00 [53 | 00 4E | 00] 01
        ("SN", "\u5300\u4e00\u0100"),
    ],
)
def test_a_key_across_two_characters_is_no_hit(key: str, text: str) -> None:
    """Chinese text is searched as UTF-16, where a key's bytes can stand across two characters."""
    assert key.encode("utf-16-le") in text.encode("utf-16-le", "surrogatepass")
    for backend in (PYAHOCORASICK, AHOCORASICK_RS):
        assert find_all([key], backend)(text) == []
        assert find_all([key, "x"], backend)(text + key + "x") == [(0, 3, 3 + len(key)), (1, 3 + len(key), 4 + len(key))]
