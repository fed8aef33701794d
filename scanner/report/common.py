"""What every renderer shares: the options, the Chinese labels, the order of things.

Renderers are pure functions of a :class:`~scanner.types.ScanResult` and
:class:`ReportOptions`; everything they show comes from the result (the
units carry the original text), so nothing here touches the file system.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

from scanner.findings import SPREADSHEET_FORMATS, cell_name, reading_order
from scanner.types import DocumentResult, Finding, Location, ScanResult, Severity, TextUnit, Verdict
from scanner.wording import CATEGORY_LABELS as CATEGORY_LABELS  # the labels, re-exported for the renderers
from scanner.wording import SEVERITY_LABELS as SEVERITY_LABELS
from scanner.wording import VERDICT_LABELS as VERDICT_LABELS
from scanner.wording import terminal_safe as terminal_safe

if TYPE_CHECKING:
    from scanner.match import Dropped

# Default number of characters either side of a match when a renderer cuts
# its own context from the units (the finding's own context uses 24).
DEFAULT_CONTEXT_CHARS = 24


@dataclass(frozen=True, kw_only=True)
class ReportOptions:
    """How to render a report; the approval-sheet fields come from the user.

    ``timestamp`` is printed only when given, so the same scan renders to the
    same bytes.  ``context_chars`` re-cuts each finding's context from the
    document's units with that many characters either side (``None`` keeps
    the context the detector recorded).
    """

    color: bool = False
    timestamp: str | None = None
    context_chars: int | None = None
    # 上网信息保密审查审批单 fields (domain.md §7); blank lines when empty.
    unit: str = ""  # 报送单位
    department: str = ""  # 处室/部门
    submitter: str = ""  # 承办人 / 撰稿人
    site: str = ""  # 拟发布网站
    column: str = ""  # 栏目
    planned_date: str = ""  # 拟发布日期
    source: str = ""  # 信息来源 (自有 / 转载 + 原始来源)
    carrier: str = ""  # 载体 (公文 / 非公文)
    document_number: str = ""  # 发文字号
    # terminal report: only the summary / also why each finding fired
    quiet: bool = False
    verbose: bool = False
    # mask the matched text in every excerpt (the report can then be shared)
    redact_excerpts: bool = False
    # a line for the summary, e.g. which configuration file was used
    notes: tuple[str, ...] = ()
    # verbose text report: the candidates the matcher dropped, by document path (scanner.explain)
    dropped: Mapping[str, Sequence[Dropped]] = field(default_factory=dict)


# At the top of every report that quotes text which may be a state or work secret.
CLASSIFIED_NOTICE = "本报告摘录了可能涉及国家秘密或工作秘密的内容，请按相应密级载体管理，不得上网"

# Categories whose excerpts may themselves be secret (a phone number is personal, not secret).
_SECRET_CATEGORIES = frozenset({"classified-marking", "internal-marking", "sensitive-content", "hidden-content",
                                "redaction-failure"})


def quotes_secrets(documents: Iterable[DocumentResult], options: ReportOptions) -> bool:
    """True when the report prints excerpts that may be state or work secrets (so it needs the notice)."""
    if options.redact_excerpts:
        return False
    return any(
        finding.severity is not Severity.INFO and finding.category in _SECRET_CATEGORIES and finding.text
        for doc in documents
        for finding in doc.findings
    )


def is_positive_evidence(finding: Finding) -> bool:
    """A finding that speaks *for* publication (此件公开发布): listed as evidence, never counted as a 问题."""
    return finding.severity is Severity.INFO and (
        "佐证" in finding.message or any(word in finding.text for word in ("公开发布", "主动公开"))
    )


PART_LABELS: dict[str, str] = {
    "body": "正文",
    "header": "页眉",
    "footer": "页脚",
    "table": "表格",
    "textbox": "文本框",
    "footnote": "脚注",
    "endnote": "尾注",
    "comment": "批注",
    "deleted": "删除修订",
    "inserted": "插入修订",
    "hidden": "隐藏文字",
    "metadata": "文档属性",
    "notes": "演讲者备注",
    "annotation": "PDF注释",
    "form": "表单域",
    "outline": "书签/大纲",
    "attachment": "附件",
    "sheet": "工作表",
    "slide": "幻灯片",
    "alt-text": "图片替代文字",
    "ocr": "图片文字（OCR）",
    "embedded": "嵌入对象",
    "smartart": "SmartArt 图形",
    "chart": "图表",
    "altchunk": "嵌入正文块",
    "master": "母版/版式",
    "revision": "早期版本",
    "noscript": "noscript 内容",
    "script-data": "脚本数据",
    "data-uri": "内嵌数据",
}

# Parts a reader of the printed or displayed document does not see: the
# reports show them in sections of their own so a reviewer notices them.
HIDDEN_PARTS = frozenset(
    {"comment", "deleted", "inserted", "hidden", "metadata", "notes", "annotation", "form",
     "outline", "attachment", "alt-text", "embedded", "revision", "noscript", "script-data", "data-uri"}
)

_VERDICT_RANK = {Verdict.BLOCK: 2, Verdict.REVIEW: 1, Verdict.PASS: 0}


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


def part_label(part: str) -> str:
    """The Chinese name of a part; ``revision:2`` -> ``早期版本 2``."""
    if part in PART_LABELS:
        return PART_LABELS[part]
    kind, _, name = part.partition(":")
    return f"{PART_LABELS[kind]} {name}" if name and kind in PART_LABELS else part


def location_label(location: Location, *, with_source: bool = True) -> str:
    """``第1页 第3段 页眉（word/header1.xml）`` — pieces the format knows only.

    Text read by OCR adds the line's box: ``第2页 第1段 图片文字（OCR）（img3）
    区域(72,700)–(160,716)`` (see :func:`box_label`).
    """
    pieces = []
    if location.page is not None:
        pieces.append(f"第{location.page}页")
    if location.paragraph is not None:
        pieces.append(f"第{location.paragraph}段")
    label = part_label(location.part)
    if with_source and location.source:
        label += f"（{location.source}）"
    pieces.append(label)
    if location.box is not None:
        pieces.append(box_label(location.box))
    return " ".join(pieces)


def box_label(box: tuple[float, float, float, float]) -> str:
    """``区域(72,700)–(160,716)``: an OCR line's corners, top left and bottom right, rounded to whole units.

    The unit is the page's (PDF points) for a picture on a PDF page, the
    image's pixels otherwise (:attr:`~scanner.types.Location.box`).
    """
    x0, y0, x1, y1 = (round(value) for value in box)
    return f"区域({x0},{y0})–({x1},{y1})"


def suppressed_total(result: ScanResult) -> int:
    """Findings a baseline accepted over all documents (each output counts them)."""
    return sum(doc.suppressed for doc in result.documents)


def suppressed_note(count: int) -> str:
    """The sentence every report gives for findings a baseline hid ("" when none)."""
    return f"另有 {count} 条发现已列入基线（已接受），本报告未列出" if count else ""


def verdict_rank(verdict: Verdict) -> int:
    return _VERDICT_RANK[verdict]


def ordered_findings(doc: DocumentResult) -> list[Finding]:
    return sorted(doc.findings, key=reading_order)


def documents_by_path(documents: Iterable[DocumentResult]) -> list[DocumentResult]:
    return sorted(documents, key=lambda doc: doc.path)


def documents_worst_first(documents: Iterable[DocumentResult]) -> list[DocumentResult]:
    return sorted(documents, key=lambda doc: (-verdict_rank(doc.verdict), -doc.risk, doc.path))


def unit_of(doc: DocumentResult, finding: Finding) -> int | None:
    """Index of the unit ``finding`` points into, or ``None`` when it has none.

    A unit matches when its place agrees with the location and its text at
    the span is the finding's text; notices (an unreadable image, a hidden
    sheet) often have no span and stay unplaced.
    """
    location = finding.location
    if location.end <= location.start:
        return None
    for index, unit in enumerate(doc.units):
        if (
            unit.part == location.part
            and unit.page == location.page
            and unit.paragraph == location.paragraph
            and unit.source == location.source
            and unit.text[location.start : location.end] == finding.text
        ):
            return index
    return None


def one_line(text: str) -> str:
    return " ".join(text.split())


def context_parts(
    doc: DocumentResult, finding: Finding, context_chars: int | None
) -> tuple[str, str, str]:
    """The context split as (before, match, after), each on one line.

    With ``context_chars`` the context is cut afresh from the unit; otherwise
    the match is found in the recorded context (the occurrence nearest where
    it should be, since the same words may appear twice in the snippet).
    """
    if context_chars is not None:
        index = unit_of(doc, finding)
        if index is not None:
            unit: TextUnit = doc.units[index]
            start, end = finding.location.start, finding.location.end
            before = unit.text[max(0, start - context_chars) : start]
            after = unit.text[end : end + context_chars]
            return _squash(before, lead=True), one_line(unit.text[start:end]), _squash(after, lead=False)
    context = finding.context
    match = one_line(finding.text)
    if not match:
        return context, "", ""
    expected = min(finding.location.start, DEFAULT_CONTEXT_CHARS)
    positions = [m.start() for m in re.finditer(re.escape(match), context)]
    if not positions:
        return context, "", ""
    position = min(positions, key=lambda p: (abs(p - expected), p))
    return context[:position], match, context[position + len(match) :]


def _squash(text: str, *, lead: bool) -> str:
    """Collapse whitespace but keep one space where it separates from the match."""
    squashed = one_line(text)
    if not squashed:
        return ""
    if lead and text[-1:].isspace():
        squashed += " "
    if not lead and text[:1].isspace():
        squashed = " " + squashed
    return squashed


def context_text(doc: DocumentResult, finding: Finding, context_chars: int | None) -> str:
    if context_chars is None:
        return finding.context
    return "".join(context_parts(doc, finding, context_chars))


def secrecy_suggestion(doc: DocumentResult) -> str:
    """是否涉密: what the tool suggests; a person decides."""
    if any(f.category == "classified-marking" and f.severity is Severity.BLOCK for f in doc.findings):
        return "涉密"
    if doc.verdict is Verdict.PASS:
        return "建议不涉密"
    return "待审"


def safe_name(path: str, limit: int = 60) -> str:
    """A file-name piece from a document path: letters, digits (any script), ``.-_``."""
    base = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or "document"
    cleaned = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in base)
    cleaned = cleaned.strip("._") or "document"
    return cleaned[:limit]


def display_title(doc: DocumentResult) -> str:
    if doc.title.strip():
        return one_line(doc.title)
    return doc.path.replace("\\", "/").rsplit("/", 1)[-1] or doc.path


def display_path(path: str) -> str:
    """A document's path or URL as a person reads it: a URL percent-decoded (``%E9%80%9A`` → 通)."""
    if "://" in path and "%" in path:
        return unquote(path, errors="replace")
    return path


