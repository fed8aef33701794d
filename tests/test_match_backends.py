"""Both Aho-Corasick backends of the Matcher find the same things."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.catalogue import load_catalogue
from scanner.findings import UnitView
from scanner.match import AHOCORASICK_RS, PYAHOCORASICK, Matcher, MatcherError
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
