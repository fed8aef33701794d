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
    """Mainland mobile number 1[3-9]xxxxxxxxx, with an optional +86 / 0086 / (86) / 86- prefix and separators."""
    digits = "".join(ch for ch in value if ch in _ASCII_DIGITS)
    if digits.startswith("0086") and len(digits) == 15:
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) != 11 or digits[0] != "1" or digits[1] not in "3456789":
        return Check(False, "不是手机号码格式")
    return Check(True, "手机号码格式（1[3-9]开头11位）")


# Digits as a 12345 call record reads them out: 幺 for 1, 洞 for 0, 两 for 2.
_CHINESE_DIGITS = str.maketrans("〇零洞一幺二两三四五六七八九", "00011223456789")


def chinese_mobile(value: str) -> Check:
    """A mobile number written in Chinese numerals (一三八一二三四五六七八), spaces allowed."""
    digits = "".join(value.split()).translate(_CHINESE_DIGITS)
    if len(digits) != 11 or not _all_ascii_digits(digits) or not mobile(digits).valid:
        return Check(False, "不是汉字书写的手机号码")
    return Check(True, "汉字数字书写的11位手机号码（1[3-9]开头）")


_PROVINCES = frozenset("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
_PLATE_LETTERS = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ")  # no I or O on a plate
_PLATE_SEPARATORS = "·•・.- "


def licence_plate(value: str) -> Check:
    """A mainland licence plate: province, issuing-office letter, then 5 characters
    (ordinary) or 6 (new-energy: D/F + 5 with four digits last, or five digits + D/F)."""
    if len(value) < 7 or value[0] not in _PROVINCES or value[1] not in _PLATE_LETTERS:
        return Check(False, "不是车牌号码格式")
    rest = value[2:].lstrip(_PLATE_SEPARATORS)
    if not all(ch in _ASCII_DIGITS or ch in _PLATE_LETTERS for ch in rest):
        return Check(False, "车牌号码含无效字符")
    if len(rest) == 5 and sum(ch in _ASCII_DIGITS for ch in rest) >= 3:
        return Check(True, "车牌号码格式（省份简称+发牌机关代号+5位）")
    small = rest[:1] in ("D", "F") and (rest[1] in _ASCII_DIGITS or rest[1] in _PLATE_LETTERS)
    if len(rest) == 6 and ((small and _all_ascii_digits(rest[2:])) or (
            _all_ascii_digits(rest[:5]) and rest[5] in ("D", "F"))):
        return Check(True, "新能源汽车号牌格式（8位）")
    return Check(False, "不是车牌号码格式")


def _letter_value(ch: str) -> int:
    return ord(ch) - ord("A") + 10


def hong_kong_id(value: str) -> Check:
    """A Hong Kong identity card number A123456(7) / AB123456(7): check digit mod 11 (A for 10)."""
    plain = value.replace("(", "").replace(")", "").upper()
    if not 8 <= len(plain) <= 9:
        return Check(False, "不是香港身份证号码格式")
    letters, digits, check = plain[:-7], plain[-7:-1], plain[-1]
    if not 1 <= len(letters) <= 2 or not letters.isascii() or not letters.isalpha() or not _all_ascii_digits(digits):
        return Check(False, "不是香港身份证号码格式")
    values = [36] * (2 - len(letters)) + [_letter_value(ch) for ch in letters] + [int(ch) for ch in digits]
    total = sum(value * weight for value, weight in zip(values, range(9, 1, -1), strict=True))
    expected = (11 - total % 11) % 11
    if check != ("A" if expected == 10 else str(expected)):
        return Check(False, "香港身份证号码校验位不符")
    return Check(True, "香港身份证号码校验位正确")


# The area letter's two-digit code on a Taiwan identity card (I, O, W, Z… are out of order).
_TAIWAN_AREA = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (
    10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33,
), strict=True))


def taiwan_id(value: str) -> Check:
    """A Taiwan identity card number A123456789: area letter, sex digit 1/2, check digit mod 10."""
    value = value.upper()
    if len(value) != 10 or value[0] not in _TAIWAN_AREA or value[1] not in "12" or not _all_ascii_digits(value[1:]):
        return Check(False, "不是台湾身份证号码格式")
    area = _TAIWAN_AREA[value[0]]
    total = area // 10 + (area % 10) * 9 + sum(int(ch) * weight for ch, weight in zip(value[1:9], range(8, 0, -1)))
    if (total + int(value[9])) % 10:
        return Check(False, "台湾身份证号码校验码不符")
    return Check(True, "台湾身份证号码校验码正确")


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
    "chinese_mobile": chinese_mobile,
    "licence_plate": licence_plate,
    "hong_kong_id": hong_kong_id,
    "taiwan_id": taiwan_id,
    "private_ip": private_ip,
    "mac_address": mac_address,
    "disk_serial": disk_serial,
    "credential": credential,
    "coordinate": coordinate,
}