def sheet_cell(doc: DocumentResult, finding: Finding) -> str | None:
    """``Sheet1!C12`` for a finding in a spreadsheet cell, else ``None``.

    The pipeline records it in ``location.cell``; a result made without it
    (an older cache entry) is looked up through the unit the finding
    points into, where the xlsx extractor recorded the cell.
    """
    if finding.location.cell:
        return finding.location.cell
    if doc.format not in SPREADSHEET_FORMATS and finding.location.part != "sheet":
        return None
    index = unit_of(doc, finding)
    if index is None:
        return None
    unit = doc.units[index]
    if unit.cell is None:
        return None
    sheet = unit.source or "Sheet1"
    return f"{sheet}!{cell_name(unit.cell)}"


def unit_cell(doc: DocumentResult, unit: TextUnit) -> str | None:
    """``Sheet1!C12`` for a unit of a spreadsheet that is a cell, else ``None``."""
    if unit.cell is None or doc.format not in SPREADSHEET_FORMATS:
        return None
    return f"{unit.source or 'Sheet1'}!{cell_name(unit.cell)}"


def place_label(doc: DocumentResult, finding: Finding) -> str:
    """Where a finding is, for a person: ``Sheet1!C12 工作表`` in a spreadsheet, else :func:`location_label`."""
    cell = sheet_cell(doc, finding)
    if cell is not None:
        return f"{cell} {part_label(finding.location.part)}"
    return location_label(finding.location)


