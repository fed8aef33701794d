"""What people read of a verdict, a severity and a category, and text made safe for a terminal.

The Chinese labels every output uses (the reports, the batch summary on
stderr, the rules listing) and :func:`terminal_safe`, which everything
printed to a terminal goes through.  Kept apart from :mod:`scanner.report`
so that the command line and a batch's summary need not import the report
code (the renderers, the reading order of findings) to say a word.
"""

from __future__ import annotations

import unicodedata

from scanner.types import Severity, Verdict

VERDICT_LABELS: dict[Verdict, str] = {
    Verdict.BLOCK: "阻止发布",
    Verdict.REVIEW: "需人工审查",
    Verdict.PASS: "可以发布",
}

SEVERITY_LABELS: dict[Severity, str] = {
    Severity.BLOCK: "阻止",
    Severity.REVIEW: "需审查",
    Severity.INFO: "提示",
}

CATEGORY_LABELS: dict[str, str] = {
    "classified-marking": "国家秘密标志",
    "internal-marking": "内部/工作秘密标志",
    "personal-info": "个人信息",
    "sensitive-content": "敏感内容",
    "hidden-content": "隐藏内容",
    "redaction-failure": "涂黑失败",
    "unreadable": "无法读取",
}


def terminal_safe(text: str) -> str:
    """``text`` with control characters (ESC, BEL, CR …) and bidi overrides shown as ``\\uXXXX``.

    Everything printed to a terminal goes through this: a file name or a
    draft cannot move the cursor, retitle the window or reorder what the
    reviewer reads (the "Trojan Source" trick).  Newlines are escaped too:
    a line of output is one line.
    """
    return "".join(f"\\u{ord(ch):04x}" if _hidden_char(ch) else ch for ch in text)


def _hidden_char(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069"
