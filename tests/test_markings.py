"""The marking detector: a real mark versus a mention, with exact spans and evidence."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.automaton import AHOCORASICK_RS, BACKENDS
from scanner.catalogue import Catalogue, load_catalogue
from scanner.findings import UnitView
from scanner.markings import GrammarError, _DocumentScan, detect_markings, grammar_of, parse_mark
from scanner.match import Matcher
from scanner.normalize import normalize
from scanner.types import Finding, Severity, TextUnit

SHARED = Path(__file__).resolve().parents[2] / "shared"


@functools.cache
def shipped_catalogue() -> Catalogue:
    """Loaded once, on first use (Hypothesis cannot take a function-scoped fixture)."""
    return load_catalogue()


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


def text_document(text: str) -> list[UnitView]:
    """A plain-text document: one unit per line, page unknown (as the text extractor gives)."""
    return [
        UnitView(TextUnit(text=line, part="body", page=None, paragraph=number + 1), normalize(line), number)
        for number, line in enumerate(text.split("\n"))
    ]


def document(*units: TextUnit) -> list[UnitView]:
    return [UnitView(unit, normalize(unit.text), index) for index, unit in enumerate(units)]


def by_rule(findings: Sequence[Finding], rule_id: str) -> list[Finding]:
    return [finding for finding in findings if finding.rule == rule_id]


BODY = "现将有关事项通知如下。\n一、提高认识，加强领导。\n二、明确责任，抓好落实。"
FILLER = "\n".join(f"第{n}项工作按计划推进。" for n in range(1, 10))
# a received document as extracted text has it: one long line
RUN_ON = "为贯彻落实公司工作部署，现将有关事项通知如下。一、提高认识，加强领导。二、明确责任，抓好落实。"
SIGNED = "各单位：" + RUN_ON + "国网营销部2021年2月2日"
NOTE_TAIL = "，发至收文单位本部。未经公司许可，严禁以任何方式对外传播和发布，任何媒体或其他主体不得公布、转载，违者追究法律责任。"

# (document text, rule, severity, matched original text, 1-based line)
POSITIVES = [
    # CM001: level★period in mark position, every spelling
    ("秘密★1年\n" + BODY, "CM001", Severity.BLOCK, "秘密★1年", 1),
    ("000123\n机密★3个月\n特急\n" + BODY, "CM001", Severity.BLOCK, "机密★3个月", 2),
    ("秘  密 ★ １０年\n" + BODY, "CM001", Severity.BLOCK, "秘  密 ★ １０年", 1),
    ("祕密☆六個月\n" + BODY, "CM001", Severity.BLOCK, "祕密☆六個月", 1),
    ("機密*3個月\n" + BODY, "CM001", Severity.BLOCK, "機密*3個月", 1),
    ("机密＊3个月\n" + BODY, "CM001", Severity.BLOCK, "机密＊3个月", 1),
    ("绝密★长期\n" + BODY, "CM001", Severity.BLOCK, "绝密★长期", 1),
    ("秘密★2025年12月31日前\n" + BODY, "CM001", Severity.BLOCK, "秘密★2025年12月31日前", 1),
    ("机密★会议开始前\n" + BODY, "CM001", Severity.BLOCK, "机密★会议开始前", 1),
    ("机密★解密时间：2026年6月30日\n" + BODY, "CM001", Severity.BLOCK, "机密★解密时间：2026年6月30日", 1),
    ("機(jī)密(mì)★1年\n" + BODY, "CM001", Severity.BLOCK, "機(jī)密(mì)★1年", 1),
    ("000018  秘密★1年  特急\n" + BODY, "CM001", Severity.BLOCK, "秘密★1年", 1),
    ("秘\u200b密\u00a0★1年\n" + BODY, "CM001", Severity.BLOCK, "秘\u200b密\u00a0★1年", 1),
    ("密级：秘密  保密期限：1年\n" + BODY, "CM001", Severity.BLOCK, "秘密  保密期限：1年", 1),
    ("某府发〔2000〕1号        秘  密\n" + BODY, "CM006", Severity.BLOCK, "秘  密", 1),
    # outside any mark position a standalone mark is still worth review
    (FILLER + "\n秘密★1年\n" + BODY, "CM001", Severity.REVIEW, "秘密★1年", 10),
    # CM002: partial-marking note
    (
        "注：本页第三自然段属于秘密级国家秘密",
        "CM002",
        Severity.BLOCK,
        "注：本页第三自然段属于秘密级国家秘密",
        1,
    ),
    (
        BODY + "\n注:本頁第四行和第七行的資料屬於機密級國家祕密",
        "CM002",
        Severity.BLOCK,
        "注:本頁第四行和第七行的資料屬於機密級國家祕密",
        4,
    ),
    # CM003: paragraph prefix
    (BODY + "\n（秘密）经研究，拟于下月启动专项行动。", "CM003", Severity.BLOCK, "（秘密）", 4),
    (BODY + "\n(机密)该项目的技术参数如下。", "CM003", Severity.BLOCK, "(机密)", 4),
    # CM004: mentions
    ("国家秘密的密级分为绝密、机密、秘密三个等级。", "CM004", Severity.INFO, "机密", 1),
    ("应在封面作出明显标志(如機密*3個月)。", "CM004", Severity.INFO, "機密*3個月", 1),
    ("国家秘密标志的形式为“秘密★1年”。", "CM004", Severity.INFO, "秘密★1年", 1),
    (
        "如“注:本頁第三自然段屬於祕密級國家祕密”",
        "CM004",
        Severity.INFO,
        "注:本頁第三自然段屬於祕密級國家祕密",
        1,
    ),
    ("下列标志中正确的是（ ）A.秘密★1年 B.机密3年", "CM004", Severity.INFO, "秘密★1年", 1),
    ("例如：\n秘密★1年\n" + BODY, "CM004", Severity.INFO, "秘密★1年", 2),
    ("绝密★长期\n机密★10年\n秘密★5年", "CM004", Severity.INFO, "机密★10年", 2),
    # CM005: declassified
    ("秘密★1年\n已解密\n" + BODY, "CM005", Severity.REVIEW, "秘密★1年", 1),
    ("机密★10年（已解密）\n" + BODY, "CM005", Severity.REVIEW, "机密★10年", 1),
    # CM006: bare level in mark position
    ("秘密\n" + BODY, "CM006", Severity.BLOCK, "秘密", 1),
    ("机  密\n特急\n" + BODY, "CM006", Severity.BLOCK, "机  密", 1),
    ("秘 密 级\n" + BODY, "CM006", Severity.BLOCK, "秘 密 级", 1),
    # a level split over two lines, and across a page-number line
    ("机\n密★1年\n" + BODY, "CM001", Severity.BLOCK, "机\n密★1年", 1),
    ("秘\n-3-\n密\n" + BODY, "CM006", Severity.BLOCK, "秘\n-3-\n密", 1),
    # CM007: a full mark inside running text, no example cue
    (FILLER + "\n本通知秘密★1年内有效，各单位遵照执行。", "CM007", Severity.REVIEW, "秘密★1年", 10),
    # IM001: internal and work-secret warnings in mark position
    ("内部资料  注意保存\n" + BODY, "IM001", Severity.BLOCK, "内部资料  注意保存", 1),
    ("内部事项 注意保管\n" + BODY, "IM001", Severity.BLOCK, "内部事项 注意保管", 1),
    ("内部文件 不得外传\n" + BODY, "IM001", Severity.BLOCK, "内部文件 不得外传", 1),
    ("工作秘密★\n" + BODY, "IM001", Severity.BLOCK, "工作秘密★", 1),
    ("内部★\n" + BODY, "IM001", Severity.BLOCK, "内部★", 1),
    ("内部\n" + BODY, "IM001", Severity.BLOCK, "内部", 1),
    ("仅限内部使用\n" + BODY, "IM001", Severity.BLOCK, "仅限内部使用", 1),
    ("密件 不得复印\n阅后收回\n" + BODY, "IM001", Severity.BLOCK, "密件 不得复印", 1),
    (FILLER + "\n内部资料 注意保存", "IM001", Severity.REVIEW, "内部资料 注意保存", 10),
    # IM002: mentioned
    ("凡标有“内部资料”字样的材料，不得上网。", "IM002", Severity.INFO, "内部资料", 1),
    ("标注“此件不予公开”的文件不得在网站发布。", "IM002", Severity.INFO, "此件不予公开", 1),
    # IM003 / IM004: the 公开属性 note
    (BODY + "\n2024年3月1日\n（此件不予公开）", "IM003", Severity.BLOCK, "此件不予公开", 5),
    (BODY + "\n（此件不公開）", "IM003", Severity.BLOCK, "此件不公開", 4),
    ("公开属性：免予公开", "IM003", Severity.BLOCK, "公开属性：免予公开", 1),
    ("（此件依申请公开）", "IM003", Severity.REVIEW, "此件依申请公开", 1),
    (BODY + "\n（此件公开发布）", "IM004", Severity.INFO, "此件公开发布", 4),
    # real extracted text: no line breaks, the note after the signature with its long tail
    (
        SIGNED + "(此件不公开发布" + NOTE_TAIL + ")国家电网有限公司办公室2021年2月19日印发",
        "IM003",
        Severity.BLOCK,
        "此件不公开发布",
        1,
    ),
    (SIGNED + "（此件不公开发布" + NOTE_TAIL + "）", "IM003", Severity.BLOCK, "此件不公开发布", 1),
    (
        SIGNED + "(此件不公开发布，仅限公司内部员工阅知，严禁以任何方式对外传播和发布)",
        "IM003",
        Severity.BLOCK,
        "此件不公开发布",
        1,
    ),
    (BODY + "\n此件不公开发布", "IM003", Severity.BLOCK, "此件不公开发布", 4),
    (SIGNED + "【此件不予公开】抄送：市财政局。", "IM003", Severity.BLOCK, "此件不予公开", 1),
    (SIGNED + "（免予公开）", "IM003", Severity.BLOCK, "免予公开", 1),
    (SIGNED + "(不予公开)抄送：各区政府。", "IM003", Severity.BLOCK, "不予公开", 1),
    (SIGNED + "（仅供内部，不得外传）", "IM003", Severity.BLOCK, "仅供内部", 1),
    (SIGNED + "（此件依申请公开，发至各区）", "IM003", Severity.REVIEW, "此件依申请公开", 1),
    (SIGNED + "（此件公开发布）抄送：各区政府。", "IM004", Severity.INFO, "此件公开发布", 1),
    # a head mark run into the head block (the line breaks are gone)
    (
        "内部事项国家电网有限公司部门文件营销综〔2021〕5号国网营销部关于印发重点工作安排的通知各单位："
        + RUN_ON,
        "IM001",
        Severity.BLOCK,
        "内部事项",
        1,
    ),
    (
        "内部事项总经理办公会议纪要〔2021〕11号国网湖北省电力有限公司签发人：XXX" + RUN_ON,
        "IM001",
        Severity.BLOCK,
        "内部事项",
        1,
    ),
    ("内部资料关于公司党委会议题情况汇报一、议题基本情况" + RUN_ON, "IM001", Severity.BLOCK, "内部资料", 1),
    ("内部资料 000123 关于公司党委会议题情况汇报\n" + BODY, "IM001", Severity.BLOCK, "内部资料", 1),
    # after the office's name: probably a mark, but the name could open a title
    (
        "国家电网有限公司内部事项营销客户函〔2021〕4号国网营销部关于进一步优化投诉规则的通知" + RUN_ON,
        "IM001",
        Severity.REVIEW,
        "内部事项",
        1,
    ),
]


@pytest.mark.parametrize(("text", "rule_id", "severity", "matched", "line"), POSITIVES)
def test_positive(
    catalogue: Catalogue, text: str, rule_id: str, severity: Severity, matched: str, line: int
) -> None:
    views = text_document(text)
    findings = by_rule(detect_markings(views, catalogue), rule_id)
    assert findings, f"{rule_id} did not fire on {text!r}"
    finding = next((f for f in findings if f.text == matched), None)
    assert finding is not None, [f.text for f in findings]
    assert finding.severity is severity
    assert finding.location.paragraph == line
    # the span points at the original characters of that unit
    unit_text = views[line - 1].unit.text
    if "\n" not in matched:
        assert unit_text[finding.location.start : finding.location.end] == matched
    assert finding.evidence, "every finding says why it has its severity"


# (document text, rule that must not fire)
NEAR_MISSES = [
    ("国家秘密的密级分为绝密、机密、秘密三个等级。", "CM001"),
    ("国家秘密的密级分为绝密、机密、秘密三个等级。", "CM006"),
    ("应在封面作出明显标志(如機密*3個月)。", "CM001"),
    ("国家秘密标志的形式为“秘密★1年”。", "CM001"),
    ("“秘密★1年”\n" + BODY, "CM001"),
    ("标志应当标注为秘密★1年等形式，不得遗漏。", "CM007"),
    ("标密格式：秘密★1年，不得遗漏。", "CM007"),
    ("机关工作要与群众有机密切结合。", "CM004"),
    ("成功的秘密在于坚持。", "CM004"),
    ("不得泄露国家秘密、商业秘密和个人隐私。", "CM004"),
    ("秘密文件管理办法\n" + BODY, "CM006"),
    ("秘密写票处设在会场东侧。", "CM006"),
    ("3.2绝密文件应当在其文件每一页的右上角加盖“绝密”专用印章。", "CM006"),
    ("国办发〔2012〕14号\n" + BODY, "CM001"),
    ("秘密★1年\n已解密", "CM001"),
    ("秘密★1年\n已于2023年5月解密\n" + BODY, "CM001"),
    ("秘密★1年\n关于做好解密工作的通知\n" + BODY, "CM005"),
    ("第十条 国家秘密的密级分为绝密、机密、秘密三级。", "CM002"),
    ("第十六条属于绝密事项的文件，不得复制。", "CM002"),
    ("该事项属于秘密级国家秘密的，应当报批。", "CM002"),
    ("应当作出标志(如“注:本頁第四行和第七行的資料屬於機密級國家祕密”)。", "CM002"),
    ("（一）秘密级事项的确定", "CM003"),
    ("段首应标注密级，例如“（秘密）”。", "CM003"),
    ("正确处理人民内部矛盾。", "IM001"),
    ("正确处理人民内部矛盾。", "IM002"),
    ("加强内部管理，健全内部控制制度。", "IM001"),
    ("内部控制制度\n" + BODY, "IM001"),
    ("不得泄露工作秘密。", "IM001"),
    ("不得泄露工作秘密。", "IM002"),
    ("本条例所称工作秘密，是指机关在公务活动中产生的不属于国家秘密的事项。", "IM002"),
    ("本条例所称工作秘密，是指机关在公务活动中产生的不属于国家秘密的事项。", "CM004"),
    ("（此件公开发布）", "IM003"),
    ("标注“此件不予公开”的文件不得在网站发布。", "IM003"),
    ("政府信息应当主动公开。", "IM004"),
    ("不予公开", "IM003"),
    # mentions of the note in running text stay mentions
    ("公文应标注公开属性，如（此件不予公开）、（此件公开发布）等。", "IM003"),
    ("公文标注“（此件不公开发布）”的，不得在网站发布。", "IM003"),
    ("涉及国家秘密的信息不予公开，" + RUN_ON, "IM003"),
    ("会议决定该事项暂不公开发布，" + RUN_ON, "IM003"),
    ("依法不予公开（涉及商业秘密的除外），" + RUN_ON, "IM003"),
    # a head word that does not open the document, or opens no head block
    ("内部资料性出版物管理办法第一条为了加强内部资料性出版物的管理，制定本办法。", "IM001"),
    ("内部资料的管理应当严格，" + RUN_ON, "IM001"),
    (RUN_ON + "内部事项国家电网有限公司部门文件", "IM001"),
    ("单位内部工作秘密、内部资料等虽不属于国家秘密但应作为内部事项进行管理。", "IM001"),
    ("普通事项国家电网有限公司部门文件人资计〔2022〕24号关于批复人选的通知" + RUN_ON, "IM001"),
    ("关于加强机关内部事项管理的通知" + RUN_ON, "IM001"),
]


@pytest.mark.parametrize(("text", "rule_id"), NEAR_MISSES)
def test_near_miss(catalogue: Catalogue, text: str, rule_id: str) -> None:
    hits = by_rule(detect_markings(text_document(text), catalogue), rule_id)
    assert not hits, f"{rule_id} fired on {text!r}: {[(h.text, h.evidence) for h in hits]}"


@pytest.mark.parametrize(
    "text",
    [
        "国家秘密的密级分为绝密、机密、秘密三个等级。",
        "属于国家秘密的文件资料应在封面作出明显标志(如機密*3個月)。",
        "下列国家秘密标志中，正确的是（ ）A.秘密★1年 B.机密3年 C.绝密★永久",
        "凡标有“内部资料”“注意保存”字样的材料，不得上网。",
        "应当在具体部位作出标志（如“注：本页第三自然段属于秘密级国家秘密”）。",
        "绝密★长期\n机密★10年\n秘密★5年",
    ],
)
def test_mentions_never_block(catalogue: Catalogue, text: str) -> None:
    for placed in (text, FILLER + "\n" + text):
        findings = detect_markings(text_document(placed), catalogue)
        assert findings, "a mention is still reported"
        assert all(f.severity is not Severity.BLOCK for f in findings), [(f.rule, f.text) for f in findings]


# ---------------------------------------------------------------------------
# positions other than the head block of a text file

PAGE_ONE = [
    TextUnit(text=line, part="body", page=1, paragraph=n + 1) for n, line in enumerate(BODY.split("\n"))
]
PAGE_TWO = [
    TextUnit(text=line, part="body", page=2, paragraph=n + 10) for n, line in enumerate(FILLER.split("\n"))
]


@pytest.mark.parametrize(
    ("units", "evidence"),
    [
        (
            [TextUnit(text="秘密★1年", part="header", page=1, source="word/header1.xml"), *PAGE_ONE],
            "位于页眉",
        ),
        ([TextUnit(text="某某局  秘密★1年", part="header", page=1), *PAGE_ONE], "位于页眉"),
        ([TextUnit(text="某某局  机密", part="header", page=1), *PAGE_ONE], "位于页眉"),
        ([*PAGE_ONE, *PAGE_TWO, TextUnit(text="机密★3年", part="footer", page=2)], "位于页脚"),
        ([TextUnit(text="绝密★长期", part="textbox", page=1), *PAGE_ONE], "位于文本框"),
        ([*PAGE_ONE, *PAGE_TWO, TextUnit(text="秘密", part="table", page=2, cell=(0, 0))], "位于表格首格"),
        (
            [*PAGE_ONE, TextUnit(text="秘密★6个月", part="body", page=2, paragraph=9), *PAGE_TWO],
            "位于第2页页首",
        ),
        ([TextUnit(text="秘密★1年", part="metadata", source="keywords"), *PAGE_ONE], "位于文档属性"),
        ([TextUnit(text="机\n密★1年", part="body", page=1, paragraph=1), *PAGE_ONE], "位于第一页版头"),
    ],
)
def test_mark_positions_block(catalogue: Catalogue, units: list[TextUnit], evidence: str) -> None:
    findings = detect_markings(document(*units), catalogue)
    blocks = [f for f in findings if f.severity is Severity.BLOCK]
    assert blocks, [(f.rule, f.severity, f.evidence) for f in findings]
    assert blocks[0].rule in {"CM001", "CM006"}
    assert any(item.startswith(evidence) for item in blocks[0].evidence), blocks[0].evidence


def test_a_seal_is_a_mark_position_anywhere_and_never_joined_with_a_line(catalogue: Catalogue) -> None:
    # OCR's lines of a red seal (scanner/ocr_seal.py): a stamp in the middle of page two
    middle = len(PAGE_TWO) // 2
    ocr_two = [TextUnit(text=unit.text, part="ocr", page=2, paragraph=unit.paragraph) for unit in PAGE_TWO]

    def page_two_with(unit: TextUnit) -> list[TextUnit]:
        return [*PAGE_ONE, *ocr_two[:middle], unit, *ocr_two[middle:]]

    def with_seal(text: str, seal: bool) -> list[Finding]:
        unit = TextUnit(text=text, part="ocr", page=2, paragraph=30, seal=seal)
        return detect_markings(document(*page_two_with(unit)), catalogue)

    for text, rule in (("机密", "CM006"), ("内部资料", "IM001")):
        (stamp,) = [f for f in with_seal(text, True) if f.rule == rule]
        assert stamp.severity is Severity.BLOCK and stamp.evidence[0].startswith("位于印章内"), stamp.evidence
        assert all(f.severity is not Severity.BLOCK for f in with_seal(text, False))  # a body line there: review
    # a seal's lines follow their page's: the page's own last line is still its bottom
    bottom = TextUnit(text="秘密★1年", part="ocr", page=2, paragraph=29)
    seal = TextUnit(text="某某市人民政府办公室", part="ocr", page=2, paragraph=30, seal=True)
    (mark,) = [f for f in detect_markings(document(*PAGE_ONE, *ocr_two, bottom, seal, seal), catalogue)
               if f.rule == "CM001"]
    assert mark.severity is Severity.BLOCK and mark.evidence[0].startswith("位于第2页页尾"), mark.evidence
    # a level broken over two lines is joined (机 / 密★1年), but never with a seal's line
    head = [TextUnit(text="机", part="ocr", page=1, paragraph=1), TextUnit(text="密★1年", part="ocr", page=1, paragraph=2)]
    joined = detect_markings(document(*head, *PAGE_ONE), catalogue)
    assert any(f.rule == "CM001" and f.severity is Severity.BLOCK for f in joined)
    sealed = [head[0], TextUnit(text="密★1年", part="ocr", page=1, paragraph=2, seal=True)]
    apart = detect_markings(document(*sealed, *PAGE_ONE), catalogue)
    assert not any("机" in f.text for f in apart), [(f.rule, f.text) for f in apart]  # 机 + the seal's 密★1年: no 机密


def test_not_first_table_cell_is_not_a_mark_position(catalogue: Catalogue) -> None:
    units = [
        *PAGE_ONE,
        *PAGE_TWO[:4],
        TextUnit(text="秘密", part="table", page=2, cell=(3, 1)),
        *PAGE_TWO[4:],
    ]
    findings = detect_markings(document(*units), catalogue)
    assert all(f.severity is not Severity.BLOCK for f in findings)


def test_head_block_evidence_names_line_and_companions(catalogue: Catalogue) -> None:
    text = "000123\n机密★3个月\n特急\n国办发〔2012〕14号\n关于做好有关工作的通知"
    (finding,) = detect_markings(text_document(text), catalogue)
    assert finding.rule == "CM001" and finding.severity is Severity.BLOCK
    assert finding.evidence[0] == "位于第一页版头（第2行），独立成行"
    assert "保密期限：3个月" in finding.evidence
    assert "版头有份号“000123”" in finding.evidence
    assert "版头有紧急程度“特急”" in finding.evidence
    assert "版头有发文字号“国办发〔2012〕14号”" in finding.evidence


def test_mention_evidence_names_the_cue(catalogue: Catalogue) -> None:
    (finding,) = detect_markings(text_document("应在封面作出明显标志(如機密*3個月)。"), catalogue)
    assert finding.rule == "CM004"
    assert "前有举例用语“如”" in finding.evidence


def test_document_number_alone_is_nothing(catalogue: Catalogue) -> None:
    assert detect_markings(text_document("国办发〔2012〕14号\n特急\n000123\n" + BODY), catalogue) == []


def test_public_note_lowers_an_ambiguous_mention(catalogue: Catalogue) -> None:
    text = FILLER + "\n本通知秘密★1年内有效，各单位遵照执行。\n（此件公开发布）"
    findings = detect_markings(text_document(text), catalogue)
    assert {f.rule for f in findings} == {"CM004", "IM004"}
    assert all(f.severity is Severity.INFO for f in findings)


def test_public_note_does_not_cancel_a_real_mark(catalogue: Catalogue) -> None:
    findings = detect_markings(text_document("秘密★1年\n" + BODY + "\n（此件公开发布）"), catalogue)
    assert any(f.rule == "CM001" and f.severity is Severity.BLOCK for f in findings)


# ---------------------------------------------------------------------------
# the catalogue drives the detector


def test_disabled_rule_is_skipped() -> None:
    catalogue = load_catalogue(disabled=["CM001"])
    findings = detect_markings(text_document("秘密★1年\n" + BODY), catalogue)
    assert not by_rule(findings, "CM001")
    # the others still work
    assert by_rule(detect_markings(text_document("秘密\n" + BODY), catalogue), "CM006")


def test_reweighted_rule_keeps_the_users_severity() -> None:
    catalogue = load_catalogue(severities={"CM001": "review"})
    (finding,) = detect_markings(text_document("秘密★1年\n" + BODY), catalogue)
    assert finding.severity is Severity.REVIEW


def test_missing_grammar_is_an_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - {id: ZZ001, name: x, category: classified-marking, severity: info, summary: x, basis: x, kind: builtin}\n",
        encoding="utf-8",
    )
    with pytest.raises(GrammarError, match="CM001"):
        detect_markings(text_document("秘密★1年"), load_catalogue([rules], builtin=False))


@pytest.mark.parametrize(
    ("text", "level", "period", "star"),
    [
        ("秘密★10年", "秘密", "10年", True),
        ("机密*3个月", "机密", "3个月", True),
        ("绝密★长期", "绝密", "长期", True),
        ("秘密☆六个月", "秘密", "六个月", True),
        ("机密★2025年12月31日前", "机密", "2025年12月31日前", True),
        ("秘密★会议开始前", "秘密", "会议开始前", True),
        ("秘密★评审结果公布前", "秘密", "评审结果公布前", True),
        ("秘密级", "秘密", "", False),
    ],
)
def test_parser_reads_level_star_period(
    catalogue: Catalogue, text: str, level: str, period: str, star: bool
) -> None:
    candidate = parse_mark(grammar_of(catalogue), normalize(text).text, 0)
    assert candidate is not None
    assert (candidate.level, candidate.period, candidate.star) == (level, period, star)


@pytest.mark.parametrize("text", ["国家秘密", "商业秘密", "有机密切", "秘密事项公布前", "工作秘密"])
def test_parser_rejects_ordinary_words(catalogue: Catalogue, text: str) -> None:
    grammar = grammar_of(catalogue)
    folded = normalize(text).text
    start = grammar.level.search(folded)
    assert start is not None
    assert parse_mark(grammar, folded, start.start()) is None


# ---------------------------------------------------------------------------
# the shortcuts: units without a trigger word, and regexes skipped by a word check


def _vocabulary() -> list[str]:
    """The grammar's words and some of the text around them, for generated lines."""
    grammar = grammar_of(shipped_catalogue())
    return sorted(
        {
            *grammar.levels,
            *grammar.note_verbs,
            *grammar.note_labels,
            *grammar.disclosure_phrases,
            *grammar.urgency,
            *grammar.warning_tails,
            *grammar.weak_heads,
            *grammar.cues_before,
            "本页",
            "第三",
            "行",
            "级",
            "国家秘密",
            "公开属性",
            "内部资料",
            "★",
            "1年",
            "：",
            "（",
            "）",
            "“",
            "”",
            "。",
            " ",
            "\n",
            "关于",
            "的通知",
            "公开",
        }
    )


