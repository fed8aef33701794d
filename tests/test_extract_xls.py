"""Excel 97-2003 .xls / WPS .et: every sheet and layer, from workbooks written byte by byte and by LibreOffice."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_xlsx, noisy_png
from legacy_builders import XlError, biff8_sheet, compound_file, xls
from libreoffice import convert, needs_libreoffice

from scanner.extract import extract_bytes, extract_path, sniff
from scanner.pipeline import scan_bytes
from scanner.report.common import sheet_cell
from scanner.types import Verdict

MARK = "机密★1年"
ROSTER = {(0, 0): "姓名", (0, 1): "身份证号", (0, 2): "联系电话", (1, 0): "张三", (1, 1): "11010519491231002X",
          (1, 2): 13812345678.0}
PUBLIC = {(0, 0): "项目名称", (0, 1): "金额（万元）", (1, 0): "道路维修", (1, 1): 120.0}


def units(extraction):
    return [(unit.part, unit.source, unit.page, unit.cell, unit.text) for unit in extraction.units]


def test_every_sheet_and_layer_is_read_with_its_cell():
    data = xls(
        {
            "名单": biff8_sheet(ROSTER, header="&C某某局", footer="第&P页", notes={(1, 0): ("李四", "请核对")},
                                hidden_rows=[1], hidden_cols=[2], formulas={(2, 0): "合计"}, textbox="说明文字"),
            "备用": biff8_sheet({(0, 0): "备用表"}),
        },
        states={"备用": 2},
        properties={2: "人员名单", 4: "王五"},
    )
    assert sniff(data, "a.bin") == "xls"
    extraction = extract_bytes(data, "a.xls")
    assert extraction.format == "xls" and extraction.errors == ()
    assert units(extraction) == [
        ("metadata", "属性 title", None, None, "人员名单"), ("metadata", "属性 author", None, None, "王五"),
        ("sheet", "名单", 1, (0, 0), "姓名"), ("sheet", "名单", 1, (0, 1), "身份证号"),
        ("hidden", "名单", 1, (0, 2), "联系电话"),
        ("hidden", "名单", 1, (1, 0), "张三"), ("hidden", "名单", 1, (1, 1), "11010519491231002X"),
        ("hidden", "名单", 1, (1, 2), "13812345678"),
        ("sheet", "名单", 1, (2, 0), "合计"),  # a formula's cached result
        ("comment", "名单", 1, (1, 0), "请核对"), ("metadata", "名单", 1, (1, 0), "李四"),  # the note and its author
        ("header", "名单", 1, None, "某某局"), ("footer", "名单", 1, None, "第 页"),
        ("textbox", "名单 文本框1", 1, None, "说明文字"),
        ("sheet", "备用", 2, (0, 0), "备用表"),
    ]
    kinds = {notice.kind: notice.detail for notice in extraction.notices}
    assert kinds["hidden-sheet"] == "1 个隐藏工作表：备用（深度隐藏）"
    assert {"comment", "hidden-text"} <= set(kinds)
    assert extraction.pages == 2


def test_zero_false_and_error_values_are_read_as_excel_shows_them():
    # a blank is "" to xlrd; 0, FALSE and the error code 0 (#NULL!) are values all the same
    data = xls({"表1": biff8_sheet({(0, 0): 0.0, (0, 1): False, (0, 2): True, (1, 0): XlError(0x07),
                                   (1, 1): XlError(0x00), (1, 2): XlError(0x2A), (2, 0): "合计"})})
    extraction = extract_bytes(data, "a.xls")
    assert extraction.errors == ()
    assert [(unit.cell, unit.text) for unit in extraction.units] == [
        ((0, 0), "0"), ((0, 1), "FALSE"), ((0, 2), "TRUE"),
        ((1, 0), "#DIV/0!"), ((1, 1), "#NULL!"), ((1, 2), "#N/A"), ((2, 0), "合计"),
    ]


def test_an_id_roster_blocks_with_its_sheet_and_cell(settings):
    result = scan_bytes(xls({"名单": biff8_sheet(ROSTER)}), "roster.xls", settings)
    assert result.verdict is Verdict.BLOCK
    ids = [f for f in result.findings if f.rule == "PI001"]
    assert [(f.location.part, f.text, sheet_cell(result, f)) for f in ids] == [
        ("sheet", "11010519491231002X", "名单!B2")
    ]
    assert any(f.rule == "PI002" and sheet_cell(result, f) == "名单!C2" for f in result.findings)


@pytest.mark.parametrize(
    ("layer", "sheet", "states"),
    [
        ("sheet", biff8_sheet({(0, 0): MARK, (1, 0): "关于某事项的通知"}), {}),
        ("header", biff8_sheet(PUBLIC, header=MARK), {}),
        ("sheet", biff8_sheet(PUBLIC), {"备用": 1}),  # the mark is on a hidden sheet
        ("comment", biff8_sheet(PUBLIC, notes={(1, 1): ("张三", MARK)}), {}),
        ("hidden", biff8_sheet({**PUBLIC, (5, 0): MARK}, hidden_rows=[5]), {}),
        ("textbox", biff8_sheet(PUBLIC, textbox=MARK), {}),
        ("sheet", biff8_sheet(PUBLIC, formulas={(3, 3): MARK}), {}),
    ],
    ids=["cell", "header", "hidden-sheet", "comment", "hidden-row", "textbox", "formula"],
)
def test_a_mark_in_each_layer_is_found_in_that_layer(settings, layer, sheet, states):
    sheets = {"表1": sheet}
    if states:
        sheets["备用"] = biff8_sheet({(0, 0): MARK})
    result = scan_bytes(xls(sheets, states=states), "a.xls", settings)
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [f.location.part for f in marks] == [layer]
    assert result.verdict is not Verdict.PASS


def test_the_same_workbook_without_marks_passes(settings):
    # (a comment is a hidden layer, review in any document: none here)
    data = xls({"表1": biff8_sheet(PUBLIC, header="某某局", textbox="单位：万元"),
                "备用": biff8_sheet({(0, 0): "备注"})}, properties={2: "预算表"})
    result = scan_bytes(data, "a.et", settings)
    assert result.errors == ()
    assert result.verdict is Verdict.PASS, result.findings


def test_damaged_and_encrypted_workbooks_are_review_naming_what(settings):
    data = xls({"表1": biff8_sheet({**PUBLIC, (0, 2): MARK})})
    truncated = scan_bytes(data[:2600], "a.xls", settings)
    assert truncated.verdict is Verdict.REVIEW and truncated.errors
    # FILEPASS (0x002F) after the globals' BOF is how Excel marks an encrypted workbook
    stream = xls({"表1": biff8_sheet(PUBLIC)})
    from legacy_builders import biff8_workbook

    book = biff8_workbook({"表1": biff8_sheet(PUBLIC)})
    bof = 4 + struct.unpack_from("<H", book, 2)[0]
    encrypted = compound_file({"Workbook": book[:bof] + struct.pack("<HHH", 0x002F, 2, 0) + book[bof:]})
    assert stream != encrypted
    result = scan_bytes(encrypted, "a.xls", settings)
    assert result.verdict is Verdict.REVIEW
    assert any("加密" in error for error in result.errors)
    no_workbook = compound_file({"Something": b"\x00" * 64})
    assert sniff(no_workbook, "a.xls") == "legacy-office"


def test_a_workbook_inside_a_doc_directory_does_not_make_a_doc_an_xls():
    # only the root's streams decide the kind: a Word file may hold a workbook object deeper down
    from legacy_builders import word97

    assert sniff(word97(["正文"]), "a.xls") == "doc"
    assert sniff(xls({"表1": biff8_sheet(PUBLIC)}), "a.doc") == "xls"


@needs_libreoffice
def test_libreoffice_reads_the_same_cells_in_the_generated_xls(tmp_path):
    path = tmp_path / "gen.xls"
    path.write_bytes(xls({"名单": biff8_sheet(ROSTER)}))
    rows = convert(path, "csv:Text - txt - csv (StarCalc):44,34,76").read_text("utf-8").splitlines()
    cells = [value for row in rows for value in row.split(",") if value]
    assert cells == [unit.text for unit in extract_path(path).units if unit.part == "sheet"]


@needs_libreoffice
def test_an_xls_written_by_libreoffice_reads_like_its_xlsx(tmp_path):
    xlsx = make_xlsx(tmp_path / "full.xlsx", {"名单": [["姓名", "身份证号"], ["张三", "11010519491231002X"]],
                                              "备用": [[MARK]], "深藏": [["内部资料 注意保存"]]},
                     hidden=["备用"], very_hidden=["深藏"], comments={("名单", "B2"): "请核对"}, header="某某局",
                     hidden_rows={"名单": [2]})
    from_xlsx = extract_path(xlsx)
    from_xls = extract_path(convert(xlsx, "xls"))
    assert from_xls.format == "xls" and from_xls.errors == ()
    wanted = ("sheet", "hidden", "comment", "header")

    def layered(extraction):
        return {(unit.part, unit.source, unit.cell, unit.text) for unit in extraction.units if unit.part in wanted}

    assert layered(from_xls) == layered(from_xlsx)
    # LibreOffice has no "very hidden": it saves that sheet as hidden (the byte-built test above has one)
    assert [n.detail for n in from_xls.notices if n.kind == "hidden-sheet"] == ["2 个隐藏工作表：备用（隐藏）、深藏（隐藏）"]


def test_stream_names_in_capitals_and_bare_biff_streams_are_workbooks_too():
    # real files (Apache POI's test data) name the stream "WORKBOOK" or "BOOK", or have no compound file at all
    from legacy_builders import biff8_workbook

    book = biff8_workbook({"名单": biff8_sheet(ROSTER)})
    for data in (compound_file({"WORKBOOK": book}), book):
        assert sniff(data, "a.bin") == "xls"
        extraction = extract_bytes(data, "a.xls")
        assert extraction.errors == ()
        assert "11010519491231002X" in [unit.text for unit in extraction.units]


def test_pictures_go_to_ocr_and_packaged_files_to_the_pipeline(settings):
    from markup_builders import rtf

    png = noisy_png(120, 120, seed=11)  # ~14 KB: the drawing group runs on in CONTINUE records
    extraction = extract_bytes(xls({"表1": biff8_sheet(PUBLIC)}, picture=png), "a.xls")
    assert [(image.name, image.data) for image in extraction.images] == [("Workbook/图片1.png", png)]
    data = xls({"表1": biff8_sheet(PUBLIC)}, packaged=("附件.rtf", rtf([MARK, "关于某事项的通知"])))
    result = scan_bytes(data, "a.xls", settings)
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [(f.location.part, f.location.source.split(" › ")[0]) for f in marks] == [("body", "嵌入对象 附件.rtf")]
    assert result.verdict is Verdict.BLOCK
