"""The rule catalogue: every rule the scanner can report, loaded from data.

Rules live in YAML files under ``lexicons/`` (shipped as package data) and
in files a user adds with ``--lexicon``.  This module is the one place that
registers a rule; code elsewhere looks rules up by id, or by the notice kind
or role a rule is raised for (:mod:`scanner.roles`).  Loading validates
every entry (:mod:`scanner.rule_entry`, one entry at a time) and names the
file and entry on any error.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lexicons import read_table, table_bytes
from scanner.basis import UnitRule, cite
from scanner.rule_entry import (
    RETIRED_IDS,
    CatalogueError,
    Context,
    Expected,
    Rule,
    parse_entry,
    retired_ids,
    severity_of,
)
from scanner.types import CATEGORIES
from scanner.userfiles import UserFileError, load_yaml, read_user_file

# the rule's value types live in scanner.rule_entry; callers import them from here
__all__ = [
    "PARSED_RULES", "RETIRED_IDS", "Catalogue", "CatalogueError", "Context", "Expected", "Rule", "builtin_files",
    "load_catalogue", "parse_rule_file", "parsed_rules_document", "raised_ids", "retired_ids",
]

if TYPE_CHECKING:
    from scanner.lexicon_cache import CompiledStore

# the params keys that say what code raises a rule for (scanner.roles)
_RAISED_FOR = ("notice", "role")

# The shipped rule files parsed beforehand, with the hash of each file's
# bytes: a cold ``scan`` takes a file's data from here when the hash
# matches and never imports PyYAML (importing and parsing it was a tenth
# of a cold start).  A file edited since falls back to its YAML;
# tests/test_catalogue.py fails until ``python scripts/build_tables.py``
# is run again.
PARSED_RULES = "parsed-rules.json"
_PARSED_FORMAT = 1


@dataclass(frozen=True)
class Catalogue:
    """All rules by id, plus the hash of the data they were loaded from."""

    rules: Mapping[str, Rule]
    digest: str
    # ids of the built-in rules (the rest come from the user's files)
    shipped: frozenset[str] = field(default=frozenset(), compare=False)
    # enabled() by kind: the markings ask for each document with a trigger
    _enabled: dict[str | None, tuple[Rule, ...]] = field(default_factory=dict, init=False, compare=False, repr=False)
    # rules by what code raises them for: {"notice": {kind: rule}, "role": {role: rule}} (scanner.roles)
    _raised_for: dict[str, dict[str, Rule]] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __getitem__(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def for_notice(self, kind: str) -> Rule:
        """The rule raised for an extractor's notice of ``kind`` (a :class:`scanner.roles.NoticeKind`).

        Raises :class:`CatalogueError` when no rule names that kind (only a
        catalogue loaded without the shipped rules can lack one).
        """
        rule = self.raised_for("notice").get(kind)
        if rule is None:
            raise CatalogueError(f"no rule in the catalogue has params.notice: {kind}")
        return rule

    def for_role(self, role: str) -> Rule:
        """The rule that plays ``role`` (a :class:`scanner.roles.Role`); raises :class:`CatalogueError` as :meth:`for_notice`."""
        rule = self.raised_for("role").get(role)
        if rule is None:
            raise CatalogueError(f"no rule in the catalogue has params.role: {role}")
        return rule

    def raised_for(self, key: str) -> Mapping[str, Rule]:
        """The rules by the value of their ``params.<key>`` (``notice`` or ``role``), for callers that look up
        several at once (the marking grammar, once per document)."""
        found = self._raised_for.get(key)
        if found is None:
            ids = raised_ids(self.rules.values())
            found = self._raised_for[key] = {value: self.rules[rule_id] for (of, value), rule_id in ids.items() if of == key}
        return found

    def enabled(self, kind: str | None = None) -> list[Rule]:
        rules = self._enabled.get(kind)
        if rules is None:
            rules = self._enabled[kind] = tuple(
                rule for rule in self.rules.values() if rule.enabled and (kind is None or rule.kind == kind)
            )
        return list(rules)

    def by_category(self, category: str) -> list[Rule]:
        return [rule for rule in self.rules.values() if rule.category == category]


def raised_ids(rules: Iterable[Rule]) -> dict[tuple[str, str], str]:
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
    raised: dict[tuple[str, str], str] = {}  # see raised_ids
    digest = hashlib.sha256()
    for index, path in enumerate([*shipped, *(Path(path) for path in extra_files)]):
        is_shipped = index < len(shipped)
        raw = _rule_file_bytes(path, shipped=is_shipped)
        _hash_rule_file(digest, path, raw)
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
        rules[rule_id] = replace(rules[rule_id], severity=severity_of(severity, f"rule {rule_id}"))
    for rule_id, category in (categories or {}).items():
        if rule_id not in rules:
            raise CatalogueError(f"cannot re-file unknown rule {rule_id}")
        if category not in CATEGORIES:
            raise CatalogueError(f"rule {rule_id}: unknown category {category!r} (one of {', '.join(CATEGORIES)})")
        rules[rule_id] = replace(rules[rule_id], category=category)
    for rule_id, rule in rules.items():
        if rule.unit_basis:
            rules[rule_id] = replace(rule, basis=cite(rule.basis, rule.unit_basis, rule_id, unit_rule))
    _configured(digest, disabled=disabled, severities=severities, categories=categories, unit_rule=unit_rule)
    return Catalogue(rules=rules, digest=digest.hexdigest()[:16], shipped=frozenset(shipped_ids))


def catalogue_digest(
    extra_files: Iterable[Path] = (),
    *,
    disabled: Iterable[str] = (),
    severities: Mapping[str, str] | None = None,
    categories: Mapping[str, str] | None = None,
    unit_rule: UnitRule | None = None,
) -> str:
    """The :attr:`Catalogue.digest` that :func:`load_catalogue` would give for these arguments, from the files' bytes.

    A batch whose every file is in the result cache needs only this digest
    (it is in the cache key): reading the rule files is a fraction of
    parsing and checking them, and the rules are not needed.  Whatever
    changes the catalogue changes this digest, since it hashes the same
    bytes and configuration the same way.  Does not check the rules (a
    cached result under this digest was made by a run whose catalogue
    loaded).  Raises :class:`CatalogueError` when a file cannot be read.
    """
    digest = hashlib.sha256()
    for path in builtin_files():
        _hash_rule_file(digest, path, _rule_file_bytes(path, shipped=True))
    for path in (Path(name) for name in extra_files):
        _hash_rule_file(digest, path, _rule_file_bytes(path, shipped=False))
    _configured(digest, disabled=tuple(disabled), severities=severities, categories=categories, unit_rule=unit_rule)
    return digest.hexdigest()[:16]


def _hash_rule_file(digest: Any, path: Path, raw: bytes) -> None:
    """What a rule file adds to the catalogue's digest (one place: the cache key is built from these)."""
    digest.update(path.name.encode() + b"\0" + raw + b"\0")


