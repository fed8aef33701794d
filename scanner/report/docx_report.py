"""``docx``: the 上网信息保密审查审批单 (approval sheet), pre-filled from the scan.

The sheet follows the fields of real sheets (domain.md §7): unit, title,
source, carrier, website and column, 是否涉密, the checklist, then the four
review steps (承办人初审 → 处室负责人审核 → 保密部门意见 → 分管领导审批), each
with a signature and a date line.  The tool fills what it knows (title,
file, hash, its own version and hashes, the checklist, the findings table
as a draft first opinion); the user's fields come from :class:`ReportOptions`;
the rest stays blank for people to fill in by hand.

Output bytes are deterministic: the core properties get fixed values and
the zip entries a fixed date, so the same scan gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import Counter
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from scanner.report import sheet
from scanner.report.common import (
    CLASSIFIED_NOTICE,
    VERDICT_LABELS,
    ReportOptions,
    display_title,
    documents_by_path,
    documents_worst_first,
    one_line,
    plain_reason,
    quotes_secrets,
    safe_name,
    secrecy_suggestion,
    suppressed_note,
    suppressed_total,
)
from scanner.types import DocumentResult, ScanResult, Severity, Verdict

SHEET_TITLE = "上网信息保密审查审批单"
BLANK_DATE = "____年__月__日"
_FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_BODY_FONT = "宋体"
_TITLE_FONT = "黑体"
_LABEL_WIDTH = Mm(30)
_VALUE_WIDTH = Mm(55)
_TEXT_LIMIT = 80  # characters of a finding's text on the attachment page; the HTML report has the rest
_TITLE_LIMIT = 90  # characters of the title and file name on the sheet (two lines), so it stays one page
_RED = RGBColor(0xB7, 0x1C, 0x1C)
_GREY = RGBColor(0x55, 0x55, 0x55)
# The four review steps (domain.md §7), each a box to write in with a signature and date line at its foot.
_STEPS = (("承办人初审意见", "承办人", 26), ("处室负责人审核", "处室负责人", 20),
          ("保密部门意见", "保密部门负责人", 20), ("分管领导审批", "分管领导", 20))

# Characters XML 1.0 cannot hold (python-docx refuses them); a draft may contain them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_OPINIONS = {
    Verdict.BLOCK: "工具初筛认为含有不得公开的内容，建议不予发布，或删除、修改后重新送审。",
    Verdict.REVIEW: "工具初筛发现需人工核实的内容，请承办人逐条核实后提出意见。",
    Verdict.PASS: "工具初筛未发现不得公开的内容；请承办人通读全文后提出意见。",
}


def render(result: ScanResult, options: ReportOptions) -> bytes:
    """One document: its sheet; several: an overview sheet, then one sheet per document."""
    document = _new_document()
    if len(result.documents) == 1:
        _add_sheet(document, result.documents[0], result, options)
    else:
        _add_overview(document, result, options, names=None)
        for doc in documents_by_path(result.documents):
            _page_break(document)
            _add_sheet(document, doc, result, options)
    return _save(document, options)


def render_batch(result: ScanResult, options: ReportOptions) -> dict[str, str | bytes]:
    """``index.docx`` (overview) and ``docs/NNNN-name.docx`` (one sheet each)."""
    names = {
        doc.path: f"docs/{number:04d}-{safe_name(doc.path)}.docx"
        for number, doc in enumerate(documents_by_path(result.documents), 1)
    }
    overview = _new_document()
    _add_overview(overview, result, options, names=names)
    files: dict[str, str | bytes] = {"index.docx": _save(overview, options)}
    for number, doc in enumerate(documents_by_path(result.documents), 1):
        sheet = _new_document()
        _add_sheet(sheet, doc, result, options)
        files[f"docs/{number:04d}-{safe_name(doc.path)}.docx"] = _save(sheet, options)
    return files


# ---------------------------------------------------------------- document plumbing


def _new_document() -> DocxDocument:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin, section.bottom_margin = Mm(20), Mm(18)
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.font.name = "Times New Roman"
    _east_asian(normal.element.get_or_add_rPr(), _BODY_FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    return document


def _east_asian(rpr: object, font: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})  # type: ignore[attr-defined]
        rpr.insert(0, fonts)  # type: ignore[attr-defined]
    fonts.set(qn("w:eastAsia"), font)


def _save(document: DocxDocument, options: ReportOptions) -> bytes:
    core = document.core_properties
    core.author = "secscan"
    core.last_modified_by = "secscan"
    core.title = SHEET_TITLE
    core.subject = "上网信息保密审查"
    core.comments = ""
    core.keywords = ""
    core.category = ""
    core.revision = 1
    core.created = _FIXED_TIME
    core.modified = _FIXED_TIME
    core.last_printed = _FIXED_TIME
    raw = io.BytesIO()
    document.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with fixed entry dates, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def _page_break(document: DocxDocument) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _run(paragraph: Paragraph, text: str, *, bold: bool = False, size: float | None = None,
         font: str | None = None, colour: RGBColor | None = None) -> None:
    run = paragraph.add_run(_XML_INVALID.sub("\ufffd", text))
    run.bold = bold
    if size is not None:
        run.font.size = Pt(size)
    if font is not None:
        _east_asian(run._element.get_or_add_rPr(), font)
    if colour is not None:
        run.font.color.rgb = colour


def _write(cell: _Cell, text: str, *, bold: bool = False, size: float | None = None,
           align: WD_ALIGN_PARAGRAPH | None = None) -> Paragraph:
    """Put ``text`` in the cell's first (empty) paragraph."""
    paragraph = cell.paragraphs[0]
    _run(paragraph, text, bold=bold, size=size)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _signature(cell: _Cell, who: str) -> None:
    paragraph = cell.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(paragraph, f"{who}签字：____________    日期：{BLANK_DATE}")


