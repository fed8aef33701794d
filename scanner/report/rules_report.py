"""The rule catalogue for people (``secscan rules``, ``scan --list-rules``) and for tools (``--format json``).

Everything comes from the catalogue (``lexicons/``): nothing about a rule is
written twice.
"""

from __future__ import annotations

import json
import re

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


def render_rules_markdown(catalogue: Catalogue) -> str:
    """The rule reference (``docs/rules.md``): a section per family file, a block per rule with its examples.

    Written by ``scripts/build_tables.py`` from the shipped catalogue, so the
    documentation is the data; a test fails when it is stale.
    """
    by_file: dict[str, list[str]] = {}
    for rule_id in sorted(catalogue.rules):
        by_file.setdefault(rule_id_origin(catalogue, rule_id), []).append(rule_id)
    out = [
        "# 规则一览 (rule reference)\n\n",
        "Generated from `lexicons/*.yaml` by `python scripts/build_tables.py`; do not edit by hand.\n",
        f"{len(catalogue.rules)} rules. `secscan rules` prints the same list for the rules in force.\n",
    ]
    for origin in sorted(by_file):
        out.append(f"\n## `lexicons/{origin}`\n")
        for rule_id in by_file[origin]:
            rule = catalogue.rules[rule_id]
            out.append(
                f"\n### {rule.id} {rule.name}\n\n"
                f"- 类别：{category_label(rule.category)}（`{rule.category}`）；严重程度：{SEVERITY_LABELS[rule.severity]}"
                f"（`{rule.severity.value}`）；类型：`{rule.kind}`{'' if rule.enabled else '；默认停用'}\n"
                f"- 说明：{rule.summary}\n"
                f"- 依据：{rule.basis}\n"
            )
            if rule.why:
                out.append(f"\n{_unfolded(rule.why)}\n")
            for text in rule.examples_match:
                expected = rule.examples_expected.get(text)
                gives = f" → `{_md(expected.span)}`（{SEVERITY_LABELS[expected.severity]}）" if expected else ""
                out.append(f"\n- 命中示例：`{_md(text)}`{gives}")
            for text in rule.examples_no_match:
                out.append(f"\n- 不命中示例：`{_md(text)}`")
            if rule.examples_match or rule.examples_no_match:
                out.append("\n")
    return "".join(out)


def rule_id_origin(catalogue: Catalogue, rule_id: str) -> str:
    """The name of the file that defined the rule."""
    origin = catalogue.rules[rule_id].origin
    return origin.replace("\\", "/").rsplit("/", 1)[-1]


def _unfolded(text: str) -> str:
    """``text`` without the spaces YAML's folded style leaves where a Chinese line was broken."""
    return re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=[\u3000-\u9fff\uff00-\uffef])", "", text)


def _md(text: str) -> str:
    """``text`` on one line inside a code span: line breaks shown as ⏎, backticks kept apart."""
    return text.replace("\n", "⏎").replace("`", "ˋ")
