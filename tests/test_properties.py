"""Property tests (Hypothesis) for the pieces every document passes through:
the normaliser and its offset map, the validators and the marking parser.

They feed arbitrary text, including the noise real documents carry
(marking fragments, stars, brackets, zero-width and full-width characters,
traditional forms), and check the promises the rest of the scanner relies
on: nothing raises, spans stay inside their unit and point at the text the
finding reports.
"""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scanner import validators
from scanner.catalogue import load_catalogue
from scanner.findings import UnitView
from scanner.markings import detect_markings
from scanner.normalize import normalize
from scanner.types import TextUnit

# Pieces of real markings and their noise, so generated text often comes
# close to (or hits) the grammar instead of being random letters.
FRAGMENTS = [
    "绝密", "机密", "秘密", "★", "☆", "*", "1年", "十年", "长期", "六個月", "內部", "内部资料", "注意保存",
    "工作秘密", "国家秘密", "祕密", "袐", "機密", "不予公开", "依申请公开", "（", "）", "〔", "〕", "\u200b",
    "\ufeff", "\u3000", " ", "\n", "\f", "— 3 —", "第", "条", "ｊ", "１", "：", "。", "密级", "保密期限",
    "mì", "(mì)", "★★", "标题", "正文",
]
NOISY_TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=30).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=120), NOISY_TEXT)
# The first call loads OpenCC and the catalogue, and the machine is shared:
# time limits would make these tests flaky without making them stronger.
RELAXED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PARTS = ("body", "header", "footer", "table", "metadata", "comment", "deleted", "hidden")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


# -- normaliser and offset map -------------------------------------------------


@RELAXED
@given(ANY_TEXT, st.data())
def test_any_normalised_span_maps_inside_the_original(text: str, data) -> None:
    norm = normalize(text)
    length = len(norm.text)
    start = data.draw(st.integers(0, length))
    end = data.draw(st.integers(start, length))
    orig_start, orig_end = norm.to_original(start, end)
    assert 0 <= orig_start <= orig_end <= len(text)
    if end > start:
        assert orig_end > orig_start


def _compatibility_han(char: str) -> bool:
    # Kangxi radicals and CJK compatibility ideographs fold (NFKC) to
    # traditional forms that the same pass does not simplify: see
    # test_kangxi_radicals_fold_to_simplified_in_one_pass.
    return "\u2e80" <= char <= "\u2fdf" or "\uf900" <= char <= "\ufaff" or "\U0002f800" <= char <= "\U0002fa1f"


@RELAXED
@given(ANY_TEXT)
def test_normalising_is_idempotent(text: str) -> None:
    assume(not any(_compatibility_han(char) for char in text))
    once = normalize(text).text
    assert normalize(once).text == once


@pytest.mark.xfail(strict=True, reason="normalize.py: NFKC turns ⾒ (Kangxi radical) into 見 after the "
                   "traditional->simplified step, so one pass leaves a traditional character (reported to the lead)")
def test_kangxi_radicals_fold_to_simplified_in_one_pass() -> None:
    assert normalize("⾒").text == normalize(normalize("⾒").text).text


@RELAXED
@given(ANY_TEXT)
def test_character_spans_are_ordered_and_disjoint(text: str) -> None:
    # Normalisation only folds and deletes, never reorders: the original
    # spans of successive normalised characters move strictly forward.
    norm = normalize(text)
    previous_end = 0
    for index in range(len(norm.text)):
        start, end = norm.to_original(index, index + 1)
        assert previous_end <= start < end <= len(text)
        previous_end = end


# -- validators ----------------------------------------------------------------

VALIDATOR_INPUT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789Xx-: .", max_size=25),
    st.from_regex(r"\A[0-9]{17}[0-9Xx]\Z"),
    st.from_regex(r"\A1[0-9]{10}\Z"),
)


