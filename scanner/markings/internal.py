"""Internal warnings (内部资料 注意保存) and disclosure notes (（此件不公开发布）) in one unit.

Both are judged in the forms real extracted text has: a head mark run into
the issuing office's name because the line breaks were lost
(内部事项国家电网有限公司部门文件…), and a bracketed note with a long
tail (（此件不公开发布，发至收文单位本部。……严禁以任何方式对外传播……）)
sitting after the signature on the same line as the 版记.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scanner.findings import UnitView
from scanner.markings.evidence import example_cue, line_of, quoted, spaced_around
from scanner.markings.grammar import (
    FILLER,
    INTERNAL_MENTION_RULE,
    INTERNAL_RULE,
    PUBLIC_RULE,
    WITHHELD_RULE,
)
from scanner.markings.position import mark_place
from scanner.normalize import normalized_text
from scanner.types import Severity

if TYPE_CHECKING:
    from scanner.markings.judge import _DocumentScan

Spans = list[tuple[int, int]]

_OPEN_BRACKETS = "（(【[〔"
_CLOSE_BRACKETS = "）)】]〕"
# what may separate a bracket from the phrase it holds
_BRACKET_GAP = " \t\u3000"
# an office's name before a run-in head holds no sentence punctuation
_NAME = re.compile(r"[\u3400-\u9fffA-Za-z0-9()（）]+")


def warnings(scan: _DocumentScan, position: int, view: UnitView, taken: Spans) -> Spans:
    """Internal warnings in one unit; returns the spans taken."""
    grammar = scan.grammar
    text = view.norm.text
    matches = [m for m in grammar.warning.finditer(text) if not _overlaps(m.start(), m.end(), taken)]
    if not matches:
        return []
    spans: Spans = []
    # group the tokens that sit together (内部资料 注意保存)
    groups: list[list[re.Match[str]]] = []
    for match in matches:
        if groups and match.start() - groups[-1][-1].end() <= 2:
            groups[-1].append(match)
        else:
            groups.append([match])
    for group in groups:
        start, end = group[0].start(), group[-1].end()
        words = [m.group() for m in group]
        if words[0] == "密件" and start > 0 and text[start - 1] in "绝机秘":
            continue
        star = grammar.star.match(text, end)
        if star:
            end = star.end()
            period = grammar.period.match(text, end)
            if period:
                end = period.end()
        before, after = line_of(view, start, end)
        line = normalized_text(before + text[start:end] + after)
        alone = bool(grammar.warning_line.fullmatch(line)) and not quoted(grammar, text, start, end)
        strong = bool(star) or any(word not in grammar.weak_heads for word in words)
        paired = len(group) > 1 and any(word in grammar.warning_tails for word in words)
        label = "、".join(words)
        if alone:
            where = scan.where(view, position)
            if where:
                spans.append((start, end))
                scan.emit(INTERNAL_RULE, view, start, end, [f"{where}，独立成行", f"警示用语：{label}"])
                continue
            if strong:
                spans.append((start, end))
                scan.emit(
                    INTERNAL_RULE,
                    view,
                    start,
                    end,
                    ["独立成行，但不在版头、页眉等标志位置", f"警示用语：{label}"],
                    cap=Severity.REVIEW,
                )
                continue
        place = mark_place(view.unit)
        if place is not None and (strong or all(spaced_around(view, start, end))):
            spans.append((start, end))
            scan.emit(INTERNAL_RULE, view, start, end, [f"{place}，与其他文字同行", f"警示用语：{label}"])
            continue
        if _run_in_head(scan, position, view, start, end, words, label):
            spans.append((start, end))
            continue
        # a weak word (内部, 200 of the 241 warning words in 400 laws
        # documents) alone in a sentence is no finding, quoted or not
        quote = quoted(grammar, text, start, end) if strong or paired or star else None
        if (quote and strong) or paired or star:
            spans.append((start, end))
            reasons = [quote] if quote else []
            reasons.append("句中提及警示用语，不是独立的标志")
            scan.emit(INTERNAL_MENTION_RULE, view, start, end, [*reasons, f"警示用语：{label}"])
    return spans


def _run_in_head(
    scan: _DocumentScan, position: int, view: UnitView, start: int, end: int, words: list[str], label: str
) -> bool:
    """A head mark run into the head block's next words (内部事项国家电网有限公司部门文件…).

    It opens the document or a page (nothing but punctuation before it in a
    unit of the head block or at the top of a page) and what follows is
    what a head block holds.  After a short office name at the very top
    (国家电网有限公司内部事项…) it is probably a mark, but that name may
    also be a title's first words: ``review``.  Emits and returns ``True``
    when it is either.
    """
    grammar = scan.grammar
    if words[0] not in grammar.run_in_heads:
        return False
    text = view.norm.text
    follower = grammar.run_in_follower.match(text, end)
    if follower is None:
        return False
    where = scan.where(view, position, top_only=True)
    if where is None:
        return False
    lead = FILLER.sub("", text[:start])
    shown = follower.group().strip()[:24]
    if not lead:
        scan.emit(
            INTERNAL_RULE,
            view,
            start,
            end,
            [f"{where}，位于开头，与版头其他文字连写", f"其后为版头内容“{shown}”", f"警示用语：{label}"],
        )
        return True
    if position == scan.first_unit and len(lead) <= grammar.run_in_lead_max and _NAME.fullmatch(text[:start]):
        scan.emit(
            INTERNAL_RULE,
            view,
            start,
            end,
            [
                f"{where}，紧接在“{text[:start]}”之后，与版头其他文字连写",
                f"其后为版头内容“{shown}”",
                f"警示用语：{label}",
            ],
            cap=Severity.REVIEW,
        )
        return True
    return False


def disclosure_notes(scan: _DocumentScan, position: int, view: UnitView) -> Spans:
    """公开属性 notes in one unit; returns the spans taken."""
    grammar = scan.grammar
    text = view.norm.text
    # The pattern (an optional label, then a phrase) has no literal to
    # start from; of the 471 units with 公开 in 400 laws documents, 21
    # hold a phrase.  One search for any phrase: 1.7 -> 0.6 µs a
    # document against a test of each of the eleven phrases with ``in``.
    if grammar.disclosure_phrase.search(text) is None:
        return []
    spans: Spans = []
    for match in grammar.disclosure.finditer(text):
        start, end = match.span()
        phrase = match.group(1)
        before, after = line_of(view, start, end)
        residue = FILLER.sub("", normalized_text(before + after))
        labelled = match.group() != phrase
        opened, closed = before.rstrip()[-1:], after.lstrip()[:1]
        bracketed = bool(opened and closed) and opened in _OPEN_BRACKETS and closed in _CLOSE_BRACKETS
        alone = not residue and (labelled or bracketed or phrase.startswith("此件"))
        tail = None if alone or labelled else _bracketed_note(scan, text, start, end)
        if not alone and tail is None:
            if phrase in grammar.withheld and phrase.startswith("此件"):
                spans.append((start, end))
                reasons = [quoted(grammar, text, start, end) or "句中提及公开属性"]
                scan.emit(INTERNAL_MENTION_RULE, view, start, end, [*reasons, f"公开属性：{phrase}"])
            continue
        spans.append((start, end))
        how = f"公开属性说明独立成行：{phrase}" if tail is None else f"公开属性括注：{phrase}{tail}"
        if phrase in grammar.public:
            scan.public_note = True
            scan.emit(PUBLIC_RULE, view, start, end, [how])
        elif phrase in grammar.on_request:
            scan.emit(
                WITHHELD_RULE,
                view,
                start,
                end,
                [how, f"公开属性为“{phrase}”，不属于主动公开，需确认"],
                cap=Severity.REVIEW,
            )
        else:
            scan.emit(WITHHELD_RULE, view, start, end, [how])
    return spans


def _bracketed_note(scan: _DocumentScan, text: str, start: int, end: int) -> str | None:
    """Evidence text when the phrase opens a bracket that closes soon after, whatever else is on the line.

    ``(此件不公开发布，发至收文单位本部。……违者追究法律责任。)`` is a note;
    the same bracket after an example cue (如（此件不予公开）) or inside
    quotation marks is a mention (``None``).
    """
    grammar = scan.grammar
    left = start
    while left > 0 and text[left - 1] in _BRACKET_GAP:
        left -= 1
    if left == 0 or text[left - 1] not in _OPEN_BRACKETS:
        return None
    closer = _CLOSE_BRACKETS[_OPEN_BRACKETS.index(text[left - 1])]
    window = text[end : end + grammar.note_tail_max + 1]
    # either bracket style may close it ((此件不公开发布…） happens)
    closes = [found for found in (window.find(mark) for mark in (closer, *_CLOSE_BRACKETS)) if found >= 0]
    if not closes:
        return None
    inner = window[: min(closes)]
    if any(mark in inner for mark in _OPEN_BRACKETS):
        return None
    if quoted(grammar, text, left - 1, end) or example_cue(grammar, text, left - 1):
        return None
    return "，带说明“" + inner.strip("，,。 ")[:30] + "…”" if inner.strip("，,。 ") else ""


def _overlaps(start: int, end: int, spans: Spans) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)
