"""The legal basis a finding cites, in the words a reader outside this project knows.

A rule's ``basis`` names laws and regulations with their articles
(《中华人民共和国保守国家秘密法》第三十五条 …).  Where a rule also rests on
the unit's own regulation (an 互联网信息发布保密管理制度: what may never go
online), its ``unit_basis`` says what that regulation forbids; the unit sets
the regulation's name and clause in its configuration (``unit_rule`` in
``.secscan.yaml``, see :mod:`scanner.userconfig`).  Without one the citation
is a generic wording, plainly marked as a unit rule and not a law.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_UNIT_RULE_NAME = "本单位互联网信息发布保密管理制度"
UNIT_RULE_MARK = "单位规定"


class UnitRuleError(ValueError):
    """The configured unit regulation is malformed."""


@dataclass(frozen=True, kw_only=True)
class UnitRule:
    """The unit's own regulation: its name, the clause cited by default, and clauses by rule id."""

    name: str = DEFAULT_UNIT_RULE_NAME
    clause: str = ""
    clauses: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_config(cls, value: object, where: str) -> UnitRule:
        """Read ``{name: …, clause: …, clauses: {RULE_ID: …}}``; raises :class:`UnitRuleError` naming ``where``."""
        if not isinstance(value, Mapping):
            raise UnitRuleError(f"{where}: 'unit_rule' must be a mapping with 'name', 'clause' and 'clauses'")
        unknown = set(value) - {"name", "clause", "clauses"}
        if unknown:
            raise UnitRuleError(f"{where}: unknown keys in 'unit_rule': {sorted(unknown)}")
        name = value.get("name", DEFAULT_UNIT_RULE_NAME)
        clause = value.get("clause", "")
        clauses = value.get("clauses") or {}
        if not isinstance(name, str) or not name.strip():
            raise UnitRuleError(f"{where}: 'unit_rule.name' must be the regulation's name")
        if not isinstance(clause, str):
            raise UnitRuleError(f"{where}: 'unit_rule.clause' must be text such as 第六条")
        if not isinstance(clauses, Mapping) or not all(
            isinstance(key, str) and isinstance(item, str) for key, item in clauses.items()
        ):
            raise UnitRuleError(f"{where}: 'unit_rule.clauses' must map rule ids to clauses (IM001: 第六条第（三）项)")
        return cls(
            name=name.strip(),
            clause=clause.strip(),
            clauses=tuple(sorted((key.strip(), item.strip()) for key, item in clauses.items())),
        )

    def key(self) -> str:
        """A stable text for the catalogue's digest (a cached result must not outlive a renamed regulation)."""
        return "\0".join([self.name, self.clause, *(f"{key}={item}" for key, item in self.clauses)])


DEFAULT_UNIT_RULE = UnitRule()


def cite(basis: str, unit_basis: str, rule_id: str, unit_rule: UnitRule | None = None) -> str:
    """``basis`` followed by the unit regulation's clause on ``unit_basis`` (when the rule has one)."""
    if not unit_basis:
        return basis
    rule = unit_rule or DEFAULT_UNIT_RULE
    name = rule.name if rule.name.startswith("《") else f"《{rule.name}》"
    if rule.name == DEFAULT_UNIT_RULE_NAME:
        name = rule.name  # a generic wording, not the title of a real document
    clause = dict(rule.clauses).get(rule_id, rule.clause)
    unit = f"{name}{clause}（{UNIT_RULE_MARK}）：{unit_basis}"
    return f"{basis}；{unit}" if basis else unit
