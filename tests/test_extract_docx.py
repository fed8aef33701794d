"""docx extraction: every layer with its location, built from real files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx, units_in

from scanner.extract import extract_bytes, extract_path


def notice_kinds(extraction):
    return sorted(notice.kind for notice in extraction.notices)


def test_mark_as_first_paragraph_is_body_page_1_paragraph_1(tmp_path):
    extraction = extract_path(make_docx(tmp_path / "a.docx", body=["机密★1年", "关于某事的通知", "正文内容"]))
    assert extraction.format == "docx"
    assert extraction.errors == ()
    first = extraction.units[0]
    assert (first.text, first.part, first.page, first.paragraph) == ("机密★1年", "body", 1, 1)
    assert [u.paragraph for u in units_in(extraction, "body")] == [1, 2, 3]
    assert extraction.title == "关于某事的通知"  # the mark line of the head block is not the title


def test_mark_only_in_header_is_a_header_unit(tmp_path):
    extraction = extract_path(make_docx(tmp_path / "a.docx", body=["正文"], header="机密★1年", footer="第1页"))
    header = units_in(extraction, "header")
    assert [u.text for u in header] == ["机密★1年"]
    assert header[0].source.startswith("word/header")
    assert not any("机密" in u.text for u in units_in(extraction, "body"))
    assert [u.text for u in units_in(extraction, "footer")] == ["第1页"]
    assert "header" in extraction.layers and "footer" in extraction.layers


def test_first_page_header_variant_is_read(tmp_path):
    extraction = extract_path(make_docx(tmp_path / "a.docx", body=["正文"], header="页眉", first_page_header="绝密★长期"))
    assert sorted(u.text for u in units_in(extraction, "header")) == ["绝密★长期", "页眉"]


def test_page_breaks_advance_the_page(tmp_path):
    extraction = extract_path(make_docx(tmp_path / "a.docx", body=["一", "二", "三", "四"], page_break_before=[1, 3]))
    pages = {u.text: u.page for u in units_in(extraction, "body")}
    assert pages == {"一": 1, "二": 2, "三": 2, "四": 3}
    assert extraction.pages == 3


def test_tracked_changes_comments_and_hidden_text(tmp_path):
    extraction = extract_path(
        make_docx(
            tmp_path / "a.docx",
            body=["正文第一段"],
            deleted=["张三身份证号"],
            inserted=["新增的一句"],
            hidden=["隐藏的内部意见"],
            comments=["此处数据不宜公开"],
        )
    )
    body_text = " ".join(u.text for u in units_in(extraction, "body"))
    assert "新增的一句" in body_text  # an insertion is visible text
    assert "张三身份证号" not in body_text  # a deletion is not
    assert "隐藏的内部意见" not in body_text
    assert [u.text for u in units_in(extraction, "deleted")] == ["张三身份证号"]
    assert [u.text for u in units_in(extraction, "inserted")] == ["新增的一句"]
    assert [u.text for u in units_in(extraction, "hidden")] == ["隐藏的内部意见"]
    assert [u.text for u in units_in(extraction, "comment")] == ["此处数据不宜公开"]
    assert notice_kinds(extraction) == ["comment", "deleted-revision", "hidden-text"]
    deleted_notice = next(n for n in extraction.notices if n.kind == "deleted-revision")
    assert deleted_notice.part == "deleted"
    assert deleted_notice.text == "张三身份证号"
    assert deleted_notice.detail == "1 处删除修订"


def test_clean_document_has_no_layer_notices(tmp_path):
    extraction = extract_path(make_docx(tmp_path / "a.docx", body=["正文"]))
    assert extraction.notices == ()
    assert not {"deleted", "comment", "hidden"} & set(extraction.layers)


def test_table_cells_have_coordinates_and_continue_paragraphs(tmp_path):
    extraction = extract_path(
        make_docx(tmp_path / "a.docx", body=["表格前"], table=[["密级", "机密★5年"], ["姓名", "李四"]])
    )
    cells = units_in(extraction, "table")
    assert [(u.text, u.cell) for u in cells] == [
        ("密级", (0, 0)), ("机密★5年", (0, 1)), ("姓名", (1, 0)), ("李四", (1, 1)),
    ]
    assert [u.paragraph for u in cells] == [2, 3, 4, 5]


def test_textbox_read_once_despite_fallback(tmp_path):
    extraction = extract_path(make_docx(tmp_path / "a.docx", body=["正文"], textbox="秘密★6个月"))
    assert [u.text for u in units_in(extraction, "textbox")] == ["秘密★6个月"]


def test_properties_custom_xml_footnote_alt_text_and_image(tmp_path):
    extraction = extract_path(
        make_docx(
            tmp_path / "a.docx",
            body=["正文"],
            core_title="内部资料 注意保存",
            properties={"subject": "人事任免", "keywords": "拟任", "author": "王五"},
            custom_xml="密级：机密",
            footnote="脚注里的内部说明",
            image_alt="领导批示扫描件",
        )
    )
    metadata = {u.source: u.text for u in units_in(extraction, "metadata")}
    assert metadata["title"] == "内部资料 注意保存"
    assert metadata["subject"] == "人事任免"
    assert metadata["keywords"] == "拟任"
    assert metadata["creator"] == "王五"
    assert metadata["customXml/item1.xml"] == "密级：机密"
    assert extraction.title == "内部资料 注意保存"
    assert [u.text for u in units_in(extraction, "footnote")] == ["脚注里的内部说明"]
    assert [u.text for u in units_in(extraction, "alt-text")] == ["领导批示扫描件"]
    assert notice_kinds(extraction) == ["custom-xml", "unread-embedded"]
    image = next(n for n in extraction.notices if n.kind == "unread-embedded")
    assert image.source.startswith("word/media/")


def test_corrupt_and_truncated_docx_are_errors(tmp_path):
    data = make_docx(tmp_path / "a.docx", body=["机密★1年"] * 50).read_bytes()
    truncated = extract_bytes(data[: len(data) // 2], "a.docx")
    assert truncated.format == "docx"
    assert truncated.errors and "损坏或被截断" in truncated.errors[0]
    garbage = extract_bytes(b"PK\x03\x04" + bytes(200), "b.docx")
    assert garbage.errors and " / " in garbage.errors[0]


def test_missing_body_part_is_an_error(tmp_path):
    import zipfile

    path = tmp_path / "a.docx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<not-closed")
    extraction = extract_path(path)
    assert extraction.errors and "XML" in extraction.errors[0]


def test_archive_bomb_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b"<a>" + b" " * (5 * 1024 * 1024) + b"</a>")
    extraction = extract_path(path)
    assert extraction.errors == ("压缩炸弹，拒绝解压 / archive bomb suspected",)


@pytest.mark.parametrize("xml_attack", [
    (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
    ),
])
def test_external_entities_are_not_resolved(tmp_path, xml_attack):
    import zipfile

    path = tmp_path / "xxe.docx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("word/document.xml", xml_attack)
    extraction = extract_path(path)
    assert not any("root:" in u.text for u in extraction.units)
