"""The rule catalogue: every rule the scanner can report, loaded from data.

Rules live in YAML files under ``lexicons/`` (shipped as package data) and
in files a user adds with ``--lexicon``.  This module is the one place that
registers a rule; code elsewhere looks rules up by id.  Loading validates
every entry and names the file and entry on any error.

A rule file looks like::

    family: bidding            # free text, groups rules in docs
    rules:
      - id: SC101              # prefix + digits, never reused
        name: tender-base-price
        category: sensitive-content
        severity: review       # block | review | info
        summary: 标底            # the one-line Chinese explanation
        basis: 《政府信息公开条例》第十四条
        why: longer explanation for the rule docs
        kind: terms            # terms | pattern | marking | builtin
        terms: [标底]
        pattern: null          # a Python regex (kind: pattern)
        validator: null        # a name from scanner.validators
        context: {window: 20, raise: [], lower: [], require: []}
        allow: []              # phrases that, when they contain a hit, suppress it
        examples: {match: [], no_match: []}
        enabled: true
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lexicons import read_table, table_bytes
from scanner.basis import UnitRule, cite
from scanner.rule_schema import params_problem
from scanner.types import CATEGORIES, Severity
from scanner.userfiles import UserFileError, load_yaml, read_user_file

if TYPE_CHECKING:
    from scanner.lexicon_cache import CompiledStore

_ID = re.compile(r"^[A-Z]{2,4}\d{3,4}$")
_KINDS = ("terms", "pattern", "marking", "builtin")
_KEYS = {
    "id", "name", "category", "severity", "summary", "basis", "why", "kind", "terms",
    "pattern", "validator", "context", "allow", "examples", "enabled", "weight", "params",
    "unit_basis",
}
_CONTEXT_KEYS = {"window", "raise", "lower", "require", "exclude"}
# the params keys that say what code raises a rule for (scanner.roles)
_RAISED_FOR = ("notice", "role")

# The shipped rule files parsed beforehand, with the hash of each file's
# bytes: a cold ``scan`` takes a file's data from here when the hash
# matches and never imports PyYAML (its import and parse were 45 ms of a
# 0.4 s start).  A file edited since falls back to its YAML;
# tests/test_catalogue.py fails until ``python scripts/build_tables.py``
# is run again.
PARSED_RULES = "parsed-rules.json"
_PARSED_FORMAT = 1
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


@dataclass(frozen=True)
class Catalogue:
    """All rules by id, plus the hash of the data they were loaded from."""

    rules: Mapping[str, Rule]
    digest: str
    # ids of the built-in rules (the rest come from the user's files)
    shipped: frozenset[str] = field(default=frozenset(), compare=False)
    # enabled() by kind: the markings ask for each document with a trigger
    _enabled: dict[str | None, tuple[Rule, ...]] = field(default_factory=dict, init=False, compare=False, repr=False)
    # rule ids by (params key, value): ("notice", kind) and ("role", role), see scanner.roles
    _raised_for: dict[tuple[str, str], str] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __getitem__(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def for_notice(self, kind: str) -> Rule:
        """The rule raised for an extractor's notice of ``kind`` (a :class:`scanner.roles.NoticeKind`).

        Raises :class:`CatalogueError` when no rule names that kind (only a
        catalogue loaded without the shipped rules can lack one).
        """
        return self._raised("notice", kind)

    def for_role(self, role: str) -> Rule:
        """The rule that plays ``role`` (a :class:`scanner.roles.Role`); raises :class:`CatalogueError` as :meth:`for_notice`."""
        return self._raised("role", role)

    def _raised(self, key: str, value: str) -> Rule:
        if not self._raised_for:
            self._raised_for.update(raised_for(self.rules.values()))
        rule_id = self._raised_for.get((key, value))
        if rule_id is None:
            raise CatalogueError(f"no rule in the catalogue has params.{key}: {value}")
        return self.rules[rule_id]

    def enabled(self, kind: str | None = None) -> list[Rule]:
        rules = self._enabled.get(kind)
        if rules is None:
            rules = self._enabled[kind] = tuple(
                rule for rule in self.rules.values() if rule.enabled and (kind is None or rule.kind == kind)
            )
        return list(rules)

    def by_category(self, category: str) -> list[Rule]:
        return [rule for rule in self.rules.values() if rule.category == category]


def raised_for(rules: Iterable[Rule]) -> dict[tuple[str, str], str]:
    """Rule ids by what code raises them for: ``("notice", kind)`` and ``("role", role)`` from their ``params``."""
    return {
        (key, str(rule.params[key])): rule.id
        for rule in rules
        for key in _RAISED_FOR
        if key in rule.params
    }


def builtin_files() -> list[Path]:
    """The rule files shipped with the package, sorted by name."""
    root = resources.files("lexicons")
    return sorted(
        (Path(str(entry)) for entry in root.iterdir() if entry.name.endswith((".yaml", ".yml"))),
        key=lambda path: path.name,
    )


def load_catalogue(
    extra_files: Iterable[Path] = (),
    *,
    disabled: Iterable[str] = (),
    severities: Mapping[str, str] | None = None,
    categories: Mapping[str, str] | None = None,
    builtin: bool = True,
    unit_rule: UnitRule | None = None,
    store: CompiledStore | None = None,
) -> Catalogue:
    """Load the built-in rules plus ``extra_files``.

    ``disabled`` turns rules off by id; ``severities`` re-weights rules
    (id -> block/review/info); ``categories`` files rules under another
    category (id -> category: a unit's word list of names is
    ``personal-info``); ``unit_rule`` names the unit's own
    regulation that rules with a ``unit_basis`` cite.  No two files may
    define the same id: a user's file that reuses a built-in id is refused
    (built-in rules are changed with ``disabled`` and ``severities``).  User
    files are read with :func:`scanner.userfiles.read_user_file` (regular
    files only, size-capped) and parsed without YAML aliases; with a
    ``store`` their parsed data is kept by content hash
    (:mod:`scanner.lexicon_cache`), so a large list is parsed once.

    Raises :class:`CatalogueError` naming the file and entry on bad data.
    """
    shipped = builtin_files() if builtin else []
    parsed = _parsed_rules() if shipped else {}
    rules: dict[str, Rule] = {}
    shipped_ids: set[str] = set()
    raised: dict[tuple[str, str], str] = {}  # see raised_for
    digest = hashlib.sha256()
    for index, path in enumerate([*shipped, *(Path(path) for path in extra_files)]):
        is_shipped = index < len(shipped)
        try:
            raw = path.read_bytes() if is_shipped else read_user_file(path, what="规则文件 / rule file")
        except OSError as error:
            raise CatalogueError(f"{path}: cannot read rule file ({error.strerror})") from error
        except UserFileError as error:
            raise CatalogueError(str(error)) from error
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
        data = _shipped_data(path, raw, parsed) if is_shipped else _user_data(raw, path, store)
        for entry, rule in enumerate(_rules_of(data, str(path), raw)):
            _check_raised_for(rule, entry, raw, rules, raised)
            previous = rules.get(rule.id)
            if previous is not None and rule.id in shipped_ids and not is_shipped:
                # A built-in rule is changed with the configuration's disable /
                # severity, never replaced wholesale by a user's file.
                raise CatalogueError(
                    f"{path}: 规则 {rule.id} 与内置规则重名，不能重新定义（要停用或调整内置规则，请在配置文件中用 "
                    f"disable / severity）/ rule {rule.id} redefines a built-in rule; use another id"
                )
            if previous is not None:
                raise CatalogueError(f"{path}: rule {rule.id} is already defined in {previous.origin}")
            if is_shipped:
                shipped_ids.add(rule.id)
            rules[rule.id] = rule
    if shipped:
        _check_all_raised(raised)
    disabled = tuple(disabled)
    for rule_id in disabled:
        if rule_id not in rules:
            raise CatalogueError(f"cannot disable unknown rule {rule_id}")
        rules[rule_id] = replace(rules[rule_id], enabled=False)
    for rule_id, severity in (severities or {}).items():
        if rule_id not in rules:
            raise CatalogueError(f"cannot re-weight unknown rule {rule_id}")
        rules[rule_id] = replace(rules[rule_id], severity=_severity(severity, f"rule {rule_id}"))
    for rule_id, category in (categories or {}).items():
        if rule_id not in rules:
            raise CatalogueError(f"cannot re-file unknown rule {rule_id}")
        if category not in CATEGORIES:
            raise CatalogueError(f"rule {rule_id}: unknown category {category!r} (one of {', '.join(CATEGORIES)})")
        rules[rule_id] = replace(rules[rule_id], category=category)
    for rule_id, rule in rules.items():
        if rule.unit_basis:
            rules[rule_id] = replace(rule, basis=cite(rule.basis, rule.unit_basis, rule_id, unit_rule))
    # The digest names the catalogue in force, as configured: a report says
    # what checked it, and a cached result never outlives a configuration.
    disabled_ids = sorted(set(disabled))
    if disabled_ids:
        digest.update(b"disable\0" + ",".join(disabled_ids).encode() + b"\0")
    if severities:
        digest.update(b"severity\0" + json.dumps(sorted(severities.items())).encode() + b"\0")
    if categories:
        digest.update(b"category\0" + json.dumps(sorted(categories.items())).encode() + b"\0")
    if unit_rule is not None:
        digest.update(b"unit_rule\0" + unit_rule.key().encode())
    return Catalogue(rules=rules, digest=digest.hexdigest()[:16], shipped=frozenset(shipped_ids))


def _check_raised_for(
    rule: Rule, entry: int, raw: bytes, rules: Mapping[str, Rule], raised: dict[tuple[str, str], str]
) -> None:
    """Record what ``rule`` (entry ``entry`` of its file) is raised for; a kind or role taken twice is an error."""
    for key, rule_id in raised_for([rule]).items():
        taken = raised.setdefault(key, rule_id)
        if taken != rule_id:
            line = _entry_line(raw, entry)
            raise CatalogueError(
                f"{rule.origin}:{line + ':' if line else ''} rule {rule_id}: params.{key[0]}: {key[1]} is already "
                f"given to rule {taken} ({rules[taken].origin}); each is raised for exactly one rule"
            )


def _check_all_raised(raised: Mapping[tuple[str, str], str]) -> None:
    """Every notice kind and role code uses has its rule (shipped rule files that lost one are refused)."""
    from scanner.roles import NoticeKind, Role

    missing = [f"params.notice: {kind}" for kind in NoticeKind if ("notice", str(kind)) not in raised]
    missing += [f"params.role: {role}" for role in Role if ("role", str(role)) not in raised]
    if missing:
        raise CatalogueError(f"no rule is raised for {', '.join(missing)} (see scanner/roles.py)")


def _user_data(raw: bytes, path: Path, store: CompiledStore | None) -> Any:
    """A user's rule file: YAML (with a ``store``, kept parsed by content hash), or a plain word list
    (``.txt``, see :mod:`scanner.wordlist`; its rule is named after the file, so it is made each time)."""
    from scanner.wordlist import WordListError, is_word_list, word_list_data

    if not is_word_list(path):
        return _yaml_user_data(raw, str(path), store)
    try:
        return word_list_data(raw, path)
    except WordListError as error:
        raise CatalogueError(str(error)) from error


def parse_rule_file(raw: bytes | str, *, origin: str) -> list[Rule]:
    """Parse and validate one YAML rule file."""
    return _rules_of(_yaml_data(raw, origin), origin, raw)


def _yaml_data(raw: bytes | str, origin: str) -> Any:
    """Safe YAML without aliases (:func:`scanner.userfiles.load_yaml`).  Raises :class:`CatalogueError`."""
    try:
        return load_yaml(raw, origin)
    except UserFileError as error:
        raise CatalogueError(str(error)) from error


def parsed_rules_document(paths: Iterable[Path]) -> bytes:
    """:data:`PARSED_RULES` for the rule files at ``paths`` (``scripts/build_tables.py`` writes it).

    Raises :class:`CatalogueError` for a file whose data JSON cannot carry
    unchanged (a date, a set, a key that is not a string).
    """
    files = {}
    for path in paths:
        raw = path.read_bytes()
        data = _yaml_data(raw, str(path))
        if _typed(json.loads(json.dumps(data, ensure_ascii=False))) != _typed(data):
            raise CatalogueError(f"{path}: its data does not survive JSON unchanged")
        files[path.name] = {"sha256": hashlib.sha256(raw).hexdigest(), "data": data}
    # keys in the files' own order: a rule's params keep the order written
    return table_bytes({"format": _PARSED_FORMAT, "files": files})


def _yaml_user_data(raw: bytes, origin: str, store: CompiledStore | None) -> Any:
    """A user file's parsed data: from ``store`` by content hash, else its YAML (then kept there).

    Only data that JSON carries unchanged is kept (as for :data:`PARSED_RULES`).
    """
    if store is None:
        return _yaml_data(raw, origin)

    parsed: list[Any] = []

    def parse() -> Any:
        data = _yaml_data(raw, origin)
        parsed.append(data)
        return {"data": data} if _typed(json.loads(json.dumps(data, ensure_ascii=False))) == _typed(data) else None

    from scanner.lexicon_cache import digest_of

    kept = store.value("rules", digest_of(f"rules-{_PARSED_FORMAT}", raw), parse)
    if isinstance(kept, dict) and "data" in kept:
        return kept["data"]
    return parsed[0] if parsed else _yaml_data(raw, origin)


def _typed(value: Any) -> Any:
    """``value`` with the type of every part spelled out, so 1, 1.0 and True compare unequal."""
    if isinstance(value, dict):
        return ("dict", [(_typed(key), _typed(item)) for key, item in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_typed(item) for item in value])
    return (type(value).__name__, value)


def _parsed_rules() -> dict[str, Any]:
    """The shipped files' parsed data by file name, from :data:`PARSED_RULES` ({} when missing or unreadable).

    Read again for each catalogue (2 ms), so no two catalogues share a
    mutable ``params`` mapping.
    """
    document = read_table(PARSED_RULES, _PARSED_FORMAT)
    files = document.get("files") if document is not None else None
    return files if isinstance(files, dict) else {}


def _shipped_data(path: Path, raw: bytes, parsed: Mapping[str, Any]) -> Any:
    """A shipped file's data: from ``parsed`` (:func:`_parsed_rules`) when it has this very file, else its YAML."""
    entry = parsed.get(path.name)
    if isinstance(entry, dict) and entry.get("sha256") == hashlib.sha256(raw).hexdigest():
        return entry.get("data")
    return _yaml_data(raw, str(path))