LINES = st.lists(st.sampled_from(_vocabulary()), max_size=14).map("".join)


@settings(max_examples=400, deadline=None)
@given(LINES)
def test_word_checks_never_skip_a_match(text: str) -> None:
    # The note and disclosure patterns run only on a unit holding their words.
    grammar = grammar_of(shipped_catalogue())
    folded = normalize(text).text
    if grammar.note.search(folded):
        assert any(level in folded for level in grammar.levels)
        assert any(verb in folded for verb in grammar.note_verbs)
    if grammar.disclosure.search(folded):
        assert any(phrase in folded for phrase in grammar.disclosure_phrases)


def test_a_mark_in_the_last_line_of_a_joined_split_mark_is_located_in_that_line(catalogue: Catalogue) -> None:
    # 袐 / 密级　绝密: the split level (袐 + 密) joins the two lines into one
    # view; 绝密 lies wholly in the second line and is located there, not at
    # offsets of the joined text past the end of the first line (found by
    # tests/test_properties.py).
    units = [TextUnit(text="袐", paragraph=1), TextUnit(text="密级\u3000绝密", paragraph=2)]
    findings = detect_markings(document(*units), catalogue)
    [split] = [finding for finding in findings if "\n" in finding.text]
    assert (split.location.paragraph, split.location.start, split.text) == (1, 0, "袐\n密级")
    [level] = [finding for finding in findings if finding.text == "绝密"]
    location = level.location
    assert (location.paragraph, location.start, location.end) == (2, 3, 5)
    assert units[1].text[location.start : location.end] == "绝密"
    assert level.context == "密级 绝密"


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=6))
def test_units_without_a_trigger_add_nothing(lines: list[str]) -> None:
    # detect_markings reads only the units with a trigger word; reading every
    # unit finds the same.
    catalogue = shipped_catalogue()
    views = text_document("\n".join(lines))
    every = _DocumentScan(
        views=views,
        grammar=grammar_of(catalogue),
        rules={rule.id: rule for rule in catalogue.enabled("marking")},
    )
    for position in range(len(views)):
        every.unit(position)
    assert detect_markings(views, catalogue) == every.finish()


