"""One entry of a rule file checked and made a :class:`Rule`: the rule's value types and their validation.

:mod:`scanner.catalogue` reads the files, keeps ids unique and applies the
configuration; this module knows what one rule may say (its keys, kinds,
context, examples, ``params`` through :mod:`scanner.rule_schema`) and which
ids are retired.  The names are re-exported by :mod:`scanner.catalogue`,
where callers import them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lexicons import read_table
from scanner.rule_schema import params_problem
from scanner.types import CATEGORIES, Severity

_ID = re.compile(r"^[A-Z]{2,4}\d{3,4}$")
_KINDS = ("terms", "pattern", "marking", "builtin")
_KEYS = {
    "id", "name", "category", "severity", "summary", "basis", "why", "kind", "terms",
    "pattern", "validator", "context", "allow", "examples", "enabled", "weight", "params",
    "unit_basis",
}
_CONTEXT_KEYS = {"window", "raise", "lower", "require", "exclude"}

RETIRED_IDS = "retired-ids.json"
_RETIRED_FORMAT = 1


class CatalogueError(ValueError):
    """A rule file is malformed; the message names the file and the entry."""


@dataclass(frozen=True, kw_only=True)
class Context:
    """Hot-word rules: words within ``window`` characters of a hit.

    ``raise_`` words lift the severity one step, ``lower`` words drop it one
    step, ``require`` (when non-empty) must have at least one word present
    or the hit is dropped, ``exclude`` words drop the hit.
    """

    window: int = 20
    raise_: tuple[str, ...] = ()
    lower: tuple[str, ...] = ()
    require: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Expected:
    """What a positive example gives: the matched text (``span``) and the finding's severity."""

    span: str
    severity: Severity


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    name: str
    category: str
    severity: Severity
    summary: str
    basis: str
    why: str = ""
    kind: str = "terms"
    terms: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    validator: str | None = None
    context: Context = field(default_factory=Context)
    allow: tuple[str, ...] = ()
    examples_match: tuple[str, ...] = ()
    examples_no_match: tuple[str, ...] = ()
    # what each positive example is expected to give (text -> Expected):
    # the span the finding covers and its severity, checked by tests/test_rule_examples.py
    examples_expected: Mapping[str, Expected] = field(default_factory=dict)
    enabled: bool = True
    weight: float = 1.0
    params: Mapping[str, Any] = field(default_factory=dict)
    origin: str = ""
    # what the unit's own regulation forbids here (cited with its configured
    # name and clause, see scanner.basis); ``basis`` already holds that citation
    unit_basis: str = ""


@cache
def retired_ids() -> Mapping[str, str]:
    """Rule ids no longer in use, with why (``lexicons/retired-ids.json``): a new rule never takes one.

    Reports, baselines and allow lists name findings by id, so an id that
    once meant one thing must not come back meaning another.
    """
    document = read_table(RETIRED_IDS, _RETIRED_FORMAT) or {}
    retired = document.get("retired") or []
    return {str(item["id"]): str(item.get("reason", "")) for item in retired if isinstance(item, dict) and "id" in item}



