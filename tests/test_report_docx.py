"""The DOCX approval sheet (上网信息保密审查审批单).

The golden file is the sheet's word/document.xml, pretty-printed, so a diff
is readable; the bytes themselves are checked for determinism.  Regenerate
golden files with ``UPDATE_GOLDEN=1 python -m pytest tests/test_report_*.py``
and review the diff.  The optional LibreOffice test converts the sheet to
PDF (skipped when ``soffice`` is missing).
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from scanner.report import RENDERERS, ReportOptions, render_batch
from scanner.types import Verdict
from tests.report_fixture import (
    batch_result,
    check_golden,
    draft_document,
    hostile_document,
    public_document,
    single_result,
)

SHEET_OPTIONS = ReportOptions(unit="某市人民政府办公室", department="综合处", site="某市人民政府门户网站",
                              column="通知公告", submitter="李四", planned_date="2025年1月10日")


def _document_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def _text(data: bytes) -> str:
    """All paragraph text of the sheet, nested tables included."""
    document = Document(io.BytesIO(data))
    return "\n".join(node.text or "" for node in document.element.body.iter() if node.tag.endswith("}t"))


def test_docx_golden_document_xml():
    check_golden("sheet-draft.document.xml", _document_xml(RENDERERS["docx"](single_result(draft_document()), SHEET_OPTIONS)))


def test_docx_bytes_are_deterministic():
    first = RENDERERS["docx"](single_result(draft_document()), SHEET_OPTIONS)
    second = RENDERERS["docx"](single_result(draft_document()), SHEET_OPTIONS)
    assert isinstance(first, bytes) and first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core


def test_sheet_is_prefilled_from_the_scan_and_options():
    text = _text(RENDERERS["docx"](single_result(draft_document()), SHEET_OPTIONS))
    for expected in (
        "上网信息保密审查审批单", "某市人民政府办公室", "综合处", "某市人民政府门户网站", "通知公告", "李四",
        "2025年1月10日", "关于2024年度专项工作的通知", "drafts/draft.docx", "a" * 64,
        "secscan 0.1.0", "cat0123456789abcdef", "mod0123456789abcdef",
        "☑涉密", "（工具建议：涉密）", "☑国家秘密", "☑内部敏感事项", "☐商业秘密", "☐个人隐私",
        "国家秘密标志（阻止）", "机密★1年", "第1页 第1段 页眉", "《中华人民共和国保守国家秘密法实施条例》第二十一条",
        "敏感内容（需审查）", "第2页 第4段 删除修订", "无法读取", "image1.emf",
        "建议不予发布", "承办人签字", "处室负责人签字", "保密部门负责人签字", "分管领导签字",
        "扫描日期", "____年__月__日",
    ):
        assert expected in text, expected
    assert text.count("日期：____年__月__日") == 4


def test_findings_table_has_a_row_per_finding():
    doc = draft_document()
    document = Document(io.BytesIO(RENDERERS["docx"](single_result(doc), SHEET_OPTIONS)))
    # Merged cells repeat in _cells: keep each nested table once.
    nested = list({t._tbl: t for cell in document.tables[0]._cells for t in cell.tables}.values())
    assert len(nested) == 1
    rows = nested[0].rows
    assert [c.text for c in rows[0].cells] == ["类别", "内容", "位置", "依据"]
    assert len(rows) == 1 + len(doc.findings)


def test_checklist_and_secrecy_follow_the_findings():
    hostile = _text(RENDERERS["docx"](single_result(hostile_document()), ReportOptions()))
    assert "☐涉密" in hostile and "（工具建议：待审）" in hostile
    assert "☑个人隐私" in hostile and "☐国家秘密" in hostile
    clean = _text(RENDERERS["docx"](single_result(public_document()), ReportOptions(timestamp="2025-01-02")))
    assert "（工具建议：建议不涉密）" in clean and "工具初筛未发现问题" in clean and "2025-01-02" in clean
    assert "notice.pdf" in clean  # no title: the file name stands in


def test_control_characters_do_not_break_the_sheet():
    doc = dataclasses.replace(draft_document(), title="标题\x00\x1b[31m", errors=("坏\x0b",))
    text = _text(RENDERERS["docx"](single_result(doc), ReportOptions()))
    assert "标题\ufffd\ufffd[31m" in text


def test_batch_sheets():
    result = batch_result()
    files = render_batch(result, "docx", ReportOptions())
    assert sorted(files) == ["docs/0001-draft.docx.docx", "docs/0002-img_src_x_onerror_alert_1__.txt.docx",
                             "docs/0003-notice.pdf.docx", "index.docx"]
    overview = _text(files["index.docx"])
    assert "上网信息保密审查汇总表" in overview and "共3个文档：阻止1，需审查1，通过1" in overview
    assert overview.index("drafts/draft.docx") < overview.index("inbox/") < overview.index("public/notice.pdf")
    assert "docs/0003-notice.pdf.docx" in overview
    combined = _text(RENDERERS["docx"](result, ReportOptions()))
    assert combined.count("上网信息保密审查审批单") == 3
    assert all(verdict in combined for verdict in ("阻止发布", "需人工审查", "可以发布"))
    assert result.documents[0].verdict is Verdict.PASS


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_renders_the_sheet_on_one_page(tmp_path: Path):
    sheet = tmp_path / "sheet.docx"
    sheet.write_bytes(RENDERERS["docx"](single_result(draft_document()), SHEET_OPTIONS))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(sheet)],
        check=True, capture_output=True, timeout=180,
    )
    pdf = (tmp_path / "sheet.pdf").read_bytes()
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "审批单" in text and "分管领导" in text
