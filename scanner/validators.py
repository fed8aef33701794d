"""Validators for pattern rules: a match counts only if its validator agrees.

Each validator takes the matched string (normalised: ASCII digits) and
returns a :class:`Check`: whether the match is real and a short note for
the finding's evidence.  Rules name validators by their key in
:data:`VALIDATORS`.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    valid: bool
    note: str


# str.isdigit() also accepts superscripts and other scripts' digits, which
# int() rejects: validators only count ASCII digits (the text is NFKC-folded).
_ASCII_DIGITS = frozenset("0123456789")


def _all_ascii_digits(text: str) -> bool:
    return all(ch in _ASCII_DIGITS for ch in text)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id(value: str) -> Check:
    """GB 11643-1999 resident identity number: region, birth date, check digit."""
    digits = value.upper()
    if len(digits) != 18 or not _all_ascii_digits(digits[:17]):
        return Check(False, "不是18位身份证号码格式")
    expected = _ID_CHECK[sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS)) % 11]
    if digits[17] != expected:
        return Check(False, "校验码不符（GB 11643）")
    if digits[:2] not in _PROVINCE_CODES:
        return Check(False, "行政区划代码无效")
    try:
        birth = datetime.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return Check(False, "出生日期无效")
    if not datetime.date(1900, 1, 1) <= birth <= datetime.date(2100, 1, 1):
        return Check(False, "出生日期超出范围")
    return Check(True, "校验码正确（GB 11643）")


def resident_id_like(value: str) -> Check:
    """An 18-digit number shaped like an ID (valid region and birth date) whose check digit fails.

    Labelled 身份证 it is a mistyped or altered ID number, not a bank card.
    """
    digits = value.upper()
    if len(digits) != 18 or not _all_ascii_digits(digits[:17]) or resident_id(value).valid:
        return Check(False, "不是校验码不符的18位身份证号码")
    if digits[:2] not in _PROVINCE_CODES or not _birth_date(digits[6:14]):
        return Check(False, "行政区划代码或出生日期无效")
    return Check(True, "校验码不符，但行政区划代码和出生日期有效：像身份证号码")


def resident_id_15(value: str) -> Check:
    """A first-generation (15-digit) resident ID: region, birth date 19YYMMDD."""
    if len(value) != 15 or not _all_ascii_digits(value):
        return Check(False, "不是15位身份证号码格式")
    if value[:2] not in _PROVINCE_CODES:
        return Check(False, "行政区划代码无效")
    if not _birth_date("19" + value[6:12]):
        return Check(False, "出生日期无效")
    return Check(True, "一代身份证号码：行政区划代码和出生日期有效")


def _birth_date(yyyymmdd: str) -> bool:
    try:
        birth = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= birth <= datetime.date(2100, 1, 1)


_PROVINCE_CODES = frozenset(
    (
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    )
)


def luhn(value: str) -> Check:
    """Bank card number: 16-19 digits with a valid Luhn check digit."""
    digits = "".join(ch for ch in value if ch in _ASCII_DIGITS)
    if not 16 <= len(digits) <= 19:
        return Check(False, "位数不是16-19位")
    if resident_id(digits).valid if len(digits) == 18 else False:
        return Check(False, "是身份证号码，不按银行卡计")
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    if total % 10:
        return Check(False, "Luhn校验不符")
    if len(set(digits)) == 1:
        return Check(False, "全部相同的数字")
    return Check(True, "Luhn校验通过")


def mobile(value: str) -> Check:
    """Mainland mobile number 1[3-9]xxxxxxxxx, with optional +86 and separators."""
    digits = "".join(ch for ch in value if ch in _ASCII_DIGITS)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) != 11 or digits[0] != "1" or digits[1] not in "3456789":
        return Check(False, "不是手机号码格式")
    return Check(True, "手机号码格式（1[3-9]开头11位）")


def private_ip(value: str) -> Check:
    """An IPv4 address in a private, loopback or link-local range (an internal host)."""
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        return Check(False, "不是有效的IPv4地址")
    if address.is_private and not address.is_unspecified:
        return Check(True, "内网（私有）地址")
    return Check(False, "公网地址")


def mac_address(value: str) -> Check:
    """A MAC address that is not all zeros or broadcast."""
    digits = "".join(ch for ch in value.lower() if ch in "0123456789abcdef")
    if len(digits) != 12 or digits in ("0" * 12, "f" * 12):
        return Check(False, "不是有效的MAC地址")
    return Check(True, "MAC地址")


_SERIAL_WORDS = ("SERIAL", "NUMBER", "MODEL", "UNKNOWN", "NONE", "NULL")


def disk_serial(value: str) -> Check:
    """A disk serial number: 6-30 letters/digits/dashes mixing letters and digits.

    Pure words (``SERIAL``) and pure numbers are what a form's label or a
    date looks like, not a serial.
    """
    serial = value.strip().upper()
    body = serial.replace("-", "").replace("_", "")
    if not 6 <= len(serial) <= 30 or not body.isascii() or not body.isalnum():
        return Check(False, "不是硬盘序列号格式")
    if body.isdigit() or body.isalpha() or any(word in body for word in _SERIAL_WORDS):
        return Check(False, "不像硬盘序列号（纯字母或纯数字）")
    return Check(True, "硬盘序列号格式（字母数字混合）")


_PLACEHOLDERS = frozenset(
    (
        "xxxx",
        "xxxxxx",
        "password",
        "passwd",
        "你的密码",
        "密码",
        "口令",
        "略",
        "无",
        "空",
        "已修改",
        "已删除",
        "见附件",
    )
)


def credential(value: str) -> Check:
    """A password or pass phrase given in clear, not a placeholder or a mask."""
    secret = value.strip().strip("“”\"'「」")
    if len(secret) < 4:
        return Check(False, "口令值过短，不像真实口令")
    if secret.lower() in _PLACEHOLDERS or set(secret) <= set("*×xX·.-_ "):
        return Check(False, "口令已隐去或为占位符")
    if not secret.isascii():
        return Check(False, "口令值含中文，像说明文字而非口令")
    return Check(True, "明文口令（非掩码、非占位符）")


_DMS = re.compile(
    r"(?P<deg>\d{1,3})\s*°\s*(?P<min>\d{1,2})\s*[′']\s*(?:(?P<sec>\d{1,2}(?:\.\d+)?)\s*(?:″|′′|''|\"))?"
)
_DECIMAL = re.compile(r"-?\d{1,3}\.(\d+)")


def coordinate(value: str) -> Check:
    """A precise geographic position: degrees/minutes/seconds, or decimals with ≥ 4 places.

    Four decimal places of a degree are about 11 m; whole minutes (about
    1.8 km) are what a public map or weather report gives and do not count.
    """
    dms = _DMS.search(value)
    if dms:
        degrees, minutes = int(dms["deg"]), int(dms["min"])
        if degrees > 180 or minutes >= 60:
            return Check(False, "经纬度数值超出范围")
        if dms["sec"] is None:
            return Check(False, "只精确到分，不是精确坐标")
        if float(dms["sec"]) >= 60:
            return Check(False, "秒数超出范围")
        return Check(True, "精确到秒的经纬度坐标")
    decimals = [(float(m.group()), len(m.group(1))) for m in _DECIMAL.finditer(value)]
    if not decimals:
        return Check(False, "不是坐标格式")
    if any(abs(number) > 180 for number, _ in decimals):
        return Check(False, "经纬度数值超出范围")
    if min(places for _, places in decimals) < 4:
        return Check(False, "小数位少于4位，不是精确坐标")
    return Check(True, "小数点后至少4位的经纬度坐标（约10米精度）")


VALIDATORS: dict[str, Callable[[str], Check]] = {
    "resident_id": resident_id,
    "resident_id_like": resident_id_like,
    "resident_id_15": resident_id_15,
    "luhn": luhn,
    "mobile": mobile,
    "private_ip": private_ip,
    "mac_address": mac_address,
    "disk_serial": disk_serial,
    "credential": credential,
    "coordinate": coordinate,
}