@RELAXED
@given(VALIDATOR_INPUT)
@pytest.mark.parametrize("name", sorted(validators.VALIDATORS))
def test_validators_never_raise(name: str, value: str) -> None:
    check = validators.VALIDATORS[name](value)
    assert isinstance(check.valid, bool)
    assert isinstance(check.note, str) and check.note


@pytest.mark.parametrize(("name", "value"), [
    ("resident_id", "1²3456789012345678"), ("luhn", "1²3456789012345678"), ("luhn", "²" * 16)])
def test_validators_survive_unicode_digits(name: str, value: str) -> None:
    assert isinstance(validators.VALIDATORS[name](value).valid, bool)


def _with_check_digit(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, validators._ID_WEIGHTS))
    return first17 + validators._ID_CHECK[total % 11]


@RELAXED
@given(
    st.sampled_from(sorted(validators._PROVINCE_CODES)),
    st.from_regex(r"\A[0-9]{4}\Z"),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2099, 12, 31)),
    st.from_regex(r"\A[0-9]{3}\Z"),
)
def test_resident_id_with_computed_check_digit_round_trips(province, region, birth, sequence) -> None:
    number = _with_check_digit(f"{province}{region}{birth:%Y%m%d}{sequence}")
    assert validators.resident_id(number).valid
    assert validators.resident_id(number.lower()).valid  # a lower-case x check digit
    wrong = number[:17] + next(c for c in "0123456789X" if c != number[17])
    assert not validators.resident_id(wrong).valid


@RELAXED
@given(st.from_regex(r"\A[0-9]{15,18}\Z"))
def test_luhn_accepts_exactly_the_computed_check_digit(body: str) -> None:
    assume(len(set(body)) > 1)  # all-same numbers are refused on purpose
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:  # doubled: these sit at odd positions once the check digit is appended
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    check = str((10 - total % 10) % 10)
    valid = [digit for digit in "0123456789" if validators.luhn(body + digit).valid]
    if len(body) + 1 == 18 and validators.resident_id(body + check).valid:
        assert valid == []  # an 18-digit identity number is not a card number
    else:
        assert valid == [check]


# -- marking parser ------------------------------------------------------------

UNIT = st.builds(
    lambda text, part, page, paragraph: TextUnit(text=text, part=part, page=page, paragraph=paragraph),
    NOISY_TEXT,
    st.sampled_from(PARTS),
    st.one_of(st.none(), st.integers(1, 3)),
    st.integers(1, 50),
)


@settings(RELAXED, max_examples=300)
@given(st.lists(UNIT, min_size=1, max_size=6))
def test_marking_findings_point_into_their_unit(catalogue, units: list[TextUnit]) -> None:
    views = [UnitView(unit, normalize(unit.text), index) for index, unit in enumerate(units)]
    findings = detect_markings(views, catalogue)
    for finding in findings:
        location = finding.location
        owners = [
            unit for unit in units
            if (unit.part, unit.page, unit.paragraph, unit.source)
            == (location.part, location.page, location.paragraph, location.source)
        ]
        assert owners, finding
        inside = any(
            0 <= location.start <= location.end <= len(unit.text)
            and unit.text[location.start : location.end] == finding.text
            for unit in owners
        )
        if not inside:
            # markings._join_split_marks merges a level split over short
            # units (机 / 密★1年) into one view: the finding then spans the
            # joined units, starting inside the first of them.  Reported to
            # the lead: renderers that slice one unit cannot highlight it.
            joined = "".join(unit.text for unit in owners)
            assert "\n" in finding.text or len(owners) > 1, (finding, owners)
            assert finding.text.replace("\n", "") in joined, (finding, owners)
            assert any(0 <= location.start < len(unit.text) for unit in owners), (finding, owners)


@settings(RELAXED, max_examples=200)
@given(st.text(max_size=200))
def test_marking_parser_never_raises_on_arbitrary_text(catalogue, text: str) -> None:
    assume(text.strip())
    views = [UnitView(TextUnit(text=text), normalize(text), 0)]
    for finding in detect_markings(views, catalogue):
        assert text[finding.location.start : finding.location.end] == finding.text
