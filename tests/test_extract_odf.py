"""OpenDocument .odt/.ods/.odp: content, styles (headers/footers, masters), meta, tracked changes, hidden text."""

from __future__ import annotations

import sys
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx, make_pptx, make_xlsx, placed_texts
from legacy_builders import emf
from libreoffice import convert, needs_libreoffice
from markup_builders import flat_odf, odf_package, odp, ods, odt

from scanner.extract import extract_bytes, extract_path, sniff
from scanner.pipeline import scan_bytes
from scanner.report.common import sheet_cell
from scanner.types import Verdict

BODY = ["关于重点项目安排的通知", "各单位：请按时报送材料。"]
MARK = "机密★1年"


def test_every_layer_of_a_text_document_is_read_with_its_place():
    data = odt(BODY, header="某某市人民政府", footer="第1页", footnote="见附件说明", annotation=("张三", "请核对"),
               deleted=("李四", "删去的一句"), hidden_span="隐藏的字", hidden_section="隐藏的一节", textbox="文本框内容",
               table=[["姓名", "电话"]], meta={"dc:title": "通知标题", "meta:initial-creator": "王五"},
               embedded_text="嵌入对象的文字")
    assert sniff(data, "a.bin") == "odf"
    extraction = extract_bytes(data, "a.odt")
    assert extraction.format == "odt" and extraction.errors == ()
    assert placed_texts(extraction) == [
        ("deleted", "删除修订 李四", "删去的一句"),
        ("body", "", BODY[0]), ("comment", "批注 张三", "请核对"), ("footnote", "脚注", "见附件说明"),
        ("body", "", BODY[1]), ("body", "", "可见的文字"), ("hidden", "正文", "隐藏的字"),
        ("hidden", "隐藏段落", "隐藏的一节"), ("textbox", "文本框", "文本框内容"),
        ("table", "", "姓名"), ("table", "", "电话"),
        ("embedded", "嵌入对象 Object 1", "嵌入对象的文字"),
        ("header", "页眉 Standard", "某某市人民政府"), ("footer", "页脚 Standard", "第1页"),
        ("metadata", "属性 title", "通知标题"), ("metadata", "属性 initial-creator", "王五"),
    ]
    assert {"deleted-revision", "comment", "hidden-text"} <= {notice.kind for notice in extraction.notices}


def test_a_spreadsheet_reads_cells_hidden_sheets_rows_and_columns():
    data = ods({"名单": {(0, 0): "姓名", (0, 1): "身份证号", (1, 0): "张三", (1, 1): "11010519491231002X"},
                "备用": {(0, 0): "备用表"}},
               hidden_sheets=["备用"], hidden_rows={"名单": [1]}, annotations={("名单", 0, 1): "请核对"}, header="某某局")
    extraction = extract_bytes(data, "a.ods")
    assert extraction.format == "ods" and extraction.errors == ()
    assert [(u.part, u.source, u.page, u.cell, u.text) for u in extraction.units if u.part != "header"] == [
        ("sheet", "名单", 1, (0, 0), "姓名"), ("comment", "名单", 1, (0, 1), "请核对"),
        ("sheet", "名单", 1, (0, 1), "身份证号"),
        ("hidden", "名单", 1, (1, 0), "张三"), ("hidden", "名单", 1, (1, 1), "11010519491231002X"),
        ("sheet", "备用", 2, (0, 0), "备用表"),
    ]
    assert [n.detail for n in extraction.notices if n.kind == "hidden-sheet"] == ["1 个隐藏工作表：备用"]


def test_an_id_roster_in_a_spreadsheet_blocks_with_its_cell(settings):
    data = ods({"名单": {(0, 0): "姓名", (0, 1): "身份证号", (1, 0): "张三", (1, 1): "11010519491231002X"}})
    result = scan_bytes(data, "roster.ods", settings)
    assert result.verdict is Verdict.BLOCK
    assert [sheet_cell(result, f) for f in result.findings if f.rule == "PI001"] == ["名单!B2"]


def test_a_presentation_reads_slides_notes_masters_and_hidden_slides():
    extraction = extract_bytes(odp([["汇报", "一、进展"], ["二、安排"]], notes={1: "讲稿"}, hidden=[2], master="某某局"),
                               "a.odp")
    assert extraction.format == "odp" and extraction.errors == ()
    assert [(u.part, u.page, u.text) for u in extraction.units] == [
        ("slide", 1, "汇报"), ("slide", 1, "一、进展"), ("notes", 1, "讲稿"), ("slide", 2, "二、安排"),
        ("master", None, "某某局"),
    ]
    assert [n.detail for n in extraction.notices if n.kind == "hidden-slide"] == ["1 张隐藏幻灯片：第2张"]


