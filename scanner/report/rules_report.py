"""The rule catalogue for people (``secscan rules``, ``scan --list-rules``) and for tools (``--format json``).

Everything comes from the catalogue (``lexicons/``): nothing about a rule is
written twice.
"""

from __future__ import annotations

import json

from scanner.catalogue import Catalogue
from scanner.report.common import SEVERITY_LABELS, category_label, terminal_safe


def render_rules(catalogue: Catalogue) -> str:
    """One block per rule, sorted by id: id, category, severity (and 已停用), summary, basis."""
    blocks = []
    for rule_id in sorted(catalogue.rules):
        rule = catalogue.rules[rule_id]
        state = "" if rule.enabled else "（已停用）"
        blocks.append(
            f"{rule.id}  [{SEVERITY_LABELS[rule.severity]}] {category_label(rule.category)}{state}\n"
            f"    {terminal_safe(rule.summary)}\n"
            f"    依据：{terminal_safe(rule.basis) or '-'}\n"
        )
    blocks.append(f"共 {len(catalogue.rules)} 条规则（规则库 {catalogue.digest}）\n")
    return "".join(blocks)


def render_rules_json(catalogue: Catalogue) -> str:
    rules = [
        {
            "id": rule.id,
            "name": rule.name,
            "category": rule.category,
            "severity": rule.severity.value,
            "summary": rule.summary,
            "basis": rule.basis,
            "enabled": rule.enabled,
        }
        for rule in (catalogue.rules[rule_id] for rule_id in sorted(catalogue.rules))
    ]
    return json.dumps({"catalogue": catalogue.digest, "rules": rules}, ensure_ascii=False, indent=2) + "\n"