def _box(table: Table, label: str, *, height: float) -> _Cell:
    """A labelled row whose value spans the remaining columns."""
    row = table.add_row()
    if height:
        row.height = Mm(height)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    cells = row.cells
    _write(cells[0], label, bold=True)
    value = cells[1].merge(cells[3])
    return value


def _pair(table: Table, label1: str, value1: str, label2: str, value2: str) -> None:
    cells = table.add_row().cells
    _write(cells[0], label1, bold=True)
    _write(cells[1], value1)
    _write(cells[2], label2, bold=True)
    _write(cells[3], value2)


def _widths(table: Table, widths: Sequence[Length]) -> None:
    # Word reads the cell widths, LibreOffice the grid columns: set both.
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


# ---------------------------------------------------------------- the sheet


def _keep_rows(table: Table, *, together: bool) -> None:
    """No row breaks across pages; with ``together`` each row also keeps with the next (the signature block)."""
    for index, row in enumerate(table.rows):
        properties = row._tr.get_or_add_trPr()
        if properties.find(qn("w:cantSplit")) is None:
            properties.append(properties.makeelement(qn("w:cantSplit"), {}))
        if together and index < len(table.rows) - 1:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def _notice(document: DocxDocument, doc: DocumentResult, options: ReportOptions) -> None:
    if quotes_secrets([doc], options):
        notice = document.add_paragraph()
        notice.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(notice, f"※ {CLASSIFIED_NOTICE}", bold=True, size=9, colour=_RED)


