"""The fast normaliser equals the plain one, unit by unit and batched.

:func:`scanner.normalize.normalize` folds with str.replace plus a regex and
finds deletions with a pattern rewritten for speed; the reference below is
the plain form (``str.translate`` with the fold table and the deletion
pattern as first written).  Both must give equal :class:`Normalized`
objects, and :func:`normalize_many` must equal ``normalize`` per text.
"""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner import fold_table as fold_table_module
from scanner import normalize as module
from scanner.normalize import Normalized, fold, fold_table, normalize, normalize_batch, normalize_many

_PLAIN_DELETIONS = re.compile(
    "|".join(
        (
            (
                f"(?<=[{module._HAN}])[ \\t]*\\r?\\n\\s*[-\u2014\u2013\u2012]?[ \\t]*\\d{{1,4}}[ \\t]*"
                f"[-\u2014\u2013\u2012]?[ \\t]*\\r?\\n\\s*(?=[{module._HAN}])"
            ),
            f"(?:(?<=[{module._HAN}])|(?<=[{module._HAN}] ))\\([{module._PINYIN_LETTERS}]{{1,6}}[1-5]?\\)",
            f"(?<=[{module._DENSE}])[\\s{module._FORMAT_CHARS}]+|[\\s{module._FORMAT_CHARS}]+(?=[{module._DENSE}])",
            f"[{module._FORMAT_CHARS}]+",
        )
    )
)


def plain_normalize(text: str) -> Normalized:
    folded = text.translate(fold_table())
    spans = [found.span() for found in _PLAIN_DELETIONS.finditer(folded)]
    return module._assemble(text, folded, spans)


# An alphabet dense in everything the normaliser treats specially, so random
# texts exercise every alternative and every fold path.
SPECIAL = [
    *"国家秘密機祕袐丄★☆、。（）：；，！？ \t\r\n\f\u3000\u00a0\u2003\u200b\u200d\ufeff\u00ad"
    "-—–‒0123456789７(guó1)abcＡ⼾⾨戶",
    "\x00", "\x1c", "\U00020001", "\U0002a6d6",
]
TEXTS = st.text(alphabet=st.sampled_from(SPECIAL) | st.characters(), max_size=60)


def test_explicit_space_class_is_python_whitespace() -> None:
    pattern = re.compile(f"[{module._SPACE}]")
    for code in range(0x110000):
        char = chr(code)
        assert bool(pattern.match(char)) == bool(re.match(r"\s", char)), hex(code)