def _rule_file_bytes(path: Path, *, shipped: bool) -> bytes:
    """A rule file's bytes: a user's read as a regular file of bounded size.  Raises :class:`CatalogueError`."""
    try:
        return path.read_bytes() if shipped else read_user_file(path, what="规则文件 / rule file")
    except OSError as error:
        raise CatalogueError(f"{path}: cannot read rule file ({error.strerror})") from error
    except UserFileError as error:
        raise CatalogueError(str(error)) from error


def _configured(digest: hashlib._Hash, *, disabled: tuple[str, ...], severities: Mapping[str, str] | None,
                categories: Mapping[str, str] | None, unit_rule: UnitRule | None) -> None:
    """Fold the configuration into ``digest`` after the files' bytes.

    The digest names the catalogue in force, as configured: a report says
    what checked it, and a cached result never outlives a configuration.
    """
    disabled_ids = sorted(set(disabled))
    if disabled_ids:
        digest.update(b"disable\0" + ",".join(disabled_ids).encode() + b"\0")
    if severities:
        digest.update(b"severity\0" + json.dumps(sorted(severities.items())).encode() + b"\0")
    if categories:
        digest.update(b"category\0" + json.dumps(sorted(categories.items())).encode() + b"\0")
    if unit_rule is not None:
        digest.update(b"unit_rule\0" + unit_rule.key().encode())


def _check_raised_for(
    rule: Rule, entry: int, raw: bytes, rules: Mapping[str, Rule], raised: dict[tuple[str, str], str]
) -> None:
    """Record what ``rule`` (entry ``entry`` of its file) is raised for; a kind or role taken twice is an error."""
    for key, rule_id in raised_ids([rule]).items():
        taken = raised.setdefault(key, rule_id)
        if taken != rule_id:
            line = _entry_line(raw, entry)
            raise CatalogueError(
                f"{rule.origin}:{line + ':' if line else ''} rule {rule_id}: params.{key[0]}: {key[1]} is already "
                f"given to rule {taken} ({rules[taken].origin}); each is raised for exactly one rule"
            )


def _check_all_raised(raised: Mapping[tuple[str, str], str]) -> None:
    """Every notice kind and role code uses has its rule (shipped rule files that lost one are refused)."""
    from scanner.roles import NOTICE_KINDS, ROLES

    missing = [f"params.notice: {kind}" for kind in NOTICE_KINDS if ("notice", kind) not in raised]
    missing += [f"params.role: {role}" for role in ROLES if ("role", role) not in raised]
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
            rules.append(parse_entry(entry, f"{origin}: rules[{index}]", origin))
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