@functools.cache
def watching_matcher(backend: str) -> Matcher:
    catalogue = shipped_catalogue()
    return Matcher(catalogue, backend=backend, watch=grammar_of(catalogue).trigger_words)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=150, deadline=None)
@given(lines=st.lists(LINES, min_size=1, max_size=6))
def test_triggers_from_the_matchers_pass_find_the_same(backend: str, lines: list[str]) -> None:
    # The pipeline hands detect_markings the matcher's pass (every occurrence
    # of a trigger word) instead of the grammar's leftmost-longest one.
    pytest.importorskip("ahocorasick_rs" if backend == AHOCORASICK_RS else "ahocorasick")
    catalogue = shipped_catalogue()
    views = text_document("\n".join(lines))
    joined = "\n".join(view.norm.text for view in views)
    found = watching_matcher(backend).find(joined)
    assert detect_markings(views, catalogue, joined=joined, found=found) == detect_markings(views, catalogue)


# ---------------------------------------------------------------------------
# noise: the span lands on the original characters

NOISE_STRIP = re.compile(r"[\u200b\u200c\u200d\ufeff\u00a0\u3000 ]|\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)")
MARKS = ["秘密★1年", "机密★3个月", "绝密★长期", "秘密★六个月", "机密★10年"]
PINYIN = {"秘": "mì", "密": "mì", "机": "jī", "绝": "jué", "年": "nián", "长": "cháng", "期": "qī"}


