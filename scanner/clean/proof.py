"""The proof that a clean copy is clean: the scans before and after, compared.

Three checks, each shown to the publisher in a table:

* every finding in a hidden layer (comments, revisions, hidden text,
  properties, notes, annotations, forms, attachments, alt text) is gone;
* the visible text (body, tables, headers, footers, notes under the text,
  slides, sheets) is the same, apart from accepted revisions, the hidden
  sheets or slides the user asked to remove and the characters removed
  from under black boxes;
* whatever is still found is listed: a mark in the body stays a mark, so
  cleaning never makes a marked document publishable.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scanner.types import DocumentResult, Finding, TextUnit, Verdict

HIDDEN_PARTS = frozenset({"comment", "deleted", "inserted", "hidden", "metadata", "notes", "annotation", "form",
                          "attachment", "alt-text"})
HIDDEN_CATEGORIES = frozenset({"hidden-content", "redaction-failure"})
VISIBLE_PARTS = frozenset({"body", "header", "footer", "table", "textbox", "footnote", "endnote", "sheet", "slide",
                           "outline"})

PART_NAMES = {
    "body": "正文", "header": "页眉", "footer": "页脚", "table": "表格", "textbox": "文本框", "footnote": "脚注",
    "endnote": "尾注", "comment": "批注", "deleted": "删除修订", "inserted": "插入修订", "hidden": "隐藏文字",
    "metadata": "文档属性", "notes": "演讲者备注", "annotation": "PDF 注释", "form": "表单域", "outline": "书签",
    "attachment": "附件", "sheet": "工作表", "slide": "幻灯片", "alt-text": "替代文字", "embedded": "嵌入对象",
}
VERDICT_NAMES = {Verdict.BLOCK: "阻止发布", Verdict.REVIEW: "需审查", Verdict.PASS: "通过"}
SEVERITY_NAMES = {"block": "阻止", "review": "需审查", "info": "提示"}


@dataclass(frozen=True, kw_only=True)
class Row:
    """One hidden-layer finding of the first scan and whether the clean copy still has it."""

    finding: Finding
    gone: bool


@dataclass(frozen=True, kw_only=True)
class Proof:
    before: DocumentResult
    after: DocumentResult
    rows: tuple[Row, ...]
    text_same: bool
    text_note: str  # why the visible text differs, or what changes were expected
    diff: tuple[str, ...]  # the unexpected differences, unified-diff lines
    remaining: tuple[Finding, ...]  # everything the clean copy still has

    @property
    def hidden_left(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.remaining if is_hidden_layer(f))

    @property
    def ok(self) -> bool:
        """The cleaning did what it promised: no unexpected text change, no new unreadable parts."""
        return self.text_same and not (set(self.after.errors) - set(self.before.errors))


def is_hidden_layer(finding: Finding) -> bool:
    return finding.location.part in HIDDEN_PARTS or finding.category in HIDDEN_CATEGORIES


def _key(finding: Finding) -> tuple[str, str, str]:
    return finding.rule, finding.location.part, finding.text


def visible_lines(units: Iterable[TextUnit], dropped_sources: frozenset[str] = frozenset()) -> list[str]:
    """The visible text, one line per unit, as ``part: text``; units from ``dropped_sources`` left out."""
    lines = []
    for unit in units:
        if unit.part in VISIBLE_PARTS and unit.text.strip() and unit.source not in dropped_sources:
            lines.append(f"{unit.part}: {' '.join(unit.text.split())}")
    return lines


def prove(
    before: DocumentResult,
    after: DocumentResult,
    *,
    dropped_sources: frozenset[str] = frozenset(),
    redacted: tuple[str, ...] = (),
) -> Proof:
    """Compare the scans of the original and of the clean copy."""
    after_keys = {_key(f) for f in after.findings}
    rows = tuple(Row(finding=f, gone=_key(f) not in after_keys) for f in before.findings if is_hidden_layer(f))
    old = visible_lines(before.units, dropped_sources)
    new = visible_lines(after.units)
    note = ""
    diff: tuple[str, ...] = ()
    same = old == new
    if not same:
        joined_old, joined_new = _squash(old), _squash(new)
        for text in redacted:
            joined_old = joined_old.replace(_squash([text]), "", 1)
        if joined_old == joined_new:
            same = True
            note = "段落划分有变化（接受删除的段落标记时段落合并）" if not redacted else "仅删除了涂黑方块下的文字"
        else:
            diff = tuple(difflib.unified_diff(old, new, "清理前", "清理后", lineterm="", n=1))
    elif dropped_sources:
        note = f"已按要求删除隐藏的工作表或幻灯片：{'、'.join(sorted(dropped_sources))}"
    return Proof(before=before, after=after, rows=rows, text_same=same, text_note=note, diff=diff,
                 remaining=after.findings)


def _squash(lines: Iterable[str]) -> str:
    return "".join("".join(line.split(": ", 1)[-1].split()) for line in lines)


def _short(text: str, width: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (CJK characters take two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - used)


def _where(finding: Finding) -> str:
    loc = finding.location
    place = PART_NAMES.get(loc.part, loc.part)
    if loc.page:
        place = f"第{loc.page}页 {place}"
    return place


def render(proof: Proof, *, source: str, target: str, removed: Iterable[str], redacted: Iterable[str] = (),
           converted_from: str = "") -> str:
    """The before/after table for people (Chinese)."""
    out = [f"清理  {source} → {target}"]
    if converted_from:
        out.append(f"  已先由 {converted_from} 格式转换为 {proof.after.format}")
    removed = list(removed)
    out.append(f"  已移除：{'、'.join(removed) if removed else '（没有需要移除的隐藏图层）'}")
    redacted = list(redacted)
    if redacted:
        out.append(f"  已从文字层删除涂黑方块下的 {len(redacted)} 段文字：")
        out.extend(f"    【{text}】" for text in redacted)
    out.append("")
    out.append("隐藏图层中的发现（清理前 → 清理后）：")
    if proof.rows:
        out.append(f"  {'规则':<4} {_pad('位置', 16)} {_pad('清理后', 8)} 内容")
        for row in proof.rows:
            finding = row.finding
            status = "已清除" if row.gone else "仍存在"
            out.append(f"  {finding.rule:<6} {_pad(_where(finding), 16)} {_pad(status, 8)} 【{_short(finding.text)}】")
    else:
        out.append("  （清理前没有隐藏图层中的发现）")
    out.append("")
    if proof.text_same:
        line = "可见文字：一致（正文、表格、页眉页脚逐段比对）"
        out.append(line + (f"；{proof.text_note}" if proof.text_note else ""))
    else:
        out.append("可见文字：有变化！清理改动了可见内容，请勿使用该文件：")
        out.extend(f"  {line}" for line in proof.diff[:40])
    new_errors = [e for e in proof.after.errors if e not in proof.before.errors]
    if new_errors:
        out.append("清理后的文件有部分无法读取：" + "；".join(new_errors))
    out.append("")
    visible = [f for f in proof.remaining if not is_hidden_layer(f)]
    hidden = proof.hidden_left
    if proof.remaining:
        out.append(f"清理后仍存在的发现（{len(proof.remaining)} 条）：")
        for finding in sorted((*hidden, *visible), key=lambda f: -f.severity.rank):
            severity = SEVERITY_NAMES.get(finding.severity.value, finding.severity.value)
            shown = f"【{_short(finding.text, 40)}】" if finding.text.strip() else _short(finding.message, 40)
            out.append(f"  {_pad(f'[{severity}]', 8)} {finding.rule:<6} {_pad(_where(finding), 16)} {shown}")
        if hidden:
            out.append("  隐藏图层仍有内容：可加 --hidden、--notes、--alt-text、--form-values、--attributes（或 --all）一并移除")
    else:
        out.append("清理后仍存在的发现：无")
    verdict = VERDICT_NAMES[proof.after.verdict]
    out.append("")
    if proof.after.verdict is Verdict.BLOCK:
        out.append(f"结论：清理后的文件仍为「{verdict}」：正文中的内容（如国家秘密标志）不会因清理而改变，不得上网发布")
    elif proof.after.verdict is Verdict.REVIEW:
        out.append(f"结论：清理后的文件为「{verdict}」：隐藏图层之外仍有须人工审查的内容")
    else:
        out.append(f"结论：清理后的文件为「{verdict}」")
    return "\n".join(out) + "\n"


def render_json(proof: Proof, *, source: str, target: str, removed: Iterable[str], redacted: Iterable[str] = (),
                converted_from: str = "") -> str:
    """The proof for machines (``--proof-format json``): a ``clean_proof`` of ``docs/schema/report-v1.schema.json``."""
    from scanner.serial import finding_to_dict

    payload: dict[str, Any] = {
        "source": source,
        "target": target,
        "format": proof.after.format,
        "converted_from": converted_from,
        "removed": list(removed),
        "redacted": list(redacted),
        "hidden_findings": [
            {"finding": finding_to_dict(row.finding), "gone": row.gone}
            for row in proof.rows
        ],
        "visible_text": {"same": proof.text_same, "note": proof.text_note, "diff": list(proof.diff)},
        "new_errors": [error for error in proof.after.errors if error not in proof.before.errors],
        "remaining": [finding_to_dict(finding) for finding in proof.remaining],
        "verdict_before": proof.before.verdict.value,
        "verdict": proof.after.verdict.value,
        "ok": proof.ok,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def refusal_json(*, source: str, reason: str) -> str:
    """A refused document (nothing written) as a ``clean_proof`` with ``refused``."""
    payload = {"source": source, "refused": reason, "ok": False}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
