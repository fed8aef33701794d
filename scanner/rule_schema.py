"""What a rule's ``params`` may hold, by rule kind, checked when the catalogue loads.

The matchers and the marking grammar read these keys; a misspelt key or a
value of the wrong shape used to surface only when the matcher was built
(a traceback) or not at all (the key was ignored and the rule silently
matched differently).  Checking them here names the file, the rule and the
line of the entry, and ends the run with a usage error.

Each kind maps a key to a value type:

``strings``  a list of non-empty strings
``pairs``    a list of two-character strings (an opening and a closing quote)
``text``     a non-empty string
``regex``    a string that compiles as a Python regular expression
``regexes``  one such string or a list of them
``count``    an integer from 0 to 10,000
``flag``     true or false
``groups``   a mapping of names to lists of rule ids
``parts``    a list of layer names (``scanner.types.PARTS``): the rule fires only in those layers
``notice``   a notice kind (``scanner.roles.NoticeKind``): the rule is raised for that extractor notice
``role``     a role (``scanner.roles.Role``): what code raises this rule for

A marking rule's params are the marking grammar's words and limits
(``scanner.markings.grammar``); which rule holds which of them is the
grammar's business, so every key of the grammar is allowed on each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_MATCHER = {"near_pattern": "regex", "word_boundary": "flag", "parts": "parts"}

PARAMS: dict[str, dict[str, str]] = {
    "terms": dict(_MATCHER),
    "pattern": {**_MATCHER, "anchors": "strings", "gate": "regexes"},
    # builtin rules are raised by code, for a notice or in a role; the
    # personal-data list rule (scanner.decide) counts the findings of other
    # rules by kind
    "builtin": {"counted": "groups", "min_items": "count", "min_kinds": "count", "notice": "notice", "role": "role"},
    "marking": {
        "role": "role",
        **{key: "strings" for key in (
            "brackets", "close_brackets", "conditions", "cues_after", "cues_before", "date_suffixes",
            "declassified", "definition_words", "heads", "labels", "lead_in_endings", "level_tails", "levels",
            "list_joiners", "mark_labels", "non_level_followers", "non_level_prefixes", "note_labels",
            "on_request", "open_brackets", "period_labels", "period_units", "period_words", "positions", "public",
            "question_words", "run_in_followers", "run_in_heads", "scopes", "stars", "tails", "urgency", "verbs",
            "weak_heads", "withheld",
        )},
        **{key: "count" for key in (
            "condition_max", "cues_window", "head_block_units", "min_text_after", "note_tail_max",
            "page_bottom_units", "page_top_units", "run_in_lead_max", "run_in_window",
        )},
        "copy_number": "regex",
        "document_number": "regex",
        "level_suffix": "text",
        "numerals": "text",
        "quotes": "pairs",
    },
}


def params_problem(kind: str, params: Mapping[str, Any]) -> str | None:
    """Why ``params`` does not fit a rule of ``kind``, or ``None`` when it does."""
    allowed = PARAMS.get(kind, {})
    for key, value in params.items():
        expected = allowed.get(key)
        if expected is None:
            known = ", ".join(sorted(allowed)) or "none"
            return f"unknown params key {key!r} for a {kind} rule (allowed: {known})"
        problem = _value_problem(expected, value)
        if problem is not None:
            return f"params.{key}: {problem}"
    return None


def _value_problem(expected: str, value: Any) -> str | None:
    if expected == "flag":
        return None if isinstance(value, bool) else "must be true or false"
    if expected == "count":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10_000
        return None if ok else "must be a whole number from 0 to 10000"
    if expected == "text":
        return None if isinstance(value, str) and value else "must be a non-empty string"
    if expected == "strings":
        ok = isinstance(value, list) and all(isinstance(item, str) and item for item in value)
        return None if ok else "must be a list of non-empty strings"
    if expected == "groups":
        ok = isinstance(value, dict) and all(
            isinstance(name, str) and name and isinstance(ids, list) and ids
            and all(isinstance(rule_id, str) and rule_id for rule_id in ids)
            for name, ids in value.items()
        )
        return None if ok else "must map each name to a list of rule ids"
    if expected == "parts":
        from scanner.types import PARTS

        ok = isinstance(value, list) and all(isinstance(item, str) and item in PARTS for item in value)
        return None if ok else f"must be a list of layer names ({', '.join(PARTS)})"
    if expected in ("notice", "role"):
        from scanner.roles import NOTICE_KINDS, ROLES

        known = NOTICE_KINDS if expected == "notice" else ROLES
        ok = isinstance(value, str) and value in known
        return None if ok else f"unknown {expected} {value!r} (one of {', '.join(known)})"
    if expected == "pairs":
        ok = isinstance(value, list) and all(isinstance(item, str) and len(item) == 2 for item in value)
        return None if ok else "must be a list of two-character strings (opening and closing quote)"
    patterns = [value] if expected == "regex" or isinstance(value, str) else value
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) and p for p in patterns):
        return "must be a regular expression" + (" or a list of them" if expected == "regexes" else "")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            return f"bad regular expression {pattern!r}: {error}"
    return None