def _add_sheet(document: DocxDocument, doc: DocumentResult, result: ScanResult, options: ReportOptions) -> None:
    """The one-page sheet, then its attachment page (附页) with every finding."""
    listed = sheet.entries(doc, options, text_limit=_TEXT_LIMIT)
    evidence = sheet.positive_evidence(doc, options)
    _notice(document, doc, options)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(heading, SHEET_TITLE, bold=True, size=18, font=_TITLE_FONT)
    note = document.add_paragraph()
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note.paragraph_format.space_after = Pt(4)
    _run(note, "（机器初审意见由工具填写，仅供参考；是否涉密及审查事项由审查人员勾选，逐级签批）", size=9)

    table = document.add_table(rows=0, cols=4)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _pair(table, "报送单位", options.unit, "处室/部门", options.department)
    _write(_box(table, "信息标题", height=0), _clip(display_title(doc), _TITLE_LIMIT))
    files = _box(table, "文件", height=0)
    _write(files, _clip(doc.path, _TITLE_LIMIT), size=9)
    _run(files.add_paragraph(), f"SHA-256：{doc.sha256 or '-'}", size=7)
    _pair(table, "发文字号", options.document_number, "承办人/撰稿人", options.submitter)
    _pair(table, "信息来源", options.source or "☐自有 ☐转载（来源：____）",
          "载体", options.carrier or "☐公文  ☐非公文")
    _pair(table, "拟发布网站", options.site, "栏目", options.column)
    _pair(table, "拟发布日期", options.planned_date or BLANK_DATE, "扫描日期", options.timestamp or BLANK_DATE)

    machine = _box(table, "机器初审意见", height=0)
    _write(machine, sheet.counts_line(doc, listed), size=9)
    for line in sheet.key_findings(listed):
        _run(machine.add_paragraph(), line, size=8)
    more = f"全部{len(listed)}条发现、已检查且未见问题的内容" + (f"及{len(evidence)}条可以发布的佐证" if evidence else "")
    _run(machine.add_paragraph(), f"{more}见附页。{_OPINIONS[doc.verdict]}", size=8)
    _run(machine.add_paragraph(), f"工具：secscan {result.version}；规则库 {result.catalogue_hash or '-'}；"
                                  f"模型 {result.model_hash or '-'}", size=7, colour=_GREY)

    cells = table.add_row().cells
    _write(cells[0], "是否涉密", bold=True)
    _write(cells[1], "☐涉密  ☐不涉密")
    _write(cells[2], "机器初审", size=9)
    _write(cells[3], sheet.secrecy_observation(doc, listed), size=8)
    for item, seen in sheet.checklist_observations(listed).items():
        cells = table.add_row().cells
        _write(cells[0], item, bold=True, size=9)
        _write(cells[1], "☐有  ☐无")
        _write(cells[2], "机器初审", size=9)
        _write(cells[3], seen, size=8)
    _keep_rows(table, together=False)

    signatures = document.add_table(rows=0, cols=4)
    signatures.style = document.styles["Table Grid"]
    signatures.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, who, height in _STEPS:
        box = _box(signatures, label, height=height)
        box.vertical_alignment = WD_ALIGN_VERTICAL.BOTTOM
        _signature(box, who)
    _keep_rows(signatures, together=True)
    for grid in (table, signatures):
        _widths(grid, [_LABEL_WIDTH, _VALUE_WIDTH, _LABEL_WIDTH, _VALUE_WIDTH])

    footer = document.add_paragraph()
    footer.paragraph_format.space_before = Pt(4)
    _run(footer, "注：谁公开、谁审查、谁负责；先审查、后公开，一事一审。内容全文随本单附后；"
                 f"附页：机器初审发现清单（{len(listed)}条）。"
                 + (f"{suppressed_note(doc.suppressed)}（依据审查基线文件）。" if doc.suppressed else ""), size=8)
    _page_break(document)
    _add_attachment(document, doc, listed, evidence, options)


