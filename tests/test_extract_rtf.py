"""RTF: every destination apart (hidden text, deleted revisions, annotations, headers, properties, objects)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx, noisy_png
from libreoffice import convert, needs_libreoffice
from markup_builders import rtf

from scanner.extract import extract_bytes, extract_path, sniff
from scanner.pipeline import scan_bytes
from scanner.types import Verdict

BODY = ["关于重点项目安排的通知", "各单位：请按时报送材料。"]
MARK = "机密★1年"


def parts(extraction):
    return [(unit.part, unit.source, unit.text.strip()) for unit in extraction.units]


def test_every_destination_is_read_with_its_place(tmp_path):
    attached = make_docx(tmp_path / "a.docx", ["附件正文"]).read_bytes()
    data = rtf(BODY, header="某某市人民政府", footer="第1页", footnote="见附件说明", annotation=("张三", "请核对数字"),
               deleted="删去的一句", hidden="不显示的一句", textbox="文本框内容", table=[["姓名", "电话"]],
               info={"title": "通知标题", "author": "李四"}, objdata=attached, picture=noisy_png(60, 60, seed=3))
    assert sniff(data, "a.doc") == "rtf"  # WPS and Word save RTF under .doc too
    extraction = extract_bytes(data, "a.doc")
    assert extraction.format == "rtf" and extraction.errors == ()
    assert parts(extraction) == [
        ("metadata", "属性 title", "通知标题"), ("metadata", "属性 author", "李四"),
        ("header", "页眉", "某某市人民政府"), ("footer", "页脚", "第1页"),
        ("comment", "批注 张三", "请核对数字"),
        ("body", "", BODY[0]), ("footnote", "脚注", "见附件说明"), ("body", "", BODY[1]),
        ("deleted", "正文", "删去的一句"), ("hidden", "正文", "不显示的一句"),
        ("textbox", "文本框", "文本框内容"),  # once: the shape's fallback drawing is not read again
        ("table", "", "姓名"), ("table", "", "电话"),
        ("body", "", "attachment.docx"),  # the object's displayed result
    ]
    assert [(member.name, member.data[:2]) for member in extraction.embedded] == [("attachment.docx", b"PK")]
    assert [image.name for image in extraction.images] == ["图片1.png"]
    assert {"deleted-revision", "comment", "hidden-text"} <= {notice.kind for notice in extraction.notices}


def test_unicode_escapes_and_gbk_bytes_read_the_same():
    assert parts(extract_bytes(rtf(BODY, unicode_body=True))) == parts(extract_bytes(rtf(BODY)))


@pytest.mark.parametrize(
    ("layer", "kwargs"),
    [
        ("body", {"body": [MARK, *BODY]}),
        ("header", {"header": MARK}),
        ("footnote", {"footnote": MARK}),
        ("comment", {"annotation": ("张三", MARK)}),
        ("deleted", {"deleted": MARK}),
        ("hidden", {"hidden": MARK}),
        ("textbox", {"textbox": MARK}),
        ("metadata", {"info": {"subject": MARK}}),
    ],
)
def test_a_mark_in_each_layer_is_found_in_that_layer_as_in_docx(settings, tmp_path, layer, kwargs):
    result = scan_bytes(rtf(**{"body": BODY, **kwargs}), "a.rtf", settings)
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [f.location.part for f in marks] == [layer]
    assert result.verdict is not Verdict.PASS
    docx_kwargs = {"body": {"body": [MARK, *BODY]}, "header": {"header": MARK}, "footnote": {"footnote": MARK},
                   "comment": {"comments": [MARK]}, "deleted": {"deleted": [MARK]}, "hidden": {"hidden": [MARK]},
                   "textbox": {"textbox": MARK}, "metadata": {"properties": {"subject": MARK}}}[layer]
    expected = scan_bytes(make_docx(tmp_path / "a.docx", **{"body": BODY, **docx_kwargs}).read_bytes(), "a.docx",
                          settings)
    assert [f.severity for f in marks] == [f.severity for f in expected.findings if f.rule == "CM001"]
    assert result.verdict is expected.verdict


def test_a_marked_embedded_object_is_scanned_as_a_member(settings, tmp_path):
    attached = make_docx(tmp_path / "a.docx", [MARK, "附件正文"]).read_bytes()
    result = scan_bytes(rtf(BODY, objdata=attached), "a.rtf", settings)
    assert result.verdict is Verdict.BLOCK
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [(f.location.part, f.location.source.split(" › ")[0]) for f in marks] == [("body", "attachment.docx")]


def test_the_same_document_without_marks_passes(settings):
    data = rtf(BODY, header="某某市人民政府", footer="第1页", footnote="见附件说明", table=[["项目", "金额"]],
               info={"title": "通知"})
    result = scan_bytes(data, "a.rtf", settings)
    assert result.errors == ()
    assert result.verdict is Verdict.PASS, result.findings


def test_a_cut_off_document_is_review_with_what_was_read(settings):
    data = rtf([*BODY, MARK, "后面还有很多内容"])
    cut = data[: data.index(b"\\par", data.index(b"\\'bb\\'fa")) + 4]  # after the paragraph holding the mark
    result = scan_bytes(cut, "a.rtf", settings)
    assert result.verdict is Verdict.BLOCK  # the mark was read
    assert any("不完整" in error for error in result.errors)
    assert scan_bytes(rtf(BODY)[:-30], "a.rtf", settings).verdict is Verdict.REVIEW


@needs_libreoffice
def test_libreoffice_reads_the_same_words_in_the_generated_rtf(tmp_path):
    path = tmp_path / "gen.rtf"
    path.write_bytes(rtf(BODY, deleted="删去的一句", hidden="不显示的一句"))
    lines = [line.strip("\ufeff") for line in convert(path, "txt:Text (encoded):UTF8").read_text("utf-8").splitlines()
             if line.strip()]
    ours = extract_path(path)
    assert lines == [unit.text for unit in ours.units if unit.part in ("body", "deleted", "hidden")]


@needs_libreoffice
def test_an_rtf_written_by_libreoffice_reads_like_its_docx(tmp_path):
    docx = make_docx(tmp_path / "full.docx", BODY, header=MARK, footer="第一页页脚", comments=["发布前删除此段"],
                     deleted=["删除的内部资料 注意保存"], hidden=["隐藏的文字内容"], table=[["姓名", "李四"]])
    from_docx = extract_path(docx)
    from_rtf = extract_path(convert(docx, "rtf"))
    assert from_rtf.format == "rtf" and from_rtf.errors == ()
    wanted = ("body", "header", "footer", "comment", "deleted", "hidden", "table")
    expected = {(unit.part, unit.text.strip()) for unit in from_docx.units if unit.part in wanted}
    assert {(unit.part, unit.text.strip()) for unit in from_rtf.units if unit.part in wanted} == expected


def test_a_mac_code_page_and_an_unknown_font_charset_are_read():
    # a real Word for Mac RTF (textract's tests) declares \ansicpg10000 and \fcharset78 fonts
    data = b"{\\rtf1\\ansi\\ansicpg10000{\\fonttbl{\\f0\\fcharset78 \\'82\\'6c;}{\\f1\\fcharset0 Times;}}\\f1 caf\\'8e\\par}"
    extraction = extract_bytes(data, "a.rtf")
    assert extraction.errors == ()
    assert [unit.text for unit in extraction.units] == ["café"]
