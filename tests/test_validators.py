"""Validators: check digits, ranges, placeholders."""

from __future__ import annotations

import functools

import pytest

from scanner.validators import (
    VALIDATORS,
    coordinate,
    credential,
    disk_serial,
    luhn,
    mac_address,
    mobile,
    private_ip,
    resident_id,
)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("440304199003073315", True),
        ("110105194912310021", False),  # wrong check digit
        ("99010519491231002X", False),  # no such province
        ("1101051949123100", False),  # too short
    ],
)
def test_resident_id(value: str, valid: bool) -> None:
    assert resident_id(value).valid is valid


def test_resident_id_bad_date_with_right_check_digit() -> None:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    body = "11010519491331002"  # month 13
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    result = resident_id(body + check)
    assert not result.valid and "日期" in result.note


def test_luhn_excludes_resident_ids() -> None:
    assert luhn("440304199003073315").valid is False  # passes Luhn, but it is an ID
    assert luhn("6222021001123456789").valid is True
    assert luhn("6222021001123456788").valid is False
    assert luhn("0000000000000000").valid is False


@pytest.mark.parametrize(
    ("value", "valid"),
    [("13812345678", True), ("+86 138-1234-5678", True), ("12345678901", False), ("1381234567", False)],
)
def test_mobile(value: str, valid: bool) -> None:
    assert mobile(value).valid is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("10.1.2.3", True),
        ("172.16.0.9", True),
        ("192.168.1.1", True),
        ("8.8.8.8", False),
        ("300.1.1.1", False),
    ],
)
def test_private_ip(value: str, valid: bool) -> None:
    assert private_ip(value).valid is valid


def test_mac_and_disk_serial() -> None:
    assert mac_address("3C-97-0E-5A-12-F4").valid
    assert not mac_address("ff:ff:ff:ff:ff:ff").valid
    assert disk_serial("WD-WCC4N7KX1234").valid
    assert not disk_serial("SERIALNUMBER").valid
    assert not disk_serial("20250101").valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("Zx@2023abc", True), ("******", False), ("见附件", False), ("xxxx", False), ("ab", False)],
)
def test_credential(value: str, valid: bool) -> None:
    assert credential(value).valid is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("东经116°23′17.8″", True),
        ("北纬39°54′27″", True),
        ("116°23′", False),  # minutes only
        ("116°75′10″", False),  # minutes out of range
        ("39.9087,116.3975", True),
        ("39.90,116.39", False),  # two decimals
        ("239.9087,116.3975", False),  # out of range
    ],
)
def test_coordinate(value: str, valid: bool) -> None:
    assert coordinate(value).valid is valid


def test_every_validator_is_registered_and_explains() -> None:
    for name, validator in VALIDATORS.items():
        result = validator("x")
        assert result.valid is False and result.note, name


def test_resident_id_like_needs_a_failed_check_digit_and_a_valid_date() -> None:
    from scanner.validators import resident_id_like

    assert resident_id_like("110105194912310021").valid  # check digit should be X
    assert not resident_id_like("11010519491231002X").valid  # a valid ID is PI001's
    assert not resident_id_like("110105194913310021").valid  # month 13
    assert not resident_id_like("990105194912310021").valid  # no such region


def test_first_generation_id_has_region_and_birth_date() -> None:
    from scanner.validators import resident_id_15

    assert resident_id_15("110105491231002").valid
    assert not resident_id_15("110105491341002").valid
    assert not resident_id_15("990105491231002").valid
    assert not resident_id_15("11010549123100").valid


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("申请人身份证号码：110105194912310021，住所地北京。", "PI004", "PI003"),
        ("账户名称：某某区财政局，开户行：农业银行，账号：6222021001123456789", None, "PI003"),
        ("收款单位：某某市非税收入汇缴专户，账号 6222021001123456789", None, "PI003"),
        ("补助发放至本人银行卡 6222021001123456789", "PI003", "PI004"),
        ("原身份证号：110105491231002，现已换领二代证。", "PI005", "PI003"),
    ],
)
def test_id_like_numbers_and_government_accounts(text: str, present: str | None, absent: str) -> None:
    from scanner.pipeline import scan_bytes

    result = scan_bytes(text.encode("utf-8"), "doc.txt", _settings())
    rules = {finding.rule for finding in result.findings}
    assert absent not in rules, rules
    if present:
        assert present in rules, rules


@functools.cache
def _settings():  # type: ignore[no-untyped-def]
    from scanner.pipeline import build_settings

    return build_settings()
