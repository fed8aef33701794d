"""Personal data in the forms real text has (issue #23 item 4), with exact spans.

Mobiles with +86 / 0086 / (86) / 86- and grouped digits, mobiles in Chinese
numerals, licence plates next to a person, passport / 港澳通行证 / Hong Kong,
Macau and Taiwan ID / 台胞证 numbers by keyword, home addresses, and the list
threshold (PI015).  Each positive names the exact characters; each negative
is a near miss that must not fire.
"""

from __future__ import annotations

import pytest

from scanner.pipeline import Settings, scan_bytes
from scanner.types import DocumentResult, Severity, Verdict
from scanner.validators import chinese_mobile, hong_kong_id, licence_plate, mobile, taiwan_id


def _scan(settings: Settings, text: str) -> DocumentResult:
    return scan_bytes(text.encode("utf-8"), "memo.txt", settings)


def _spans(result: DocumentResult, rule: str) -> list[tuple[str, int, int, Severity]]:
    return [
        (f.text, f.location.start, f.location.end, f.severity) for f in result.findings if f.rule == rule
    ]


POSITIVES = [
    # rule, text, the matched characters, severity
    ("PI002", "联系电话：0086 138 1234 5678", "0086 138 1234 5678", Severity.REVIEW),
    ("PI002", "请拨打+8613912345678联系", "+8613912345678", Severity.REVIEW),
    ("PI002", "手机（86）13912345678", "(86)13912345678", Severity.REVIEW),
    ("PI002", "电话 86-139-1234-5678", "86-139-1234-5678", Severity.REVIEW),
    ("PI002", "手机 138 1234 5678", "138 1234 5678", Severity.REVIEW),
    ("PI006", "来电人张女士，联系电话一三八一二三四五六七八，反映噪音。", "一三八一二三四五六七八", Severity.BLOCK),
    ("PI006", "市民手机号幺三九幺二三四洞五六七，要求回电。", "幺三九幺二三四洞五六七", Severity.REVIEW),
    ("PI007", "车主李某，车牌号粤B·12345，于当日违法停车。", "粤B·12345", Severity.REVIEW),
    ("PI007", "驾驶人王某驾驶的新能源车辆粤BD12345被查获。", "粤BD12345", Severity.REVIEW),
    ("PI007", "涉事车辆号牌为京A12345F。", "京A12345F", Severity.REVIEW),
    ("PI008", "申请人张三，护照号码E12345678，拟赴德国。", "E12345678", Severity.BLOCK),
    ("PI008", "护照号：EA1234567", "EA1234567", Severity.BLOCK),
    ("PI009", "往来港澳通行证号码：C12345678", "C12345678", Severity.BLOCK),
    ("PI009", "港澳通行证 W12345678", "W12345678", Severity.BLOCK),
    ("PI010", "申请人陈大文，香港身份证号码 A123456(3)，现居九龙。", "A123456(3)", Severity.BLOCK),
    ("PI010", "香港永久性居民身份证：G123456（A）", "G123456(A)", Severity.BLOCK),
    ("PI011", "当事人何某，澳门居民身份证号码 1234567(8)。", "1234567(8)", Severity.REVIEW),
    ("PI012", "台湾居民林某，身份证号码 A123456789。", "A123456789", Severity.BLOCK),
    ("PI013", "申请人黄某，台胞证号码 01234567。", "01234567", Severity.REVIEW),
    ("PI014", "申请人王某某，家庭住址：幸福小区3栋2单元501室，电话见附件。", "幸福小区3栋2单元501室", Severity.REVIEW),
    ("PI014", "联系人王某某，现住阳光花园5号楼1单元302。", "阳光花园5号楼1单元302", Severity.REVIEW),
    ("PI014", "当事人李某，现住阳光花园5号楼1单元302。", "阳光花园5号楼1单元302", Severity.BLOCK),
    ("PI014", "被举报人住址：人民路88号", "人民路88号", Severity.BLOCK),
]


@pytest.mark.parametrize(("rule", "text", "matched", "severity"), POSITIVES)
def test_each_form_is_found_with_its_exact_span(
    settings: Settings, rule: str, text: str, matched: str, severity: Severity
) -> None:
    result = _scan(settings, text)
    # the span is in the original characters: full-width brackets stay as the user typed them
    start = text.find(matched) if matched in text else text.find(matched.replace("(", "（").replace(")", "）"))
    assert start >= 0
    shown = text[start : start + len(matched)]
    assert _spans(result, rule) == [(shown, start, start + len(matched), severity)]