@st.composite
def noisy_marks(draw: st.DrawFn) -> tuple[str, str]:
    mark = draw(st.sampled_from(MARKS))
    pieces = []
    for index, char in enumerate(mark):
        pieces.append(char)
        if char in PINYIN and draw(st.booleans()):
            pieces.append(f"({PINYIN[char]})")
        # white space between two digits is not noise (1 0年 is not 10年)
        if index < len(mark) - 1 and not (char.isdigit() and mark[index + 1].isdigit()):
            pieces.append(draw(st.sampled_from(["", "", "\u200b", " ", "  ", "\u00a0", "\u3000", "\ufeff"])))
    lead = draw(st.sampled_from(["", " ", "\u200b", "\u3000"]))
    trail = draw(st.sampled_from(["", " ", "\u200b"]))
    return mark, lead + "".join(pieces) + trail


@settings(max_examples=200, deadline=None)
@given(noisy_marks())
def test_noisy_mark_span_maps_to_original(noisy: tuple[str, str]) -> None:
    mark, line = noisy
    catalogue = shipped_catalogue()
    views = text_document(line + "\n" + BODY)
    findings = [f for f in detect_markings(views, catalogue) if f.rule == "CM001"]
    assert len(findings) == 1, (line, [(f.rule, f.text) for f in findings])
    finding = findings[0]
    assert finding.severity is Severity.BLOCK
    assert line[finding.location.start : finding.location.end] == finding.text
    assert NOISE_STRIP.sub("", finding.text) == mark