def parse_entry(entry: Any, where: str, origin: str) -> Rule:
    """One entry of a rule file checked and made a :class:`Rule`; ``where`` names it in errors.

    Raises :class:`CatalogueError` naming ``where`` and what is wrong.
    """
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: a rule must be a mapping")
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise CatalogueError(f"{where}: bad or missing id {rule_id!r} (letters then digits, e.g. SC101)")
    where = f"{where} ({rule_id})"
    unknown = set(entry) - _KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("name", "category", "severity", "summary", "basis"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise CatalogueError(f"{where}: '{key}' is required")
    if entry["category"] not in CATEGORIES:
        raise CatalogueError(f"{where}: unknown category {entry['category']!r}")
    kind = entry.get("kind", "terms")
    if kind not in _KINDS:
        raise CatalogueError(f"{where}: unknown kind {kind!r} (one of {', '.join(_KINDS)})")
    terms = _strings(entry.get("terms"), where, "terms")
    pattern = None
    if entry.get("pattern") is not None:
        try:
            pattern = re.compile(str(entry["pattern"]))
        except re.error as error:
            raise CatalogueError(f"{where}: bad pattern: {error}") from error
    if kind == "terms" and not terms:
        raise CatalogueError(f"{where}: a terms rule needs 'terms'")
    if kind == "pattern" and pattern is None:
        raise CatalogueError(f"{where}: a pattern rule needs 'pattern'")
    validator = entry.get("validator")
    if validator is not None:
        from scanner.validators import VALIDATORS

        if validator not in VALIDATORS:
            raise CatalogueError(f"{where}: unknown validator {validator!r}")
    examples = entry.get("examples") or {}
    if not isinstance(examples, dict) or set(examples) - {"match", "no_match"}:
        raise CatalogueError(f"{where}: 'examples' takes 'match' and 'no_match' lists")
    matches = _match_examples(examples.get("match"), where)
    weight = entry.get("weight", 1.0)
    if not isinstance(weight, int | float) or not 0 <= weight <= 1:
        raise CatalogueError(f"{where}: 'weight' must be a number in [0, 1]")
    params = entry.get("params") or {}
    if not isinstance(params, dict):
        raise CatalogueError(f"{where}: 'params' must be a mapping")
    problem = params_problem(kind, params)
    if problem is not None:
        raise CatalogueError(f"{where}: {problem}")
    if rule_id in retired_ids():
        raise CatalogueError(f"{where}: rule id {rule_id} is retired ({retired_ids()[rule_id]}); ids are never reused, pick a new one")
    return Rule(
        id=rule_id,
        name=entry["name"],
        category=entry["category"],
        severity=severity_of(entry["severity"], where),
        summary=entry["summary"].strip(),
        basis=entry["basis"].strip(),
        why=str(entry.get("why") or "").strip(),
        kind=kind,
        terms=terms,
        pattern=pattern,
        validator=validator,
        context=_context(entry.get("context"), where),
        allow=_strings(entry.get("allow"), where, "allow"),
        examples_match=tuple(text for text, _ in matches),
        examples_expected={text: expected for text, expected in matches if expected is not None},
        examples_no_match=_strings(examples.get("no_match"), where, "examples.no_match"),
        enabled=bool(entry.get("enabled", True)),
        weight=float(weight),
        params=params,
        origin=origin,
        unit_basis=_unit_basis(entry.get("unit_basis"), where),
    )


def _match_examples(value: Any, where: str) -> list[tuple[str, Expected | None]]:
    """``examples.match``: each a text, or ``{text, span, severity}`` saying what the text must give."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise CatalogueError(f"{where}: 'examples.match' must be a list")
    examples: list[tuple[str, Expected | None]] = []
    for item in value:
        if isinstance(item, str) and item:
            examples.append((item, None))
            continue
        if not isinstance(item, dict) or set(item) != {"text", "span", "severity"}:
            raise CatalogueError(f"{where}: an example is a text or a mapping of text, span and severity")
        text, span = item["text"], item["span"]
        if not (isinstance(text, str) and isinstance(span, str) and text and span and span in text):
            raise CatalogueError(f"{where}: example span {span!r} must be part of its text {text!r}")
        examples.append((text, Expected(span=span, severity=severity_of(item["severity"], where))))
    return examples


def _unit_basis(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: 'unit_basis' must be text (what the unit's regulation forbids)")
    return value.strip()


def severity_of(value: Any, where: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise CatalogueError(f"{where}: unknown severity {value!r} (block, review or info)") from None


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise CatalogueError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(value)


def _context(value: Any, where: str) -> Context:
    if value is None:
        return Context()
    if not isinstance(value, dict) or set(value) - _CONTEXT_KEYS:
        raise CatalogueError(f"{where}: 'context' takes {sorted(_CONTEXT_KEYS)}")
    window = value.get("window", 20)
    if not isinstance(window, int) or not 0 < window <= 500:
        raise CatalogueError(f"{where}: context window must be 1..500 characters")
    return Context(
        window=window,
        raise_=_strings(value.get("raise"), where, "context.raise"),
        lower=_strings(value.get("lower"), where, "context.lower"),
        require=_strings(value.get("require"), where, "context.require"),
        exclude=_strings(value.get("exclude"), where, "context.exclude"),
    )
