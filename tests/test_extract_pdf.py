"""PDF extraction: pages, layers, failed redactions and unreadable files."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_empty_pdf, make_image_only_pdf, make_pdf  # noqa: E402

from scanner.extract import extract_bytes, extract_path  # noqa: E402


def units(extraction, part):
    return [unit for unit in extraction.units if unit.part == part]


def test_mark_on_page_1_is_page_1_line_1(tmp_path):
    extraction = extract_path(make_pdf(tmp_path / "a.pdf", [["秘密★6个月", "关于某事的通知"], ["第二页正文"]]))
    assert extraction.format == "pdf"
    assert extraction.errors == ()
    body = units(extraction, "body")
    assert [(u.text, u.page, u.paragraph) for u in body] == [
        ("秘密★6个月", 1, 1), ("关于某事的通知", 1, 2), ("第二页正文", 2, 1),
    ]
    assert extraction.pages == 2


def test_words_keep_their_spaces(tmp_path):
    extraction = extract_path(make_pdf(tmp_path / "a.pdf", [["user admin password 123456"]]))
    assert units(extraction, "body")[0].text == "user admin password 123456"


def test_text_under_black_box_is_a_failed_redaction(tmp_path):
    extraction = extract_path(
        make_pdf(tmp_path / "a.pdf", [["公开内容", "身份证号110101199003077777"]],
                 dark_box_over=(1, "身份证号110101199003077777"))
    )
    redactions = [n for n in extraction.notices if n.rule == "RF001"]
    assert len(redactions) == 1
    assert redactions[0].page == 1
    assert redactions[0].text == "身份证号110101199003077777"
    assert "深色方块" in redactions[0].detail
    # The hidden text is still text of the page, so the matchers see it too.
    assert "身份证号110101199003077777" in [u.text for u in units(extraction, "body")]


def test_light_shading_and_white_on_black_are_not_redactions(tmp_path):
    extraction = extract_path(
        make_pdf(tmp_path / "a.pdf", [["表头白字", "浅色底纹的行"]],
                 white_text_on_dark=(1, "表头白字"), light_box_over=(1, "浅色底纹的行"))
    )
    assert [n for n in extraction.notices if n.rule == "RF001"] == []
    assert [u.text for u in units(extraction, "body")] == ["表头白字", "浅色底纹的行"]


def test_annotations_redact_annotation_and_black_highlight(tmp_path):
    extraction = extract_path(
        make_pdf(
            tmp_path / "a.pdf",
            [["第一页"], ["第二页"]],
            annotations=[(1, "Text", "此段需删除"), (1, "FreeText", "内部意见"), (2, "Redact", "")],
        )
    )
    notes = units(extraction, "annotation")
    assert [(u.text, u.page, u.source) for u in notes] == [("此段需删除", 1, "Text"), ("内部意见", 1, "FreeText")]
    rules = sorted(n.rule for n in extraction.notices)
    assert rules == ["HC007", "RF002"]
    redact = next(n for n in extraction.notices if n.rule == "RF002")
    assert redact.page == 2


def test_metadata_outline_and_form(tmp_path):
    extraction = extract_path(
        make_pdf(tmp_path / "a.pdf", [["正文一"], ["正文二"]], title="内部资料", author="张三",
                 outline=["第一章 总则", "第二章 附则"], form_field=("phone", "13812345678"))
    )
    metadata = {u.source: u.text for u in units(extraction, "metadata")}
    assert metadata["Title"] == "内部资料"
    assert metadata["Author"] == "张三"
    assert extraction.title == "内部资料"
    assert [u.text for u in units(extraction, "outline")] == ["第一章 总则", "第二章 附则"]
    assert [(u.text, u.source) for u in units(extraction, "form")] == [("13812345678", "phone")]


def test_embedded_pdf_is_listed_and_read(tmp_path):
    inner = make_pdf(tmp_path / "inner.pdf", [["附件里的机密★1年"]]).read_bytes()
    extraction = extract_path(make_pdf(tmp_path / "a.pdf", [["正文"]], attachment=("附件.pdf", inner)))
    attached = units(extraction, "attachment")
    assert "附件里的机密★1年" in [u.text for u in attached]
    assert all(u.source.startswith("附件.pdf") for u in attached)
    listing = [n for n in extraction.notices if n.rule == "HC009"]
    assert len(listing) == 1 and "附件.pdf" in listing[0].detail


def test_encrypted_pdf_is_an_error_unless_the_user_password_is_empty(tmp_path):
    locked = extract_path(make_pdf(tmp_path / "locked.pdf", [["秘密"]], encrypt="secret"))
    assert locked.errors == ("加密文件，无法读取 / encrypted",)
    assert locked.units == ()
    open_ = extract_path(make_pdf(tmp_path / "open.pdf", [["秘密★6个月"]], encrypt=""))
    assert open_.errors == ()
    assert [u.text for u in units(open_, "body")] == ["秘密★6个月"]


def test_image_only_pdf_names_each_page(tmp_path):
    extraction = extract_path(make_image_only_pdf(tmp_path / "scan.pdf", pages=2))
    assert extraction.errors == (
        "第1页无文字层（扫描图像） / page 1 has no text layer (scanned image)",
        "第2页无文字层（扫描图像） / page 2 has no text layer (scanned image)",
    )


def test_scanned_page_inside_a_text_pdf_is_reported(tmp_path):
    extraction = extract_path(make_pdf(tmp_path / "mixed.pdf", [["第一页文字"], []], images_on=[2]))
    assert extraction.errors == ("第2页无文字层（扫描图像） / page 2 has no text layer (scanned image)",)
    assert [u.text for u in units(extraction, "body")] == ["第一页文字"]


def test_empty_pdf_is_an_error(tmp_path):
    extraction = extract_path(make_empty_pdf(tmp_path / "empty.pdf"))
    assert len(extraction.errors) == 1 and "没有任何文字" in extraction.errors[0]


def test_truncated_pdf_is_an_error(tmp_path):
    data = make_pdf(tmp_path / "a.pdf", [["秘密"]]).read_bytes()
    extraction = extract_bytes(data[:200], "a.pdf")
    assert extraction.errors and " / " in extraction.errors[0]


def test_pdf_named_txt_is_read_as_pdf(tmp_path):
    source = make_pdf(tmp_path / "a.pdf", [["秘密★6个月"]])
    liar = tmp_path / "notes.txt"
    shutil.copy(source, liar)
    extraction = extract_path(liar)
    assert extraction.format == "pdf"
    assert units(extraction, "body")[0].text == "秘密★6个月"


def test_black_highlight_annotation_over_text_is_a_failed_redaction(tmp_path):
    lines = [f"第{i}行" for i in range(7)] + ["被黑色高亮遮住的姓名"]
    black = extract_path(make_pdf(tmp_path / "a.pdf", [lines], annotations=[(1, "BlackHighlight", "")]))
    redactions = [n for n in black.notices if n.rule == "RF001"]
    assert [(n.page, n.text) for n in redactions] == [(1, "被黑色高亮遮住的姓名")]
    yellow = extract_path(make_pdf(tmp_path / "b.pdf", [lines], annotations=[(1, "Highlight", "")]))
    assert [n for n in yellow.notices if n.rule == "RF001"] == []
