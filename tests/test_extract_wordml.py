"""A ``.doc`` that is not a Word 97 file: Word 2003 XML (WordML) and web archives (MHT), sniffed by content."""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx
from libreoffice import convert, needs_libreoffice
from markup_builders import mht, wordml

from scanner.extract import extract_bytes, extract_path, sniff
from scanner.pipeline import scan_bytes
from scanner.types import Verdict

BODY = ["关于重点项目安排的通知", "各单位：请按时报送材料。"]
MARK = "机密★1年"


def test_every_layer_of_a_wordml_document_is_read_with_its_place():
    data = wordml(BODY, header="某某市人民政府", footer="第1页", footnote="见附件说明", comment=("张三", "请核对"),
                  deleted="删去的一句", hidden="不显示的一句", textbox="文本框内容", table=[["姓名", "电话"]],
                  properties={"Title": "通知标题", "Author": "李四"})
    assert sniff(data, "a.doc") == "wordml" and sniff(data, "a.xml") == "wordml"
    extraction = extract_bytes(data, "a.doc")
    assert extraction.format == "wordml" and extraction.errors == ()
    assert [(u.part, u.source, u.text) for u in extraction.units] == [
        ("body", "", BODY[0]), ("comment", "批注 张三", "请核对"), ("footnote", "脚注", "见附件说明"),
        ("body", "", BODY[1]), ("deleted", "正文", "删去的一句"), ("hidden", "正文", "不显示的一句"),
        ("textbox", "文本框", "文本框内容"), ("table", "", "姓名"), ("table", "", "电话"),
        ("header", "页眉", "某某市人民政府"), ("footer", "页脚", "第1页"),
        ("metadata", "属性 Title", "通知标题"), ("metadata", "属性 Author", "李四"),
    ]
    assert {"deleted-revision", "comment", "hidden-text"} <= {notice.kind for notice in extraction.notices}


@pytest.mark.parametrize(
    ("layer", "kwargs", "docx_kwargs"),
    [
        ("body", {"body": [MARK, *BODY]}, {"body": [MARK, *BODY]}),
        ("header", {"header": MARK}, {"header": MARK}),
        ("footnote", {"footnote": MARK}, {"footnote": MARK}),
        ("comment", {"comment": ("张三", MARK)}, {"comments": [MARK]}),
        ("deleted", {"deleted": MARK}, {"deleted": [MARK]}),
        ("hidden", {"hidden": MARK}, {"hidden": [MARK]}),
        ("textbox", {"textbox": MARK}, {"textbox": MARK}),
    ],
)
def test_a_mark_in_each_layer_is_found_in_that_layer_as_in_docx(settings, tmp_path, layer, kwargs, docx_kwargs):
    result = scan_bytes(wordml(**{"body": BODY, **kwargs}), "a.doc", settings)
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [f.location.part for f in marks] == [layer]
    expected = scan_bytes(make_docx(tmp_path / "a.docx", **{"body": BODY, **docx_kwargs}).read_bytes(), "a.docx",
                          settings)
    assert [f.severity for f in marks] == [f.severity for f in expected.findings if f.rule == "CM001"]
    assert result.verdict is expected.verdict is not Verdict.PASS


def test_wordml_without_marks_passes_and_a_cut_one_is_review(settings):
    data = wordml(BODY, header="某某市人民政府", footer="第1页", table=[["项目", "金额"]], properties={"Title": "通知"})
    result = scan_bytes(data, "a.doc", settings)
    assert result.errors == () and result.verdict is Verdict.PASS, result.findings
    cut = scan_bytes(data[: len(data) // 2], "a.doc", settings)
    assert cut.verdict is Verdict.REVIEW and any("WordML" in error for error in cut.errors)


def picture() -> bytes:
    from PIL import Image

    rng = random.Random(5)
    image = Image.new("L", (60, 60))
    image.putdata([rng.randrange(256) for _ in range(3600)])
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_web_archive_saved_as_doc_is_read_as_its_page_and_pictures(settings):
    html = ("<html><head><title>关于开展检查的通知</title></head><body><p>各单位：</p>"
            f"<p style='display:none'>{MARK}</p><img src='notice.files/image001.png'></body></html>")
    data = mht(html, pictures={"image001.png": picture()})
    assert sniff(data, "a.doc") == "mht" and sniff(data, "a.mht") == "mht"
    extraction = extract_bytes(data, "a.doc")
    assert extraction.format == "mht" and extraction.errors == ()
    assert [member.name for member in extraction.embedded] == ["网页正文1.html", "附件2.png"]
    result = scan_bytes(mht(html), "a.doc", settings)
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [(f.location.part, f.location.source.split(" › ")[0]) for f in marks] == [("hidden", "网页正文1.html")]
    plain = scan_bytes(mht("<html><body><p>各单位：请按时报送材料。</p></body></html>"), "a.doc", settings)
    assert plain.errors == () and plain.verdict is Verdict.PASS, plain.findings


def test_a_mail_is_not_taken_for_a_web_archive():
    mail = (b"From: a@example.gov.cn\r\nTo: b@example.gov.cn\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n")
    assert sniff(mail, "a.eml") == "eml"


@needs_libreoffice
def test_wordml_written_by_libreoffice_reads_like_its_docx(tmp_path):
    # LibreOffice's Word 2003 XML export keeps no tracked deletions or hidden runs: the rest is compared
    docx = make_docx(tmp_path / "full.docx", BODY, header=MARK, footer="第一页页脚", comments=["发布前删除此段"],
                     table=[["姓名", "李四"]], textbox="文本框里的内容")
    ours = extract_path(convert(docx, "xml:MS Word 2003 XML"))
    assert ours.format == "wordml" and ours.errors == ()
    wanted = ("body", "header", "footer", "comment", "table", "textbox")

    def layered(extraction):
        return {(unit.part, unit.text) for unit in extraction.units if unit.part in wanted}

    assert layered(ours) == layered(extract_path(docx))