def redact(text: str) -> str:
    """Matched text masked for ``--redact-excerpts``: the first character kept, the rest ``＊``."""
    stripped = text.strip()
    if not stripped:
        return text
    return stripped[0] + "＊" * (len(stripped) - 1)


def masked(text: str, finding: Finding, options: ReportOptions) -> str:
    """``text`` (a message, a piece of evidence) with the finding's matched text masked under ``--redact-excerpts``.

    Messages and evidence may quote the match (命中词“拟提拔”), so masking the
    excerpt alone would leave it readable one line below.
    """
    secret = finding.text.strip()
    if not options.redact_excerpts or not secret:
        return text
    return text.replace(secret, redact(secret))


# Raw exception texts that reach a document's errors (urllib, sockets, zip) and the sentence for each.
_RAW_REASONS = (
    (re.compile(r"<urlopen error \[Errno -[23]\] [^>]*>"), "无法解析网站域名（地址有误或网络不通）"),
    (re.compile(r"<urlopen error \[Errno 111\] [^>]*>"), "网站拒绝连接（服务未开启或端口有误）"),
    (re.compile(r"<urlopen error (?:\[Errno 110\] )?(?:timed out|[^>]*timed out)[^>]*>"), "连接网站超时"),
    (re.compile(r"<urlopen error \[SSL[^>]*>"), "网站的 HTTPS 证书无法验证"),
    (re.compile(r"<urlopen error ([^>]*)>"), "无法连接网站（{0}）"),
    (re.compile(r"HTTP Error (\d+): ([^\n]*)"), "网站返回错误 {0}（{1}）"),
)


def plain_reason(error: str) -> str:
    """A document error as a sentence: raw exception texts such as ``<urlopen error …>`` rewritten."""
    for pattern, sentence in _RAW_REASONS:
        error = pattern.sub(_formatter(sentence), error)
    return error


def _formatter(sentence: str) -> Callable[[re.Match[str]], str]:
    return lambda found: sentence.format(*found.groups())