@pytest.mark.parametrize(
    ("layer", "kwargs", "docx_kwargs"),
    [
        ("body", {"body": [MARK, *BODY]}, {"body": [MARK, *BODY]}),
        ("header", {"header": MARK}, {"header": MARK}),
        ("footnote", {"footnote": MARK}, {"footnote": MARK}),
        ("comment", {"annotation": ("张三", MARK)}, {"comments": [MARK]}),
        ("deleted", {"deleted": ("张三", MARK)}, {"deleted": [MARK]}),
        ("hidden", {"hidden_section": MARK}, {"hidden": [MARK]}),
        ("textbox", {"textbox": MARK}, {"textbox": MARK}),
        ("metadata", {"meta": {"dc:subject": MARK}}, {"properties": {"subject": MARK}}),
    ],
)
def test_a_mark_in_each_layer_is_found_in_that_layer_as_in_docx(settings, tmp_path, layer, kwargs, docx_kwargs):
    result = scan_bytes(odt(**{"body": BODY, **kwargs}), "a.odt", settings)
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [f.location.part for f in marks] == [layer]
    expected = scan_bytes(make_docx(tmp_path / "a.docx", **{"body": BODY, **docx_kwargs}).read_bytes(), "a.docx",
                          settings)
    assert [f.severity for f in marks] == [f.severity for f in expected.findings if f.rule == "CM001"]
    assert result.verdict is expected.verdict is not Verdict.PASS


def test_marks_in_an_embedded_object_a_hidden_sheet_and_a_note_are_found(settings):
    inside = scan_bytes(odt(BODY, embedded_text=MARK), "a.odt", settings)
    assert [f.location.part for f in inside.findings if f.rule == "CM001"] == ["embedded"]
    hidden = scan_bytes(ods({"表1": {(0, 0): "项目"}, "备用": {(0, 0): MARK}}, hidden_sheets=["备用"]), "a.ods", settings)
    assert hidden.verdict is not Verdict.PASS
    assert [sheet_cell(hidden, f) for f in hidden.findings if f.rule == "CM001"] == ["备用!A1"]
    notes = scan_bytes(odp([["汇报"]], notes={1: MARK}), "a.odp", settings)
    assert [f.location.part for f in notes.findings if f.rule == "CM001"] == ["notes"]


def test_the_same_documents_without_marks_pass(settings):
    for data, name in (
        (odt(BODY, header="某某市人民政府", footer="第1页", footnote="见附件说明", table=[["项目", "金额"]],
             meta={"dc:title": "通知"}), "a.odt"),
        (ods({"表1": {(0, 0): "项目", (0, 1): "金额", (1, 0): "道路维修", (1, 1): "120"}}, header="某某局"), "a.ods"),
        (odp([["年度工作汇报", "一、进展"]], master="某某局"), "a.odp"),
    ):
        result = scan_bytes(data, name, settings)
        assert result.errors == ()
        assert result.verdict is Verdict.PASS, (name, result.findings)


