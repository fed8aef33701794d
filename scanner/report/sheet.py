"""What the approval sheet (上网信息保密审查审批单) says, apart from its layout.

The machine never ticks a box a person signs for: 是否涉密 and the checklist
are left for the reviewer, and beside each the sheet prints the tool's own
observation (机器初审意见), pointing at the numbered entries of the
attachment page (附页) where every finding is listed.  Findings that speak
*for* publication (此件公开发布) are positive evidence, listed as such and
never counted as 问题.  Pure functions of a :class:`~scanner.types.DocumentResult`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.report.common import (
    CATEGORY_LABELS,
    SEVERITY_LABELS,
    VERDICT_LABELS,
    ReportOptions,
    category_label,
    is_positive_evidence,
    masked,
    one_line,
    ordered_findings,
    part_label,
    place_label,
    redact,
)
from scanner.types import DocumentResult, Finding, Severity, Verdict

# The checklist of real sheets (domain.md §7), and the categories each item covers.
CHECKLIST = ("国家秘密", "内部敏感事项", "商业秘密", "个人隐私", "隐藏内容及其他")
_TRADE_WORDS = ("商业秘密", "标底", "招标", "投标")


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One numbered line of the attachment page."""

    number: int
    finding: Finding
    severity: str  # 阻止 / 需审查 / 提示
    category: str
    text: str  # the matched text, one line, masked under --redact-excerpts
    message: str
    place: str
    basis: str


def checklist_item(finding: Finding) -> str:
    """The checklist line a finding belongs to.

    商业秘密 has no category of its own: a finding whose message or basis
    speaks of trade secrets or tendering (标底, 招标) goes there, which
    《政府信息公开条例》第十五条 withholds as trade secrets.
    """
    if finding.category == "classified-marking":
        return "国家秘密"
    if finding.category == "personal-info":
        return "个人隐私"
    if any(word in finding.message + finding.basis for word in _TRADE_WORDS):
        return "商业秘密"
    if finding.category in ("internal-marking", "sensitive-content"):
        return "内部敏感事项"
    return "隐藏内容及其他"


def entries(doc: DocumentResult, options: ReportOptions, *, text_limit: int = 80) -> list[Entry]:
    """Every finding but positive evidence, in reading order, numbered from 1."""
    listed: list[Entry] = []
    for finding in (f for f in ordered_findings(doc) if not is_positive_evidence(f)):
        text = one_line(finding.text)
        if options.redact_excerpts:
            text = redact(text)
        if len(text) > text_limit:
            text = text[:text_limit] + "…"
        listed.append(Entry(
            number=len(listed) + 1,
            finding=finding,
            severity=SEVERITY_LABELS[finding.severity],
            category=category_label(finding.category),
            text=text,
            message=masked(finding.message, finding, options),
            place=place_label(doc, finding),
            basis=finding.basis,
        ))
    return listed


def positive_evidence(doc: DocumentResult, options: ReportOptions) -> list[str]:
    """Lines for what speaks for publication: ``（此件公开发布）——第1页 第9段 正文：公开属性为主动公开``."""
    lines = []
    for finding in ordered_findings(doc):
        if is_positive_evidence(finding):
            text = redact(one_line(finding.text)) if options.redact_excerpts else one_line(finding.text)
            lines.append(f"{text}——{place_label(doc, finding)}：{finding.message}")
    return lines


def counts_line(doc: DocumentResult, listed: Sequence[Entry]) -> str:
    """``结论：阻止发布（风险评分 0.97）；阻止1处、需审查3处、提示1处；无法读取1处``."""
    counts = Counter(entry.finding.severity for entry in listed)
    line = (f"结论：{VERDICT_LABELS[doc.verdict]}（风险评分 {doc.risk:.2f}）；"
            f"阻止{counts[Severity.BLOCK]}处、需审查{counts[Severity.REVIEW]}处、提示{counts[Severity.INFO]}处")
    if doc.errors:
        line += f"；无法读取{len(doc.errors)}处（须人工查看原件）"
    return line


def key_findings(listed: Sequence[Entry], limit: int = 3, width: int = 28) -> list[str]:
    """The strongest few entries, one short line each, for the sheet itself (the rest are on the 附页)."""
    strongest = sorted(listed, key=lambda e: (-e.finding.severity.rank, e.number))
    chosen = [e for e in strongest if e.finding.severity is not Severity.INFO][:limit]
    lines = []
    for entry in sorted(chosen, key=lambda e: e.number):
        text = entry.text if len(entry.text) <= width else entry.text[:width] + "…"
        lines.append(f"{entry.number}. [{entry.severity}] {entry.category}：{text or '（无文字）'}（{entry.place}）")
    return lines


def _numbers(numbers: Sequence[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:6])
    return f"附页第{shown}{'等' if len(numbers) > 6 else ''}条"


def checklist_observations(listed: Sequence[Entry]) -> dict[str, str]:
    """For each checklist line, what the tool saw (never a tick)."""
    by_item: dict[str, list[Entry]] = {item: [] for item in CHECKLIST}
    for entry in listed:
        by_item[checklist_item(entry.finding)].append(entry)
    observations = {}
    for item, found in by_item.items():
        problems = [e for e in found if e.finding.severity is not Severity.INFO]
        mentions = [e for e in found if e.finding.severity is Severity.INFO]
        if problems:
            labels = "、".join(sorted({e.category for e in problems}))
            text = f"发现{labels}{len(problems)}处（{_numbers([e.number for e in problems])}）"
        elif mentions:
            text = f"未发现须处理的内容；提示{len(mentions)}处（{_numbers([e.number for e in mentions])}）"
        else:
            text = "未发现"
        observations[item] = text
    return observations


def secrecy_observation(doc: DocumentResult, listed: Sequence[Entry]) -> str:
    """是否涉密: what the tool saw; the reviewer ticks the box."""
    marks = [e.number for e in listed
             if e.finding.category == "classified-marking" and e.finding.severity is Severity.BLOCK]
    if marks:
        return f"发现国家秘密标志（{_numbers(marks)}），按涉密载体处理，不得上网"
    if doc.errors:
        return "有部分内容无法读取，不能判定，须人工查看原件"
    if doc.verdict is Verdict.PASS:
        return "未发现国家秘密标志及须处理的内容"
    return "未发现国家秘密标志；其他发现须人工核实"


def checked_clean(doc: DocumentResult, listed: Sequence[Entry]) -> list[str]:
    """What was checked and found clean: the layers read, the parts read, the categories with nothing found."""
    layers = ["正文", *(part_label(layer) for layer in sorted(doc.layers))]
    lines = [f"已检查的图层：{'、'.join(layers)}"]
    if doc.coverage:
        read = sum(1 for entry in doc.coverage if entry.status == "read")
        lines.append(f"已读取文件部件{read}个（共{len(doc.coverage)}个）")
    found = {e.finding.category for e in listed if e.finding.severity is not Severity.INFO}
    clean = [label for category, label in CATEGORY_LABELS.items() if category not in found and category != "unreadable"]
    if clean:
        lines.append(f"未发现：{'、'.join(clean)}")
    if not doc.errors:
        lines.append("全部内容均已读取")
    return lines