def _rules_of(data: Any, origin: str, raw: bytes | str | None = None) -> list[Rule]:
    """The rules of one file's data; ``raw``, the YAML they came from, lets an error name the entry's line."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise CatalogueError(f"{origin}: expected a mapping with a 'rules' list")
    rules = []
    for index, entry in enumerate(data["rules"]):
        try:
            rules.append(_parse_rule(entry, f"{origin}: rules[{index}]", origin))
        except CatalogueError as error:
            line = _entry_line(raw, index) if raw is not None else ""
            if not line:
                raise
            raise CatalogueError(str(error).replace(f"{origin}: ", f"{origin}:{line}: ", 1)) from error
    return rules


def _entry_line(raw: bytes | str, index: int) -> str:
    """The 1-based line where entry ``index`` of the file's ``rules`` list starts ("" when it cannot be told).

    Only called on an error: composing the node tree builds no objects and
    expands no aliases.
    """
    import yaml

    try:
        root = yaml.compose(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return ""
    if not isinstance(root, yaml.MappingNode):
        return ""
    for key, value in root.value:
        if getattr(key, "value", None) == "rules" and isinstance(value, yaml.SequenceNode) and index < len(value.value):
            return str(value.value[index].start_mark.line + 1)
    return ""


@cache
def retired_ids() -> Mapping[str, str]:
    """Rule ids no longer in use, with why (``lexicons/retired-ids.json``): a new rule never takes one.

    Reports, baselines and allow lists name findings by id, so an id that
    once meant one thing must not come back meaning another.
    """
    document = read_table(RETIRED_IDS, _RETIRED_FORMAT) or {}
    retired = document.get("retired") or []
    return {str(item["id"]): str(item.get("reason", "")) for item in retired if isinstance(item, dict) and "id" in item}


def _parse_rule(entry: Any, where: str, origin: str) -> Rule:
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
        severity=_severity(entry["severity"], where),
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
        examples.append((text, Expected(span=span, severity=_severity(item["severity"], where))))
    return examples


def _unit_basis(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: 'unit_basis' must be text (what the unit's regulation forbids)")
    return value.strip()


def _severity(value: Any, where: str) -> Severity:
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
