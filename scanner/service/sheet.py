"""The filled 上网信息保密审查审批单: the report renderer's sheet with the workflow's names, opinions and dates.

The sheet itself is :mod:`scanner.report.docx_report`'s (one renderer for the
CLI and the service).  The service then writes what happened into it: in
each step's box (found by the words of its label, e.g. 处室 + 审核) the signed opinion
and outcome, and the blank ``签字：____ 日期：____`` line becomes the signer's
name and date.  A last page, 审查签批记录, lists every signature (returns
included) and every finding's decision with its reason, so nothing depends
on finding a box: a sheet layout without one of the labels still carries
the whole record.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.text import WD_BREAK

from scanner.report import RENDERERS, ReportOptions
from scanner.report.common import location_label, one_line
from scanner.service.db import BEIJING, Decision, Item, Signature, User
from scanner.service.workflow import DECISION_LABELS, OUTCOME_LABELS, ROLES, STEP_BY_STATUS
from scanner.types import ScanResult


def chinese_date(moment: object) -> str:
    local = moment.astimezone(BEIJING)  # type: ignore[attr-defined]
    return f"{local.year}年{local.month}月{local.day}日"


def chinese_time(moment: object) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")  # type: ignore[attr-defined]


def sheet_options(item: Item, unit_name: str, submitter: str) -> ReportOptions:
    fields = item.fields or {}
    return ReportOptions(
        unit=unit_name, department=fields.get("department", ""), submitter=submitter,
        site=fields.get("site", ""), column=fields.get("column", ""), planned_date=fields.get("planned_date", ""),
        source=fields.get("source", ""), carrier=fields.get("carrier", ""),
        document_number=fields.get("document_number", ""), timestamp=chinese_date(item.created_at),
    )


def render_sheet(result: ScanResult, item: Item, *, unit_name: str, submitter: str,
                 signatures: Sequence[Signature], decisions: Sequence[tuple[Decision, User | None]]) -> bytes:
    """The approval sheet for ``item`` with every signature written in."""
    blank = RENDERERS["docx"](result, sheet_options(item, unit_name, submitter))
    document = Document(io.BytesIO(blank))  # type: ignore[arg-type]
    latest: dict[str, Signature] = {}
    for signature in signatures:  # a step signed again after a return: the last signature is on the sheet
        latest[signature.step] = signature
    for status, signature in latest.items():
        if status in BOX_WORDS:
            _fill_box(document, BOX_WORDS[status], signature)
    _record_page(document, result, signatures, decisions)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# The words that name each step's box on the sheet (承办人初审意见, 处室负责人审核, 保密部门意见,
# 分管领导审批): matched as words, not as the exact label, so a reworded box is still found.
BOX_WORDS = {
    "first": ("承办人", "初审"),
    "section": ("处室", "审核"),
    "secrecy": ("保密部门",),
    "leader": ("分管领导",),
}


def _fill_box(document: object, words: tuple[str, ...], signature: Signature) -> bool:
    for table in document.tables:  # type: ignore[attr-defined]
        for row in table.rows:
            cells = row.cells
            label = "".join(cells[0].text.split()) if len(cells) >= 2 else ""
            if not label or len(label) > 20 or not all(word in label for word in words):
                continue
            value = cells[-1]
            line = next((p for p in value.paragraphs if "签字" in p.text), None)
            opinion = f"{signature.opinion}（{OUTCOME_LABELS.get(signature.outcome, signature.outcome)}）"
            who = f"{ROLES.get(signature.role, signature.role)}签字：{signature.name}    日期：{chinese_date(signature.signed_at)}"
            if line is None:
                value.add_paragraph(opinion)
                value.add_paragraph(who)
            else:
                line.insert_paragraph_before(opinion)
                for run in line.runs[1:]:
                    run.text = ""
                if line.runs:
                    line.runs[0].text = who
                else:
                    line.add_run(who)
            return True
    return False


def _record_page(document: object, result: ScanResult, signatures: Sequence[Signature],
                 decisions: Sequence[tuple[Decision, User | None]]) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)  # type: ignore[attr-defined]
    document.add_heading("审查签批记录", level=1)  # type: ignore[attr-defined]
    table = document.add_table(rows=1, cols=5)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("环节", "签署人", "意见", "结果", "时间（北京时间）")):
        cell.text = text
    for signature in signatures:
        step = STEP_BY_STATUS.get(signature.step)
        cells = table.add_row().cells
        cells[0].text = step.label if step else signature.step
        cells[1].text = f"{signature.name}（{ROLES.get(signature.role, signature.role)}）"
        cells[2].text = signature.opinion
        cells[3].text = OUTCOME_LABELS.get(signature.outcome, signature.outcome)
        cells[4].text = chinese_time(signature.signed_at)
    document.add_paragraph()  # type: ignore[attr-defined]
    document.add_heading("发现核实情况", level=2)  # type: ignore[attr-defined]
    by_fingerprint = {d.fingerprint: (d, u) for d, u in decisions}
    findings = result.documents[0].findings if result.documents else ()
    table = document.add_table(rows=1, cols=5)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("规则", "内容", "位置", "核实结果", "理由 / 核实人")):
        cell.text = text
    for finding in findings:
        decision, user = by_fingerprint.get(finding.fingerprint, (None, None))
        cells = table.add_row().cells
        cells[0].text = finding.rule
        cells[1].text = one_line(finding.text)[:80]
        cells[2].text = location_label(finding.location, with_source=False)
        cells[3].text = DECISION_LABELS.get(decision.decision, "") if decision else "未核实"
        if decision:
            who = user.display_name if user else ""
            cells[4].text = f"{decision.reason}（{who}，{chinese_time(decision.decided_at)}）"
