"""``text``: the terminal report, in Chinese.

Colour (ANSI) only when :attr:`ReportOptions.color` is set; without it the
match is marked with 【】 so it still stands out in a log file or a pipe.
Control characters from the document are made visible, so a draft cannot
move the cursor or recolour the reviewer's terminal.  ``quiet`` prints the
summary alone; ``verbose`` adds, for each finding, the matched term or
pattern, every piece of evidence on its own line and its fingerprint.
"""

from __future__ import annotations

from collections import Counter

from scanner.report.common import (
    CLASSIFIED_NOTICE,
    SEVERITY_LABELS,
    VERDICT_LABELS,
    ReportOptions,
    category_label,
    context_parts,
    display_path,
    display_title,
    documents_by_path,
    location_label,
    masked,
    ordered_findings,
    part_label,
    place_label,
    plain_reason,
    quotes_secrets,
    redact,
    suppressed_note,
    suppressed_total,
    terminal_safe,
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
    documents = documents_by_path(result.documents)
    blocks = [] if options.quiet else [_document(doc, options, paint) for doc in documents]
    if not options.quiet and quotes_secrets(documents, options):
        blocks.insert(0, paint(_BOLD + _RED, f"※ {CLASSIFIED_NOTICE}") + "\n")
    blocks.append(_summary(result, options) + paint(_DIM, _footer(result, options)) + "\n")
    return "\n".join(blocks)


def _summary(result: ScanResult, options: ReportOptions) -> str:
    summary = result.summary
    lines = [f"共{summary['documents']}个文档：阻止{summary['block']}，需审查{summary['review']}，通过{summary['pass']}"]
    categories = Counter(finding.category for doc in result.documents for finding in doc.findings
                         if finding.severity is not Severity.INFO)
    if categories:
        lines.append("发现类别：" + "，".join(
            f"{category_label(name)} {count}" for name, count in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))
        ))
    suppressed = suppressed_total(result)
    if suppressed:
        lines.append(f"基线：{suppressed_note(suppressed)}")
    lines.extend(_visible(note) for note in options.notes)
    return "\n".join(lines) + "\n"


def _footer(result: ScanResult, options: ReportOptions) -> str:
    pieces = [f"secscan {result.version}", f"规则库 {result.catalogue_hash or '-'}", f"模型 {result.model_hash or '-'}"]
    if options.timestamp is not None:
        pieces.append(f"扫描时间 {options.timestamp}")
    return "  ".join(pieces)


def _document(doc: DocumentResult, options: ReportOptions, paint: _Painter) -> str:
    lines = [
        paint(_VERDICT_COLOURS[doc.verdict], f"{VERDICT_LABELS[doc.verdict]}  {_visible(display_path(doc.path))}")
        + f"  （风险 {doc.risk:.2f}）",
        f"  标题：{_visible(display_title(doc))}  格式：{doc.format}  SHA-256：{doc.sha256 or '-'}",
    ]
    if doc.referrer:
        lines.append(f"  来源页面：{_visible(display_path(doc.referrer))}")
    if doc.layers:
        lines.append("  已检查的隐藏图层：" + "、".join(part_label(layer) for layer in sorted(doc.layers)))
    for error in doc.errors:
        lines.append(paint(_BOLD + _RED, f"  ！无法读取：{_visible(plain_reason(error))}"))
    findings = ordered_findings(doc)
    if not findings:
        lines.append("  未发现新问题。" if doc.suppressed else "  未发现问题。")
    if doc.suppressed:
        lines.append(f"  {suppressed_note(doc.suppressed)}。")
    for number, finding in enumerate(findings, 1):
        lines.extend(_finding(number, doc, finding, options, paint))
    if options.verbose and options.dropped.get(doc.path):
        dropped = options.dropped[doc.path]
        lines.append(paint(_DIM, f"  已排除的候选（{len(dropped)}条，不计入结论）："))
        for item in dropped:
            text = redact(item.text) if options.redact_excerpts else item.text
            lines.append(paint(_DIM, f"    · {item.rule} “{_visible(text)}” {_visible(location_label(item.location))}："
                                     f"{_visible(item.reason)}"))
    return "\n".join(lines) + "\n"


def _finding(
    number: int, doc: DocumentResult, finding: Finding, options: ReportOptions, paint: _Painter
) -> list[str]:
    severity = paint(_SEVERITY_COLOURS[finding.severity], f"[{SEVERITY_LABELS[finding.severity]}]")
    before, match, after = context_parts(doc, finding, options.context_chars)
    if options.redact_excerpts:
        before, match, after = "", redact(match or finding.text), ""
    if match:
        marked = paint(_BOLD + _RED, _visible(match)) if options.color else f"【{_visible(match)}】"
        context = f"{_visible(before)}{marked}{_visible(after)}"
    else:
        context = _visible(before) or "（无文字）"
    lines = [
        f"  {number}. {severity} {category_label(finding.category)} · {_visible(place_label(doc, finding))}",
        f"     {context}",
        f"     规则 {finding.rule}：{_visible(masked(finding.message, finding, options))}",
    ]
    if finding.basis:
        lines.append(f"     依据：{finding.basis}")
    if options.verbose:
        lines.append(f"     为何命中：命中文字“{_visible(redact(finding.text) if options.redact_excerpts else finding.text)}”"
                     f"，位置 {finding.location.start}–{finding.location.end}（{part_label(finding.location.part)}）")
        lines.extend(f"       · {_visible(masked(item, finding, options))}" for item in finding.evidence)
        if finding.fingerprint:
            lines.append(f"     指纹：{finding.fingerprint}")
    elif finding.evidence:
        lines.append("     证据：" + "；".join(_visible(masked(item, finding, options)) for item in finding.evidence))
    return lines


_visible = terminal_safe


class _Painter:
    """Wraps text in an ANSI colour, or leaves it alone when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled

    def __call__(self, colour: str, text: str) -> str:
        return f"{colour}{text}{_RESET}" if self._enabled else text