def _add_attachment(document: DocxDocument, doc: DocumentResult, listed: list[sheet.Entry],
                    evidence: list[str], options: ReportOptions) -> None:
    _notice(document, doc, options)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(heading, "附页：机器初审发现清单", bold=True, size=14, font=_TITLE_FONT)
    about = document.add_paragraph()
    about.alignment = WD_ALIGN_PARAGRAPH.CENTER
    about.paragraph_format.space_after = Pt(4)
    _run(about, f"（{SHEET_TITLE}《{_clip(display_title(doc), 40)}》的附页）", size=9)
    numerals = iter("一二三四")
    _section(document, f"{next(numerals)}、发现（{len(listed)}条）")
    if listed:
        table = document.add_table(rows=1, cols=5)
        table.style = document.styles["Table Grid"]
        for header_cell, text in zip(table.rows[0].cells, ("序号", "类别", "内容", "位置", "依据")):
            _write(header_cell, text, bold=True, size=9)
        for entry in listed:
            cells = table.add_row().cells
            _write(cells[0], str(entry.number), size=9)
            _write(cells[1], f"{entry.category}（{entry.severity}）", size=9)
            _write(cells[2], entry.text or "（无文字）", size=9)
            _run(cells[2].add_paragraph(), f"规则 {entry.finding.rule}：{entry.message}", size=8, colour=_GREY)
            _write(cells[3], entry.place, size=9)
            _write(cells[4], entry.basis or "-", size=8)
        _keep_rows(table, together=False)
        _widths(table, [Mm(10), Mm(26), Mm(60), Mm(30), Mm(40)])
    else:
        _run(document.add_paragraph(), "工具初筛未发现新问题。" if doc.suppressed else "工具初筛未发现问题。", size=9)
    if doc.suppressed:  # the approver sees that accepted findings were left out
        _run(document.add_paragraph(), f"{suppressed_note(doc.suppressed)}（依据审查基线文件）。", size=9)
    if doc.errors:
        _section(document, f"{next(numerals)}、无法读取的部分（须人工查看原件）")
        for error in doc.errors:
            _run(document.add_paragraph(), f"· {plain_reason(error)}", size=9, colour=_RED)
    _section(document, f"{next(numerals)}、可以发布的佐证（不计入问题）")
    for line in evidence or ["无"]:
        _run(document.add_paragraph(), f"· {line}", size=9)
    _section(document, f"{next(numerals)}、已检查且未见问题的内容")
    for line in sheet.checked_clean(doc, listed):
        _run(document.add_paragraph(), f"· {line}", size=9)


def _section(document: DocxDocument, title: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.paragraph_format.keep_with_next = True
    _run(paragraph, title, bold=True, size=10.5)


def _clip(text: str, limit: int) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[:limit] + "…"


# ---------------------------------------------------------------- batch overview


def _add_overview(document: DocxDocument, result: ScanResult, options: ReportOptions,
                  names: dict[str, str] | None) -> None:
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(heading, "上网信息保密审查汇总表", bold=True, size=18, font=_TITLE_FONT)
    summary = result.summary
    info = document.add_paragraph()
    info.paragraph_format.space_after = Pt(6)
    _run(info, f"共{summary['documents']}个文档：阻止{summary['block']}，需审查{summary['review']}，"
               f"通过{summary['pass']}。报送单位：{options.unit or '__________'}；"
               f"扫描日期：{options.timestamp or BLANK_DATE}；secscan {result.version}；"
               f"规则库 {result.catalogue_hash or '-'}；模型 {result.model_hash or '-'}"
               + (f"；{suppressed_note(suppressed_total(result))}" if suppressed_total(result) else ""))
    columns = ["序号", "结论", "文件", "标题", "阻止/审查/提示", "机器初审：是否涉密"]
    if names is not None:
        columns.append("审批单")
    table = document.add_table(rows=1, cols=len(columns))
    table.style = document.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, columns):
        _write(cell, text, bold=True, size=9)
    for number, doc in enumerate(documents_worst_first(result.documents), 1):
        counts = Counter(f.severity for f in doc.findings)
        values = [
            str(number),
            VERDICT_LABELS[doc.verdict] + ("（有无法读取部分）" if doc.errors else ""),
            doc.path,
            display_title(doc),
            f"{counts[Severity.BLOCK]}/{counts[Severity.REVIEW]}/{counts[Severity.INFO]}",
            secrecy_suggestion(doc),
        ]
        if names is not None:
            values.append(names[doc.path])
        cells = table.add_row().cells
        for cell, text in zip(cells, values):
            _write(cell, text, size=9)
    widths = [Mm(12), Mm(28), Mm(40), Mm(44), Mm(22), Mm(20)]
    if names is not None:
        widths = [Mm(12), Mm(22), Mm(30), Mm(32), Mm(20), Mm(18), Mm(32)]
    _widths(table, widths)