NEGATIVES = [
    ("PI002", "编号 10086 1381234567"),
    ("PI002", "电话 0086-10-12345678"),
    ("PI002", "联系电话：138****5678"),
    ("PI006", "电话号码一二三四五"),
    ("PI006", "手机号码共一百三十八万个"),
    ("PI006", "来电反映二〇二三年三月一日至二〇二三年五月一日的问题"),
    ("PI006", "一三八一二三四五六七八"),  # no word for a number on the line
    ("PI007", "车牌号粤B·1**45（已打码）"),
    ("PI007", "粤B12345号文件已印发"),
    ("PI007", "车辆号牌粤BI2345"),  # I is never on a plate
    ("PI008", "型号E12345678的设备"),
    ("PI008", "护照号码：E1234****"),
    ("PI009", "车辆通行证编号 C1234567"),
    ("PI010", "香港身份证号码 A123456(7)"),  # check digit fails
    ("PI010", "产品编号 A123456(3)"),
    ("PI011", "澳门特别行政区第1234567(8)号批示"),
    ("PI012", "身份证号码 A123456788"),
    ("PI013", "台胞证办理咨询电话：0591-12345678"),
    ("PI014", "办公地址：市政务服务中心大厦3栋501室"),
    ("PI014", "家住城关镇幸福村，务农为生。"),
    ("PI014", "地址：幸福小区3栋2单元501室"),  # an address, but nobody said anyone lives there
]


@pytest.mark.parametrize(("rule", "text"), NEGATIVES)
def test_near_misses_do_not_fire(settings: Settings, rule: str, text: str) -> None:
    assert _spans(_scan(settings, text), rule) == []


def test_validators() -> None:
    assert mobile("0086 138 1234 5678").valid and mobile("(86)13912345678").valid
    assert not mobile("0086 12 1234 5678").valid
    assert chinese_mobile("一三八 一二三四 五六七八").valid and not chinese_mobile("一二八一二三四五六七八").valid
    assert licence_plate("粤B·12345").valid and licence_plate("粤BD12345").valid and licence_plate("粤B12345D").valid
    assert not licence_plate("粤BABCDE").valid and not licence_plate("粤B1234").valid and not licence_plate("粤BD1234X").valid
    assert hong_kong_id("A123456(3)").valid and hong_kong_id("G123456(A)").valid and hong_kong_id("AB987654(3)").valid
    assert not hong_kong_id("A123456(4)").valid
    assert taiwan_id("A123456789").valid and not taiwan_id("A123456780").valid and not taiwan_id("A323456789").valid


ROSTER = "\n".join(
    f"{name}，手机1391234{index:04d}，家住幸福小区{index}栋2单元50{index}室"
    for index, name in enumerate(["张三", "李四", "王五"], start=1)
)


def test_a_list_of_private_persons_data_blocks(settings: Settings) -> None:
    result = _scan(settings, "走访登记表\n" + ROSTER)
    assert result.verdict is Verdict.BLOCK
    [listed] = [f for f in result.findings if f.rule == "PI015"]
    assert listed.severity is Severity.BLOCK
    assert "手机号码 3 项" in listed.message and "住址 3 项" in listed.message
    assert listed.location.paragraph == 2 and listed.text == "13912340001"


def test_a_tender_notice_with_several_contact_mobiles_is_no_list(settings: Settings) -> None:
    """Only mobiles (work contacts of a tender, say): each is reviewed, but that is no roster."""
    text = "招标公告\n" + "\n".join(f"联系人{name}，电话1391234{i:04d}" for i, name in enumerate("甲乙丙丁戊己", 1))
    result = _scan(settings, text)
    assert result.verdict is Verdict.REVIEW
    assert not [f for f in result.findings if f.rule == "PI015"]
    assert len([f for f in result.findings if f.rule == "PI002"]) == 6


def test_one_office_number_passes(settings: Settings) -> None:
    result = _scan(settings, "咨询电话：0571-87654321（办公室）\n政务服务便民热线：12345")
    assert result.verdict is Verdict.PASS
    # an office's published mobile number: lowered to info by the words before it
    result = _scan(settings, "办事指南\n咨询电话：13912345678（市民服务中心）")
    assert result.verdict is Verdict.PASS


def test_the_same_number_twice_counts_once(settings: Settings) -> None:
    text = "\n".join(["张三手机13912340001，家住幸福小区1栋2单元501室"] * 4 + ["张三手机139 1234 0001"])
    assert not [f for f in _scan(settings, text).findings if f.rule == "PI015"]
