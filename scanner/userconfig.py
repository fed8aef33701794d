"""The unit's own lists: ``.secscan.yaml`` in the working directory (or ``--config``).

A unit adds its own lexicons, turns rules off, re-weights them and allows
phrases it has judged fine to publish::

    lexicons: [our-projects.yaml]      # same format as lexicons/*.yaml, relative to this file
    disable: [SC404]                    # rule ids
    severity: {SC405: block}            # rule id -> block | review | info
    category: {UW123: personal-info}    # rule id -> category (a word list of names, say)
    allow: [城南快速路二期工程标底编制说明]  # phrases that suppress any hit they contain
    review_threshold: 0.8               # the residual-risk model's threshold
    baseline: .secscan-baseline.json    # accepted findings (see scanner.baseline), relative
    unit_rule:                          # the unit's own regulation, cited by findings (scanner.basis)
      name: 某局互联网发布信息保密管理制度
      clause: 第六条
      clauses: {IM001: 第六条第（三）项}

The result is plain data: the pipeline passes ``lexicons``, ``disabled`` and
``severities`` to :func:`scanner.catalogue.load_catalogue` and ``allow`` to
:class:`scanner.match.Matcher`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.basis import UnitRule, UnitRuleError
from scanner.userfiles import UserFileError, load_yaml, read_user_file

CONFIG_NAMES = (".secscan.yaml", ".secscan.yml", "secscan.yaml", "secscan.yml")
_KEYS = {"lexicons", "disable", "severity", "category", "allow", "review_threshold", "baseline", "unit_rule"}
_SEVERITIES = ("block", "review", "info")


class ConfigError(ValueError):
    """The user's configuration file is malformed; the message names the file."""


@dataclass(frozen=True, kw_only=True)
class UserConfig:
    """What a unit's configuration file says; empty when there is none."""

    path: Path | None = None
    lexicons: tuple[Path, ...] = ()
    disabled: tuple[str, ...] = ()
    severities: Mapping[str, str] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)  # rule id -> category (a word list's, say)
    allow: tuple[str, ...] = ()
    review_threshold: float | None = None
    baseline: Path | None = None
    unit_rule: UnitRule | None = None


def find_config(cwd: Path) -> Path | None:
    """The first of :data:`CONFIG_NAMES` that exists in ``cwd``."""
    for name in CONFIG_NAMES:
        candidate = cwd / name
        if candidate.is_file():
            return candidate
    return None


def load_user_config(path: Path | None, cwd: Path) -> UserConfig:
    """Read ``path`` (from ``--config``) or the config found in ``cwd``.

    No file and no ``path`` gives an empty :class:`UserConfig`.  Raises
    :class:`ConfigError` naming the file when it cannot be read (not a
    regular file, over :data:`~scanner.userfiles.MAX_USER_FILE_BYTES`), is
    not YAML or uses YAML aliases, has unknown keys or wrong types, or names
    a lexicon file that does not exist.
    """
    if path is None:
        path = find_config(cwd)
        if path is None:
            return UserConfig()
    try:
        raw = read_user_file(path, what="配置文件 / configuration").decode("utf-8")
        data = load_yaml(raw, str(path))
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: cannot read configuration ({error})") from error
    except UserFileError as error:
        raise ConfigError(str(error)) from error
    if data is None:
        return UserConfig(path=path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown settings {sorted(unknown)} (known: {', '.join(sorted(_KEYS))})")
    base = path.parent
    lexicons = tuple(base / name for name in _strings(data, "lexicons", path))
    for lexicon in lexicons:
        if not lexicon.is_file():
            raise ConfigError(f"{path}: lexicon file {lexicon} does not exist")
    return UserConfig(
        path=path,
        lexicons=lexicons,
        disabled=_strings(data, "disable", path),
        severities=_severities(data.get("severity"), path),
        categories=_categories(data.get("category"), path),
        allow=_strings(data, "allow", path),
        review_threshold=_threshold(data.get("review_threshold"), path),
        baseline=_baseline(data.get("baseline"), base, path),
        unit_rule=_unit_rule(data.get("unit_rule"), path),
    )


def _unit_rule(value: Any, path: Path) -> UnitRule | None:
    if value is None:
        return None
    try:
        return UnitRule.from_config(value, str(path))
    except UnitRuleError as error:
        raise ConfigError(str(error)) from error


def _strings(data: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ConfigError(f"{path}: '{key}' must be a list of non-empty strings")
    return tuple(item.strip() for item in value)


def _severities(value: Any, path: Path) -> dict[str, str]:
    return _by_rule(value, path, "severity", _SEVERITIES)


def _categories(value: Any, path: Path) -> dict[str, str]:
    from scanner.types import CATEGORIES

    return _by_rule(value, path, "category", CATEGORIES)


def _by_rule(value: Any, path: Path, key: str, allowed: Iterable[str]) -> dict[str, str]:
    """A ``rule id -> value`` mapping of the config (``severity``, ``category``), each value one of ``allowed``."""
    if value is None:
        return {}
    choices = ", ".join(allowed)
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: '{key}' must map rule ids to one of {choices}")
    for rule_id, item in value.items():
        if not isinstance(rule_id, str) or item not in allowed:
            raise ConfigError(f"{path}: {key} of {rule_id!r} must be one of {choices}, not {item!r}")
    return dict(value)


def _threshold(value: Any, path: Path) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{path}: 'review_threshold' must be a number between 0 and 1")
    return float(value)


def _baseline(value: Any, base: Path, path: Path) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: 'baseline' must be a file path")
    return base / value
