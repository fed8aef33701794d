"""The batch package is layered: ``task`` at the bottom, no import circle anywhere in the scanner.

Read from the source with :mod:`ast`, so a circle is found even where Python
would put up with it (a name looked up late) until someone moves a line.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "scanner"
# The order of scanner/batch/__init__.py's layout: each module may import only those before it.
LAYERS = ("task", "messages", "worker", "pool", "dask_engine", "journal", "stamps", "summary", "feeder", "sources", "run",
          "command")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, *, at_import_time: bool) -> set[str]:
    """The scanner modules ``name`` imports: those run when it is imported, or every one (functions too).

    ``from scanner.batch import task`` counts as ``scanner.batch.task``; an
    ``if TYPE_CHECKING:`` block never runs, so it never counts.
    """
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names if alias.name in MODULES)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    found.add(target if target in MODULES else base)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not at_import_time:
                    visit(node.body)
                continue
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    visit([child for child in children if isinstance(child, ast.stmt)] + [
                        statement for handler in children if isinstance(handler, ast.ExceptHandler)
                        for statement in handler.body
                    ])

    visit(tree.body)
    return {module for module in found if module in MODULES and module != name}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_graph_reader_sees_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    # and it reads this package's real imports
    assert "scanner.batch.task" in imports_of("scanner.batch.pool", at_import_time=True)
    assert "scanner.pipeline" in imports_of("scanner.batch.task", at_import_time=False)
    assert "scanner.pipeline" not in imports_of("scanner.batch.task", at_import_time=True)
    assert "scanner.batch.task" in imports_of("scanner.crawl", at_import_time=True)


def test_no_import_circle_in_the_scanner() -> None:
    graph = {name: imports_of(name, at_import_time=True) for name in MODULES}
    assert circles(graph) == []
    # Counting the imports inside functions too (the ones run late), none through batch, crawl or pipeline:
    # batch <-> crawl <-> distributed was such a circle, resolved only because each side imported late.
    everything = {name: imports_of(name, at_import_time=False) for name in MODULES}
    batch_side = ("scanner.batch", "scanner.crawl", "scanner.pipeline", "scanner.settings", "scanner.warc",
                  "scanner.cache", "scanner.inputs")
    assert [circle for circle in circles(everything) if any(m.startswith(batch_side) for m in circle)] == []


def test_batch_modules_import_only_the_layers_below_them() -> None:
    batch = [f"scanner.batch.{layer}" for layer in LAYERS]
    assert sorted(batch) == sorted(name for name in MODULES if name.startswith("scanner.batch."))
    for position, name in enumerate(batch):
        above = set(batch[position + 1:]) | {"scanner.batch"}
        wrong = imports_of(name, at_import_time=False) & above
        assert not wrong, f"{name} imports {sorted(wrong)}, above it in the package"
    # the bottom imports nothing of the package at all, not even inside a function
    assert not {m for m in imports_of("scanner.batch.task", at_import_time=False) if m.startswith("scanner.batch")}
    # and the package's __init__ imports nothing when it runs (its names load on first use)
    assert imports_of("scanner.batch", at_import_time=True) == set()


@pytest.mark.parametrize("name", [*sorted(name for name in MODULES if name.startswith("scanner.batch")),
                                  "scanner.settings", "scanner.pipeline", "scanner.crawl"])
def test_each_module_imports_on_its_own_in_a_fresh_interpreter(name: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def test_single_file_scanning_does_not_load_the_worker_machinery() -> None:
    code = ("import sys, scanner.pipeline; "
            "print(sorted(m for m in sys.modules if m.startswith('scanner.batch') or m == 'multiprocessing'))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_old_names_still_import_from_the_package() -> None:
    import scanner.batch as batch
    from scanner.batch.pool import WorkerPool
    from scanner.batch.task import SettingsSpec

    assert batch.WorkerPool is WorkerPool and batch.SettingsSpec is SettingsSpec
    assert set(batch.__all__) >= {"run_batch", "file_tasks", "BatchOptions", "Task", "iter_files"}
    for name in batch.__all__:
        assert getattr(batch, name) is not None
    with pytest.raises(AttributeError):
        batch.no_such_name  # noqa: B018
