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
from scanner.types import Finding, Location, Severity, TextUnit, Verdict
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
        "机器初审意见", "结论：阻止发布（风险评分 0.97）；阻止1处、需审查3处、提示1处；无法读取1处",
        "1. [阻止] 国家秘密标志：机密★1年（第1页 第1段 页眉（word/header1.xml））",
        "发现国家秘密标志（附页第1条），按涉密载体处理，不得上网",
        "附页：机器初审发现清单", "国家秘密标志（阻止）", "机密★1年", "《中华人民共和国保守国家秘密法实施条例》第二十一条",
        "敏感内容（需审查）", "第2页 第4段 删除修订", "无法读取", "image1.emf",
        "建议不予发布", "承办人签字", "处室负责人签字", "保密部门负责人签字", "分管领导签字",
        "扫描日期", "____年__月__日", "本报告摘录了可能涉及国家秘密或工作秘密的内容",
    ):
        assert expected in text, expected
    assert text.count("日期：____年__月__日") == 4


def test_the_machine_never_ticks_a_box():
    for doc in (draft_document(), hostile_document(), public_document()):
        text = _text(RENDERERS["docx"](single_result(doc), SHEET_OPTIONS))
        assert "☑" not in text
        assert "☐涉密  ☐不涉密" in text
        assert text.count("☐有  ☐无") == 5  # 国家秘密 内部敏感事项 商业秘密 个人隐私 隐藏内容及其他


def _attachment_table(data: bytes):  # type: ignore[no-untyped-def]
    document = Document(io.BytesIO(data))
    return next(table for table in document.tables if table.rows[0].cells[0].text == "序号")


def test_attachment_lists_every_finding_numbered():
    doc = draft_document()
    rows = _attachment_table(RENDERERS["docx"](single_result(doc), SHEET_OPTIONS)).rows
    assert [c.text for c in rows[0].cells] == ["序号", "类别", "内容", "位置", "依据"]
    assert len(rows) == 1 + len(doc.findings)
    assert [row.cells[0].text for row in rows[1:]] == [str(n) for n in range(1, len(doc.findings) + 1)]


def test_observations_follow_the_findings():
    hostile = _text(RENDERERS["docx"](single_result(hostile_document()), ReportOptions()))
    assert "发现个人信息1处（附页第1条）" in hostile
    assert "未发现国家秘密标志；其他发现须人工核实" in hostile
    clean = _text(RENDERERS["docx"](single_result(public_document()), ReportOptions(timestamp="2025-01-02")))
    assert "未发现国家秘密标志及须处理的内容" in clean and "工具初筛未发现问题" in clean and "2025-01-02" in clean
    assert "notice.pdf" in clean  # no title: the file name stands in
    assert "全部内容均已读取" in clean and "未发现：国家秘密标志、内部/工作秘密标志" in clean
    assert "本报告摘录了" not in clean  # nothing is quoted


def test_positive_evidence_is_listed_not_counted():
    doc = public_document()
    unit = doc.units[0]
    note = Finding(rule="IM004", category="internal-marking", severity=Severity.INFO, text="（此件公开发布）",
                   context="（此件公开发布）", location=Location(part="body", page=1, paragraph=1, start=0, end=8),
                   message="公开属性标注为主动公开（“此件公开发布”“此件主动公开”），是可以发布的佐证", basis="")
    assert unit.text.startswith(note.text)
    text = _text(RENDERERS["docx"](single_result(dataclasses.replace(doc, findings=(note,))), ReportOptions()))
    assert "阻止0处、需审查0处、提示0处" in text and "发现（0条）" in text
    assert "（此件公开发布）——第1页 第1段 正文：公开属性标注为主动公开" in text
    assert "及1条可以发布的佐证见附页" in text
    assert "二、可以发布的佐证（不计入问题）" in text and "三、已检查且未见问题的内容" in text  # no empty section 二


def test_redacted_sheet_quotes_nothing():
    text = _text(RENDERERS["docx"](single_result(draft_document()), ReportOptions(redact_excerpts=True)))
    assert "机密★1年" not in text and "拟任张三" not in text
    assert "机＊＊＊＊" in text and "本报告摘录了" not in text


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
    assert combined.count("分管领导签字") == 3 and combined.count("附页：机器初审发现清单\n") == 3
    assert all(verdict in combined for verdict in ("阻止发布", "需人工审查", "可以发布"))
    assert result.documents[0].verdict is Verdict.PASS


def _many_findings(count: int):  # type: ignore[no-untyped-def]
    units = tuple(TextUnit(text=f"第{n}条 联系人手机1381234{n:04d}，拟提拔某某同志。", part="body", page=1 + n // 30,
                           paragraph=n) for n in range(count))
    findings = tuple(
        Finding(rule="PI002", category="personal-info", severity=Severity.REVIEW, text=f"1381234{n:04d}",
                context=unit.text, location=Location(part="body", page=unit.page, paragraph=n,
                                                      start=unit.text.index("138"), end=unit.text.index("138") + 11),
                message="手机号码（个人联系方式）", basis="《中华人民共和国政府信息公开条例》第十五条",
                fingerprint=f"fp{n}")
        for n, unit in enumerate(units)
    )
    return dataclasses.replace(draft_document(), findings=findings, units=units, errors=())


def _pdf_pages(tmp_path: Path, data: bytes, name: str) -> list[str]:
    sheet = tmp_path / f"{name}.docx"
    sheet.write_bytes(data)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(sheet)],
        check=True, capture_output=True, timeout=180,
    )
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO((tmp_path / f"{name}.pdf").read_bytes()))
    return ["".join((page.extract_text() or "").split()) for page in reader.pages]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_renders_the_sheet_on_one_page_then_the_attachment(tmp_path: Path):
    pages = _pdf_pages(tmp_path, RENDERERS["docx"](single_result(draft_document()), SHEET_OPTIONS), "draft")
    assert len(pages) == 2, pages
    sheet, attachment = pages
    # the whole sheet on page one: title, machine opinion, the four steps with signature and date lines, the note
    for expected in ("上网信息保密审查审批单", "机器初审意见", "是否涉密", "承办人签字", "处室负责人签字",
                     "保密部门负责人签字", "分管领导签字", "日期", "附页：机器初审发现清单（5条）"):
        assert expected in sheet, expected
    # (pypdf puts the star of 机密★1年 first: its text order follows the font's glyph runs)
    assert attachment.count("附页：机器初审发现清单") == 1 and "CM001" in attachment and "SC202" in attachment
    assert "分管领导" not in attachment


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_long_finding_lists_continue_on_the_attachment_pages(tmp_path: Path):
    doc = _many_findings(80)
    pages = _pdf_pages(tmp_path, RENDERERS["docx"](single_result(doc), SHEET_OPTIONS), "long")
    assert len(pages) >= 3, len(pages)
    assert "分管领导签字" in pages[0] and "附页：机器初审发现清单（80条）" in pages[0]
    assert not any("分管领导签字" in page for page in pages[1:])
    assert "13812340079" in "".join(pages[1:]) and "13812340079" not in pages[0]
