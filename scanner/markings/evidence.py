"""Mention evidence: the line around a candidate, quotes, example cues, lists and questions."""

from __future__ import annotations

import re

from scanner.findings import UnitView
from scanner.markings.grammar import FILLER, OPTION_LABEL, Grammar
from scanner.markings.parse import Candidate, in_level_list
from scanner.normalize import normalized_text


def line_of(view: UnitView, norm_start: int, norm_end: int, *, skip_noise: bool = True) -> tuple[str, str]:
    """The original text before and after the span on the line(s) holding it.

    With ``skip_noise``, characters that normalisation deleted next to the
    span (pinyin after its last character, zero-width marks) are left out.
    """
    norm = view.norm
    start, end = norm.to_original(norm_start, norm_end)
    original = view.unit.text
    line_start = original.rfind("\n", 0, start) + 1
    line_end = original.find("\n", end)
    if line_end < 0:
        line_end = len(original)
    if not skip_noise:
        return original[line_start:start], original[end:line_end]
    kept_before = norm.orig_index(norm_start - 1) + 1 if norm_start > 0 else 0
    kept_after = norm.orig_index(norm_end) if norm_end < len(norm.text) else len(original)
    before = original[line_start : max(line_start, kept_before)]
    after = original[min(max(end, kept_after), line_end) : line_end]
    return before, after


def spaced_around(view: UnitView, norm_start: int, norm_end: int) -> tuple[bool, bool]:
    """Whether the original line has white space or its edge left and right of the span."""
    before, after = line_of(view, norm_start, norm_end, skip_noise=False)
    return (not before or before[-1].isspace(), not after or after[0].isspace())


def line_residue(grammar: Grammar, text: str) -> str:
    """What is left on a line once companions and punctuation are removed."""
    text = normalized_text(text)
    text = grammar.companions.sub(" ", text)
    return FILLER.sub("", text)


def quoted(grammar: Grammar, text: str, start: int, end: int) -> str | None:
    """Evidence when ``text[start:end]`` is inside a quotation pair, else ``None``."""
    before = text[:start]
    for opener, closer in grammar.quotes:
        if opener == closer:
            if before.count(opener) % 2 == 1 and closer in text[end:]:
                return "位于引号内"
            continue
        if before.rfind(opener) > before.rfind(closer) and closer in text[end:]:
            return "位于书名号内" if opener == "《" else "位于引号内"
    return None


def example_cue(grammar: Grammar, text: str, start: int) -> str | None:
    """The example cue (如, 应标注为...) shortly before ``start``, if any."""
    window = text[max(0, start - grammar.cues_window) : start]
    # Quotes and brackets between the cue and the mark do not break it.
    stripped = window.rstrip("“”\"'‘’《「『([【:： ")
    for cue in grammar.cues_before:
        if stripped.endswith(cue):
            return cue
    for cue in grammar.cues_before:
        if len(cue) > 1 and cue in window:
            return cue
    return None


def mention_evidence(grammar: Grammar, text: str, candidate: Candidate) -> list[str]:
    """Reasons why a candidate in running text is a mention (empty: none found)."""
    reasons: list[str] = []
    quote = quoted(grammar, text, candidate.start, candidate.end)
    if quote:
        reasons.append(quote)
    cue = example_cue(grammar, text, candidate.start)
    if cue:
        reasons.append(f"前有举例用语“{cue}”")
    if in_level_list(grammar, text, candidate.start, candidate.start + len(candidate.level)) or (
        not candidate.star
        and in_level_list(grammar, text, candidate.start, _level_end(grammar, text, candidate))
    ):
        reasons.append("属于密级列举")
    if OPTION_LABEL.search(text[max(0, candidate.start - 4) : candidate.start]):
        reasons.append("位于选择题选项中")
    if candidate.star and len(grammar.star.findall(text)) > 1:
        others = {match.group()[:2] for match in grammar.level.finditer(text)} - {candidate.level}
        if others:
            reasons.append("同一段中有多个不同密级的标志，属于列举")
    sentence_end = _sentence_end(text, candidate.end)
    sentence = text[_sentence_start(text, candidate.start) : sentence_end]
    if any(word in sentence for word in grammar.question_words) or re.search(r"[?？]|\(\s*\)", sentence):
        reasons.append("位于问句或试题中")
    after = text[_level_end(grammar, text, candidate) :]
    if not candidate.star and not candidate.period:
        for word in grammar.definition_words:
            if after.startswith(word) and len(after) > len(word) + 1:
                reasons.append("属于定义或说明")
                break
        for word in grammar.cues_after:
            if after.startswith(word):
                reasons.append(f"后接“{word}”")
                break
    return reasons


def _level_end(grammar: Grammar, text: str, candidate: Candidate) -> int:
    match = grammar.level.match(text, candidate.start)
    return match.end() if match else candidate.start + 2


def _sentence_start(text: str, index: int) -> int:
    return max(text.rfind(mark, 0, index) for mark in "。！？!?；;\n") + 1


def _sentence_end(text: str, index: int) -> int:
    ends = [found for found in (text.find(mark, index) for mark in "。！？!?；;\n") if found >= 0]
    return min(ends) + 1 if ends else len(text)


def companion_evidence(grammar: Grammar, before: str, after: str) -> list[str]:
    line = normalized_text(before + " " + after)
    evidence = []
    copy = grammar.copy_number.search(line)
    if copy:
        evidence.append(f"同行有份号“{copy.group().strip()}”")
    for word in grammar.urgency:
        if word in line:
            evidence.append(f"同行有紧急程度“{word}”")
    return evidence