@pytest.fixture(params=["kernel", "python"])
def folding(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """fold() through the compiled kernel (scanner/_ngram.c), then through its Python path."""
    if request.param == "kernel" and module.compiled_kernel() is None:
        pytest.skip("scanner/_ngram.c is not built here")
    if request.param == "python":
        monkeypatch.setattr(module, "compiled_kernel", lambda: None)
    return str(request.param)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_fold_equals_translate_either_way(folding: str, text: str) -> None:
    folded = fold(text)
    assert folded == text.translate(fold_table())
    assert type(folded) is str


def test_fold_equals_translate_for_every_folded_character(folding: str) -> None:
    table = fold_table()
    every = "".join(chr(code) for code in table)
    assert fold(every) == every.translate(table)
    assert fold("".join(reversed(every))) == "".join(reversed(every)).translate(table)


def test_fold_of_a_chained_character_folds_once() -> None:
    # ⼾ (Kangxi radical) folds to 戶, which the table would fold again.
    assert fold("⼾戶，") == "⼾戶，".translate(fold_table())


# Dense in what the deletion alternatives look at: page-number lines, pinyin
# in brackets, white space and format characters beside Chinese text.
DELETION_TEXTS = st.text(
    alphabet=st.sampled_from(
        [*"国家中文 \t\r\n\x0b\x1c\u3000\u2003\u200b\u200d\ufeff\u00ad-—–‒0123456789٣(guó1)ǖaZ5、★", "\U00020001", "\x00"]
    )
    | st.characters(),
    max_size=80,
)


@settings(max_examples=3000, deadline=None)
@given(DELETION_TEXTS)
def test_deletion_kernel_equals_the_pattern(text: str) -> None:
    """scanner/_ngram.c's delete() cuts exactly what _DELETIONS.sub does (the batch path uses it)."""
    kernel = module.compiled_kernel()
    if kernel is None:
        pytest.skip("scanner/_ngram.c is not built here")
    deleted = kernel.delete(text, module._deletion_classes())
    assert deleted == module._deletions().sub("", text)
    assert kernel.deletions(text, module._deletion_classes()) == [
        found.span() for found in module._deletions().finditer(text)
    ]
    assert type(deleted) is str and (deleted is text) == (module._deletions().search(text) is None)


@pytest.mark.parametrize("text", ["a\u200bb", "\u200b", "é\u200b", "国\u200b家", "a\u200b\U0001f600", "\U0001f600\u200b国"])
def test_deleting_stores_the_result_in_its_narrowest_width(text: str) -> None:
    """A kept piece is copied as it is stored only when the result is as wide as the text."""
    kernel = module.compiled_kernel()
    if kernel is None:
        pytest.skip("scanner/_ngram.c is not built here")
    deleted = kernel.delete(text, module._deletion_classes())
    expected = module._deletions().sub("", text)
    assert deleted == expected  # equal strs of different widths compare unequal
    assert sys.getsizeof(deleted) == sys.getsizeof(expected)


def test_deletion_classes_are_the_patterns_classes() -> None:
    classes = module._deletion_classes()
    for members, bit in module._CLASS_BITS:
        pattern = re.compile(f"[{members}]")
        for code in [*range(0x3100), *range(0x3400, 0x3500), *range(0xF8F0, 0x10000), 0x20000, 0x3134F, 0x31350]:
            assert bool(pattern.fullmatch(chr(code))) == bool(classes[code] & bit), (hex(code), bit)


# Where the fast pattern's run guard (white space next to dense text, tried
# only from the start of a run) and the kernel could part from the plain form.
TRICKY = ["a(中", "国 (中", "x (中", "( 中", "a\u200b 中", "a \u200b 中", " 中", "\u200b中", "a  \u200b  b", "中 \u200b a"]


@pytest.mark.parametrize("text", TRICKY)
def test_deletions_of_tricky_texts_equal_the_plain_form(text: str) -> None:
    assert normalize(text) == plain_normalize(text)
    plain = _PLAIN_DELETIONS.sub("", text)
    assert module._deletions().sub("", text) == plain
    kernel = module.compiled_kernel()
    if kernel is not None:
        assert kernel.delete(text, module._deletion_classes()) == plain


def test_deletion_kernel_is_linear_in_a_long_run_of_spaces() -> None:
    """sre retries such a run at each of its characters (20,000 spaces: 4 s); the kernel must not."""
    kernel = module.compiled_kernel()
    if kernel is None:
        pytest.skip("scanner/_ngram.c is not built here")
    classes = module._deletion_classes()
    text = " " * 200_000 + "a" + " \u200b " * 50_000 + "b"
    spans = kernel.deletions(text, classes)  # seconds if quadratic; a few ms in linear time
    assert spans == [(200_001 + 3 * index + 1, 200_001 + 3 * index + 2) for index in range(50_000)]
    assert kernel.delete(text, classes) == " " * 200_000 + "a" + "  " * 50_000 + "b"


def test_deletion_kernel_refuses_a_short_table() -> None:
    kernel = module.compiled_kernel()
    if kernel is None:
        pytest.skip("scanner/_ngram.c is not built here")
    with pytest.raises(ValueError, match="flags"):
        kernel.delete("国 家", bytes(100))
    with pytest.raises(ValueError, match="flags"):
        kernel.deletions("国 家", bytes(100))


@settings(max_examples=600, deadline=None)
@given(TEXTS)
def test_normalize_equals_plain_form(text: str) -> None:
    assert normalize(text) == plain_normalize(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(TEXTS, max_size=12))
def test_batched_equals_one_by_one(texts: list[str]) -> None:
    assert normalize_many(texts) == [normalize(text) for text in texts]
    batched = normalize_batch(texts)
    if batched is not None:
        assert batched[0] == [norm.text for norm in normalize_many(texts)]
        assert batched[1] == "\n".join(batched[0])


def test_batched_on_page_number_lines_and_edges() -> None:
    texts = ["属于国\n-7-\n家秘密", " 中", "中 ", "", "國(guó)", "\u200b", "a b", "秘  密 ★ １０年"]
    assert normalize_many(texts) == [plain_normalize(text) for text in texts]
    assert [n.text for n in normalize_many(texts)] == ["属于国家秘密", "中", "中", "", "国", "", "a b", "秘密★10年"]


def test_bulk_simplified_conversion_equals_one_by_one() -> None:
    chars = list(fold_table_module._traditional_chars())
    assert fold_table_module._to_simplified_each(chars) == [fold_table_module._to_simplified(char) for char in chars]


@pytest.mark.parametrize("texts", [["国\x00家", "秘密"], ["秘密", "\x00"], ["\x00\x00", ""], ["中 \x00 文", "a", "b"]])
def test_a_text_holding_the_separator_is_not_batched(texts: list[str]) -> None:
    # the batch finds it by the pieces it splits into, not by counting first
    assert normalize_batch(texts) is None
    assert normalize_many(texts) == [normalize(text) for text in texts] == [plain_normalize(text) for text in texts]
