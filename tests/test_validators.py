"""Validators: check digits, ranges, placeholders."""

from __future__ import annotations

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