# ---------------------------------------------------------------------------
# real public documents must pass


def _seed_views(path: Path) -> list[UnitView]:
    return text_document(path.read_text(encoding="utf-8"))


def test_seeds_are_not_blocked(catalogue: Catalogue) -> None:
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip(f"no seeds under {SHARED}")
    for path in seeds:
        findings = detect_markings(_seed_views(path), catalogue)
        assert all(f.severity is Severity.INFO for f in findings), (
            path.name,
            [(f.rule, f.text) for f in findings if f.severity is not Severity.INFO],
        )
    s0 = detect_markings(_seed_views(seeds[0]), catalogue)
    example = [f for f in s0 if f.text == "機密*3個月"]
    assert example and example[0].rule == "CM004"


def test_public_corpus_sample_passes(catalogue: Catalogue) -> None:
    """Reports, and the laws that talk about secrecy the most, raise nothing above info."""
    corpus = SHARED / "corpus" / "real"
    if not corpus.is_dir():
        pytest.skip(f"the shared corpus is not at {corpus}")
    checked = 0
    for path in sorted(corpus.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if path.name == "laws.jsonl" and not re.search(
                    "保密|秘密|档案|政府信息公开", record["title"]
                ):
                    continue
                findings = detect_markings(text_document(record["content"]), catalogue)
                raised = [(f.rule, f.text, f.evidence) for f in findings if f.severity is not Severity.INFO]
                assert not raised, (record["title"], raised)
                checked += 1
    assert checked > 100


_NAV = "".join(f"<li><a href='/c{i}'>栏目{i}新闻动态</a></li>" for i in range(40))
_ARTICLE_BODY = "".join(
    f"<p>第{i}条 各单位要认真贯彻落实会议精神，切实做好各项工作，确保任务按期完成，并及时报送有关情况。</p>" for i in range(12)
)


def _page(first_line: str) -> bytes:
    return (
        "<html><head><title>某市人民政府</title></head><body><div class='header'><h1>某市人民政府门户网站</h1>"
        f"<ul class='nav'>{_NAV}</ul></div><div class='main'><div class='article'>{first_line}"
        f"<h2>关于做好年度工作的通知</h2><p>各区县人民政府，市政府各部门：</p>{_ARTICLE_BODY}</div></div>"
        "<div class='footer'>版权所有 某市人民政府办公室</div></body></html>"
    ).encode()


@pytest.mark.parametrize(("mark", "rule"), [("机密★1年", "CM001"), ("内部资料 注意保存", "IM001")])
def test_a_mark_at_the_head_of_a_web_pages_article_is_in_the_mark_position(settings, mark: str, rule: str) -> None:
    from scanner.pipeline import scan_bytes

    # the head block of a page is the article's start, not the site's navigation above it (#23 item 2)
    result = scan_bytes(_page(f"<p>{mark}</p>"), "page.html", settings)
    found = [f for f in result.findings if f.rule == rule]
    assert result.verdict.value == "block" and found[0].severity.value == "block", result.findings
    assert "版头" in found[0].evidence[0]
    # the same words deep in the article are no mark position, and a page without them passes
    deep = _page("").replace("<p>第11条".encode(), f"<p>{mark}</p><p>第11条".encode())
    assert scan_bytes(deep, "page.html", settings).verdict.value != "block"
    assert scan_bytes(_page(""), "page.html", settings).verdict.value == "pass"
