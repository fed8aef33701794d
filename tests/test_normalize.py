"""Normalisation folds noise and maps every span back to the original characters."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scanner.fold_table as fold_table_module
import scanner.normalize as normalize_module
from scanner.normalize import normalize

CASES = [
    # (original, normalised)
    ("機密★1年", "机密★1年"),
    ("秘  密 ★ １０年", "秘密★10年"),
    ("祕密☆六個月", "秘密☆六个月"),
    ("袐密", "秘密"),
    ("國(guó)家機(jī)密★1年", "国家机密★1年"),
    ("國 (guó) 家祕 (mì) 密", "国家秘密"),
    ("国\n-7-\n家", "国家"),
    ("国\n\n— 12 —\n\n家秘密", "国家秘密"),
    ("机\u200b密\ufeff", "机密"),
    ("机\u00a0密\u3000文件", "机密文件"),
    ("Hello world 中 文", "Hello world中文"),
    ("ＡＢＣ１２３", "ABC123"),
    ("第三条 本法", "第三条本法"),
    ("", ""),
]


@pytest.mark.parametrize(("original", "expected"), CASES)
def test_folds(original: str, expected: str) -> None:
    assert normalize(original).text == expected


@pytest.mark.parametrize(("original", "expected"), CASES)
def test_every_kept_character_maps_back(original: str, expected: str) -> None:
    norm = normalize(original)
    for index, char in enumerate(norm.text):
        start, end = norm.to_original(index, index + 1)
        assert end - start == 1
        assert normalize(original[start]).text in (char, "")


def test_span_covers_the_noise_inside_it() -> None:
    original = "标题\n秘  密 ★ １０年\n正文"
    norm = normalize(original)
    found = norm.text.index("秘密★10年")
    start, end = norm.to_original(found, found + len("秘密★10年"))
    assert original[start:end] == "秘  密 ★ １０年"


def test_span_over_a_split_word() -> None:
    original = "属于国\n-7-\n家秘密"
    norm = normalize(original)
    found = norm.text.index("国家秘密")
    assert norm.to_original(found, found + 4) == (2, len(original))


NOISE = st.sampled_from(["\u200b", "\ufeff", " ", "\u3000", "\u00a0", "\n", "\u200d"])
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(HAN, st.lists(NOISE, max_size=3)), min_size=1, max_size=30))
def test_noise_between_characters_is_removed_and_maps_back(pieces: list[tuple[str, list[str]]]) -> None:
    original = "".join(char + "".join(noise) for char, noise in pieces)
    norm = normalize(original)
    # every Han character survives, in order (it may be folded to simplified)
    assert len(norm.text) == len(pieces)
    position = 0
    for index, (char, noise) in enumerate(pieces):
        start, end = norm.to_original(index, index + 1)
        assert (start, end) == (position, position + 1)
        assert original[start] == char
        position += 1 + len(noise)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_spans_are_monotonic_and_in_range(text: str) -> None:
    norm = normalize(text)
    previous = -1
    for index in range(len(norm.text)):
        start, end = norm.to_original(index, index + 1)
        assert 0 <= start < end <= len(text)
        assert start > previous
        previous = start


def test_the_shipped_fold_table_is_the_built_one() -> None:
    # a cold scan reads the table from lexicons/ instead of building it with OpenCC
    shipped = fold_table_module._shipped_fold_table()
    assert shipped is not None, "no usable fold table shipped for this Python: run python scripts/build_tables.py"
    assert shipped == fold_table_module.build_fold_table(), "run: python scripts/build_tables.py"


def test_a_fold_table_for_other_unicode_data_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unicodedata, "unidata_version", "1.1.0")
    assert fold_table_module._shipped_fold_table() is None


@given(st.text(alphabet="秘密 　\t\n内部ａＢ１，（）：-—–\u200bzhōng资料", max_size=40))
def test_normalized_text_is_the_text_of_normalize(text: str) -> None:
    assert normalize_module.normalized_text(text) == normalize(text).text
