"""The code stays easy to change: no rule named by its id in code, no long module without a reason."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from scanner.catalogue import load_catalogue, retired_ids

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    [*(path for path in (ROOT / "scanner").rglob("*.py") if "__pycache__" not in path.parts), ROOT / "cli.py"]
)

# Rule ids that may stay in code, by file, with why.  Each is an example in a
# message that tells a user how to write their own data, not a rule code raises.
ALLOWED_IDS = {
    "scanner/rule_entry.py": {"SC101"},  # "bad or missing id ... (letters then digits, e.g. SC101)"
    "scanner/basis.py": {"IM001"},  # "'unit_rule.clauses' must map rule ids to clauses (IM001: 第六条第（三）项)"
}


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes (module, class, function): prose, which may cite a rule."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_no_rule_id_literal_in_the_code() -> None:
    # code finds a rule by the notice kind or role it is raised for
    # (scanner/roles.py, params.notice / params.role in lexicons/)
    ids = set(load_catalogue().rules) | set(retired_ids())
    word = re.compile(r"\b[A-Z]{2,4}\d{3,4}\b")
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        name = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                for rule_id in set(word.findall(node.value)) & ids - ALLOWED_IDS.get(name, set()):
                    found.append(f"{name}:{node.lineno}: {rule_id}")
    assert not found, f"name these rules by scanner.roles (NoticeKind, Role) instead: {found}"


def test_the_allowed_ids_are_still_there() -> None:
    # an allow-list entry nobody needs any more is removed, not kept "just in case"
    for name, allowed in ALLOWED_IDS.items():
        text = (ROOT / name).read_text(encoding="utf-8")
        assert all(rule_id in text for rule_id in allowed), name


LONG_MODULE_LINES = 520
LONG_REASON = "Why this module is long:"


def test_a_long_module_says_why_it_is_long() -> None:
    # past ~500 lines a module is split along a seam, or its docstring says
    # why it is not (a paragraph starting "Why this module is long:")
    unexplained = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= LONG_MODULE_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if not any(paragraph.startswith(LONG_REASON) for paragraph in docstring.split("\n\n")):
            unexplained.append(f"{path.relative_to(ROOT).as_posix()} ({text.count(chr(10))} lines)")
    assert not unexplained, f"split these modules, or say {LONG_REASON!r} in their docstring: {unexplained}"
