"""A unit's plain word list (``--lexicon words.txt``): one term a line, made into one catalogue rule.

A unit's 工作秘密事项清单 is often just a list of words.  The file is UTF-8
(a BOM is allowed), one term per line; blank lines and lines starting with
``#`` are skipped, except the optional header directives before the first
term::

    # id: UW101
    # category: sensitive-content      (default sensitive-content)
    # severity: block                  (default review)
    # summary: 本单位工作秘密事项清单所列项目代号

Without ``# id:`` the id is ``UW`` and three digits derived from the file's
name (so it stays the same when the list changes and is the same on every
machine); ``secscan rules --lexicon words.txt`` prints it, and the
configuration's ``severity:`` / ``disable:`` take it like any rule id.  The
summary and the basis are generated from the file name: the basis cites the
unit's own list, never a law.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

WORD_LIST_SUFFIXES = (".txt", ".lst")
DEFAULT_CATEGORY = "sensitive-content"
DEFAULT_SEVERITY = "review"
_DIRECTIVES = ("id", "category", "severity", "summary")
MAX_TERMS = 100_000


class WordListError(ValueError):
    """The word list cannot be used (not UTF-8, no terms, a bad directive); the message names the file and line."""


def is_word_list(path: Path) -> bool:
    return path.suffix.lower() in WORD_LIST_SUFFIXES


def generated_id(path: Path) -> str:
    """``UW`` + three digits from the file name (not its folder): ``words.txt`` is the same rule everywhere."""
    return f"UW{100 + zlib.crc32(path.name.encode('utf-8')) % 900}"


def word_list_data(raw: bytes, path: Path) -> dict[str, Any]:
    """The rule file data (as a YAML rule file would give) for the word list ``raw`` read from ``path``.

    Raises :class:`WordListError`.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise WordListError(f"{path}: 词表须为 UTF-8 编码 / a word list must be UTF-8 ({error.reason})") from error
    settings: dict[str, str] = {}
    terms: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, colon, value = stripped[1:].partition(":")
            key = key.strip().lower()
            if not terms and colon and key in _DIRECTIVES:
                settings[key] = value.split("(")[0].strip() if key != "summary" else value.strip()
            continue
        if stripped not in seen:
            seen.add(stripped)
            terms.append(stripped)
        if len(terms) > MAX_TERMS:
            raise WordListError(f"{path}:{number}: 词表超过 {MAX_TERMS} 个词 / more than {MAX_TERMS} terms")
    if not terms:
        raise WordListError(f"{path}: 词表中没有词语 / the word list holds no terms")
    name = path.stem
    summary = settings.get("summary") or f"本单位词表“{name}”所列词语（不得公开的事项）"
    rule = {
        "id": settings.get("id") or generated_id(path),
        "name": f"word-list-{name}",
        "category": settings.get("category") or DEFAULT_CATEGORY,
        "severity": settings.get("severity") or DEFAULT_SEVERITY,
        "summary": summary,
        "basis": f"本单位保密事项清单（词表 {path.name}，单位规定）",
        "why": f"由词表文件 {path.name} 生成：其中所列{len(terms)}个词语为本单位确定不得公开的事项。",
        "kind": "terms",
        "terms": terms,
        "examples": {"match": [terms[0]]},
    }
    return {"rules": [rule]}
