"""The terminal renderer (Chinese, ANSI colour only when asked).

Golden files live in tests/golden/; after a deliberate change, regenerate them
with ``UPDATE_GOLDEN=1 python -m pytest tests/test_report_*.py`` and review the diff.
"""

from __future__ import annotations

import dataclasses

from scanner.report import RENDERERS, ReportOptions
from scanner.types import TextUnit
from tests.report_fixture import batch_result, check_golden, draft_document, single_result


def test_text_golden_plain_and_colour():
    check_golden("report.txt", RENDERERS["text"](batch_result(), ReportOptions()))
    check_golden("report-color.txt", RENDERERS["text"](batch_result(), ReportOptions(color=True)))


def test_plain_text_has_no_escape_codes_and_brackets_the_match():
    text = RENDERERS["text"](batch_result(), ReportOptions())
    assert "\x1b" not in text
    assert "【机密★1年】" in text
    assert "经党组会议酝酿，【拟任】张三为办公室主任。" in text


def test_verdicts_categories_locations_in_chinese():
    text = RENDERERS["text"](batch_result(), ReportOptions())
    assert "阻止发布  drafts/draft.docx" in text
    assert "需人工审查  inbox/" in text
    assert "可以发布  public/notice.pdf" in text
    assert "[阻止] 国家秘密标志 · 第1页 第1段 页眉（word/header1.xml）" in text
    assert "[需审查] 敏感内容 · 第2页 第4段 删除修订" in text
    assert "[提示] 国家秘密标志 · 第1页 第2段 正文" in text
    assert "[需审查] 无法读取 · 第2页 嵌入对象" in text
    assert "规则 CM001：页眉中有国家秘密标志" in text
    assert "依据：《中华人民共和国保守国家秘密法实施条例》第二十一条" in text
    assert "证据：位于页眉；密级+保密期限的完整标志" in text
    assert "无法读取：嵌入对象 word/media/image1.emf 无法读取" in text
    assert "已检查的隐藏图层：批注、删除修订、文档属性" in text
    assert text.rstrip().splitlines()[-3] == "共3个文档：阻止1，需审查1，通过1"
    assert text.rstrip().splitlines()[-2] == "发现类别：敏感内容 2，国家秘密标志 1，隐藏内容 1，个人信息 1，无法读取 1"


def test_colour_marks_verdict_and_match():
    text = RENDERERS["text"](single_result(draft_document()), ReportOptions(color=True))
    assert "\x1b[1m\x1b[31m阻止发布" in text
    assert "\x1b[1m\x1b[31m机密★1年\x1b[0m" in text
    assert "【" not in text


def test_control_characters_from_the_document_are_made_visible():
    doc = draft_document()
    evil = TextUnit(text="正常\x1b[2J\x1b]0;hijack\x07文本\u202e", part="body", page=1, paragraph=9)
    finding = dataclasses.replace(doc.findings[0], context=evil.text, message="消息\x1b[31m")
    doc = dataclasses.replace(doc, findings=(finding,), errors=("坏\x1b[2J",))
    text = RENDERERS["text"](single_result(doc), ReportOptions())
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\u001b[2J" in text


def test_timestamp_only_when_given():
    assert "扫描时间" not in RENDERERS["text"](batch_result(), ReportOptions())
    assert "扫描时间 2025-01-02 10:00" in RENDERERS["text"](batch_result(), ReportOptions(timestamp="2025-01-02 10:00"))
