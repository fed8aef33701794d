"""``text``: the terminal report, in Chinese.

Colour (ANSI) only when :attr:`ReportOptions.color` is set; without it the
match is marked with 【】 so it still stands out in a log file or a pipe.
Control characters from the document are made visible, so a draft cannot
move the cursor or recolour the reviewer's terminal.
"""

from __future__ import annotations

import unicodedata

from scanner.report.common import (
    SEVERITY_LABELS,
    VERDICT_LABELS,
    ReportOptions,
    category_label,
    context_parts,
    display_title,
    documents_by_path,
    location_label,
    ordered_findings,
    part_label,
)
from scanner.types import DocumentResult, Finding, ScanResult, Severity, Verdict

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_RED = "\x1b[31m"
_YELLOW = "\x1b[33m"
_GREEN = "\x1b[32m"
_CYAN = "\x1b[36m"
_DIM = "\x1b[2m"

_VERDICT_COLOURS = {Verdict.BLOCK: _BOLD + _RED, Verdict.REVIEW: _BOLD + _YELLOW, Verdict.PASS: _BOLD + _GREEN}
_SEVERITY_COLOURS = {Severity.BLOCK: _RED, Severity.REVIEW: _YELLOW, Severity.INFO: _CYAN}


def render(result: ScanResult, options: ReportOptions) -> str:
    paint = _Painter(options.color)
    blocks = [_document(doc, options, paint) for doc in documents_by_path(result.documents)]
    summary = result.summary
    blocks.append(
        f"共{summary['documents']}个文档：阻止{summary['block']}，需审查{summary['review']}，通过{summary['pass']}\n"
        + paint(_DIM, _footer(result, options))
        + "\n"
    )
    return "\n".join(blocks)


def _footer(result: ScanResult, options: ReportOptions) -> str:
    pieces = [f"secscan {result.version}", f"规则库 {result.catalogue_hash or '-'}", f"模型 {result.model_hash or '-'}"]
    if options.timestamp is not None:
        pieces.append(f"扫描时间 {options.timestamp}")
    return "  ".join(pieces)


def _document(doc: DocumentResult, options: ReportOptions, paint: _Painter) -> str:
    lines = [
        paint(_VERDICT_COLOURS[doc.verdict], f"{VERDICT_LABELS[doc.verdict]}  {_visible(doc.path)}")
        + f"  （风险 {doc.risk:.2f}）",
        f"  标题：{_visible(display_title(doc))}  格式：{doc.format}  SHA-256：{doc.sha256 or '-'}",
    ]
    if doc.referrer:
        lines.append(f"  来源页面：{_visible(doc.referrer)}")
    if doc.layers:
        lines.append("  已检查的隐藏图层：" + "、".join(part_label(layer) for layer in sorted(doc.layers)))
    for error in doc.errors:
        lines.append(paint(_BOLD + _RED, f"  ！无法读取：{_visible(error)}"))
    findings = ordered_findings(doc)
    if not findings:
        lines.append("  未发现问题。")
    for number, finding in enumerate(findings, 1):
        lines.extend(_finding(number, doc, finding, options, paint))
    return "\n".join(lines) + "\n"


def _finding(
    number: int, doc: DocumentResult, finding: Finding, options: ReportOptions, paint: _Painter
) -> list[str]:
    severity = paint(_SEVERITY_COLOURS[finding.severity], f"[{SEVERITY_LABELS[finding.severity]}]")
    before, match, after = context_parts(doc, finding, options.context_chars)
    if match:
        marked = paint(_BOLD + _RED, _visible(match)) if options.color else f"【{_visible(match)}】"
        context = f"{_visible(before)}{marked}{_visible(after)}"
    else:
        context = _visible(before) or "（无文字）"
    lines = [
        f"  {number}. {severity} {category_label(finding.category)} · {location_label(finding.location)}",
        f"     {context}",
        f"     规则 {finding.rule}：{_visible(finding.message)}",
    ]
    if finding.basis:
        lines.append(f"     依据：{finding.basis}")
    if finding.evidence:
        lines.append("     证据：" + "；".join(_visible(item) for item in finding.evidence))
    return lines


def _visible(text: str) -> str:
    """Replace control characters (ESC, BEL, CR ...) and bidi overrides by visible escapes."""
    return "".join(f"\\u{ord(ch):04x}" if _hidden_char(ch) else ch for ch in text)


def _hidden_char(ch: str) -> bool:
    # Bidi controls can reorder what the reviewer reads (the "Trojan Source" trick).
    return unicodedata.category(ch) == "Cc" or "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069"


class _Painter:
    """Wraps text in an ANSI colour, or leaves it alone when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled

    def __call__(self, colour: str, text: str) -> str:
        return f"{colour}{text}{_RESET}" if self._enabled else text