def test_damaged_and_encrypted_documents_are_review_naming_what(settings):
    data = odt([MARK, *BODY])
    truncated = scan_bytes(data[: len(data) // 2], "a.odt", settings)
    assert truncated.verdict is Verdict.REVIEW and truncated.errors
    broken = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info, body[:200] if info.filename == "content.xml" else body)
    result = scan_bytes(broken.getvalue(), "a.odt", settings)
    assert result.verdict is Verdict.REVIEW and any("content.xml" in error for error in result.errors)
    encrypted = scan_bytes(odf_package("text", "<text:p>x</text:p>", encrypted=True), "a.odt", settings)
    assert encrypted.verdict is Verdict.REVIEW and any("加密" in error for error in encrypted.errors)


@needs_libreoffice
def test_libreoffice_reads_the_same_words_in_the_generated_odt(tmp_path):
    path = tmp_path / "gen.odt"
    path.write_bytes(odt(BODY, table=[["姓名", "电话"]]))
    lines = [line.strip("\ufeff").strip() for line in
             convert(path, "txt:Text (encoded):UTF8").read_text("utf-8").splitlines() if line.strip()]
    assert lines == [unit.text for unit in extract_path(path).units if unit.part in ("body", "table")]


@needs_libreoffice
@pytest.mark.parametrize("kind", ["odt", "ods", "odp"])
def test_a_document_written_by_libreoffice_reads_like_its_ooxml(tmp_path, kind):
    if kind == "odt":
        source = make_docx(tmp_path / "a.docx", BODY, header=MARK, footer="第一页页脚", comments=["发布前删除此段"],
                           deleted=["删除的内部资料 注意保存"], hidden=["隐藏的文字内容"], table=[["姓名", "李四"]],
                           textbox="文本框里的内容")
        wanted: tuple[str, ...] = ("body", "header", "footer", "comment", "deleted", "hidden", "table", "textbox")
    elif kind == "ods":
        source = make_xlsx(tmp_path / "a.xlsx", {"名单": [["姓名", "身份证号"], ["张三", "11010519491231002X"]],
                                                 "备用": [[MARK]]}, hidden=["备用"], comments={("名单", "B2"): "请核对"},
                           hidden_rows={"名单": [2]})
        wanted = ("sheet", "hidden", "comment")
    else:
        source = make_pptx(tmp_path / "a.pptx", [[MARK, "关于某事项的汇报"], ["第二张"]], notes={1: "备注内容"},
                           hidden=[2])
        wanted = ("slide", "notes")
    ours = extract_path(convert(source, kind))
    assert ours.format == kind and ours.errors == ()

    def layered(extraction):
        return {(unit.part, unit.cell, unit.text.strip()) for unit in extraction.units if unit.part in wanted}

    assert layered(ours) == layered(extract_path(source))


# -- flat OpenDocument (.fodt/.fods/.fodp: one XML file) ---------------------------------------------------------


@pytest.fixture
def png_picture() -> bytes:
    """A photo-like PNG (noise, so it is more than a few bytes): OCR takes it."""
    import random

    from PIL import Image

    image = Image.new("L", (120, 40))
    rng = random.Random(7)
    image.putdata([rng.randrange(256) for _ in range(120 * 40)])
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def emf_picture() -> bytes:
    return emf(MARK)


FLAT_KINDS = {
    "fodt": lambda: odt(BODY, header="某某市人民政府", footer="第1页", footnote="见附件说明", annotation=("张三", "请核对"),
                        deleted=("李四", "删去的一句"), hidden_span="隐藏的字", hidden_section="隐藏的一节",
                        textbox="文本框内容", table=[["姓名", "电话"]], meta={"dc:title": "通知标题"},
                        embedded_text="嵌入对象的文字"),
    "fods": lambda: ods({"表1": {(0, 0): "姓名", (1, 0): "张三"}, "备用": {(0, 0): "备注"}}, hidden_sheets=["备用"]),
    "fodp": lambda: odp([["标题", "正文"], ["第二页"]], notes={1: "备注文字"}, hidden=[2]),
}


@pytest.mark.parametrize("kind", sorted(FLAT_KINDS))
def test_a_flat_file_is_sniffed_by_content_and_reads_every_layer_as_its_package(kind):
    package = FLAT_KINDS[kind]()
    flat = flat_odf(package)
    assert sniff(flat, "a.xml") == sniff(flat, "") == "odf"  # the root decides, not the name
    read, expected = extract_bytes(flat, f"a.{kind}"), extract_bytes(package, f"a.{kind[0]}{kind[2:]}")
    assert read.format == expected.format and read.errors == ()
    # the same layers and texts; only an embedded object's name differs (it is inline, not "Object 1")
    assert [(u.part, u.page, u.cell, u.text) for u in read.units] == [
        (u.part, u.page, u.cell, u.text) for u in expected.units]
    assert sorted(n.kind for n in read.notices) == sorted(n.kind for n in expected.notices)
    assert {c.name for c in read.coverage} >= {"office:body", "office:master-styles", "office:meta"}


def test_hidden_text_and_a_deletion_of_a_flat_file_are_their_layers_not_body_text(settings):
    flat = flat_odf(odt(BODY, hidden_span=MARK, deleted=("李四", "秘密★6个月")))
    result = scan_bytes(flat, "draft.fodt", settings)
    marks = sorted((f.location.part, f.text) for f in result.findings if f.rule == "CM001")
    assert marks == [("deleted", "秘密★6个月"), ("hidden", MARK)]
    assert result.verdict is not Verdict.PASS


def test_a_flat_file_hands_its_raster_picture_to_ocr_and_names_a_vector_one(emf_picture, png_picture):
    flat = flat_odf(odt(BODY, picture=png_picture))
    assert [image.name for image in extract_bytes(flat, "a.fodt").images] == ["图片1"]
    vector = extract_bytes(flat_odf(odt(BODY, picture=emf_picture)), "a.fodt")
    assert vector.images == ()
    assert [(c.name, c.status) for c in vector.coverage if c.kind == "image"] == [("图片1", "unread")]
    assert any(n.kind == "unread-part" and "EMF" in n.detail for n in vector.notices)


def test_damaged_flat_files_are_review_naming_why(settings):
    flat = flat_odf(odt(BODY))
    cut = scan_bytes(flat[: len(flat) // 2], "a.fodt", settings)
    assert cut.verdict is Verdict.REVIEW and any("不是有效的 XML" in e for e in cut.errors)
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + flat.split(b"?>", 1)[1]
    assert scan_bytes(dtd, "a.fodt", settings).verdict is Verdict.REVIEW
