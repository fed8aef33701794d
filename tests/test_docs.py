"""The documents that describe the code stay true: every module is in docs/design.md."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESIGN = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
ROWS = [line for line in DESIGN.splitlines() if line.startswith("| `")]


def described(module: Path) -> bool:
    """True when design.md's module table names ``module``: by its path, or in the row of its folder."""
    path = module.relative_to(ROOT).as_posix()
    if f"`{path}`" in DESIGN:
        return True
    folder = module.parent.relative_to(ROOT).as_posix()
    for row in ROWS:
        head = row.split("|")[1]
        if f"`{folder}/" not in head:
            continue
        if module.name == "__init__.py" or f"`{module.name}`" in row or f"`{module.stem}`" in row:
            return True
    return False


def test_docs_design_lists_every_module() -> None:
    modules = [
        path for path in sorted((ROOT / "scanner").rglob("*.py"))
        if "__pycache__" not in path.parts and "migrations" not in path.parts
    ]
    missing = [path.relative_to(ROOT).as_posix() for path in modules if not described(path)]
    assert not missing, f"add these modules to the table in docs/design.md: {missing}"
