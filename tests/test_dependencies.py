"""Scanning needs only the runtime dependencies in pyproject.toml.

scikit-learn (and scipy, joblib), openpyxl, python-pptx and defusedxml are
installed by the ``train``/``test`` extras only.  These tests scan one file of
each common kind in a child interpreter where those libraries cannot be
imported, so a runtime import of any of them fails here before it fails on a
user's machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.builders import make_docx, make_html, make_pdf, make_pptx, make_xlsx, write_text

ROOT = Path(__file__).resolve().parent.parent
NOT_RUNTIME = ("sklearn", "scipy", "joblib", "openpyxl", "pptx", "defusedxml")

# Installed as sitecustomize for the child and for every batch worker it starts.
_BLOCKER = """
import importlib.abc, sys
class _Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {blocked!r}:
            raise ImportError('not a runtime dependency: ' + name)
        return None
sys.meta_path.insert(0, _Blocked())
"""


def test_runtime_dependencies_leave_out_the_training_and_test_libraries() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {dep.split(">")[0].split("=")[0].split("[")[0].strip().lower() for dep in project["dependencies"]}
    assert not {"scikit-learn", "scipy", "openpyxl", "python-pptx", "defusedxml"} & runtime
    assert any(dep.startswith("scikit-learn") for dep in project["optional-dependencies"]["train"])


def test_every_common_kind_scans_without_the_test_only_libraries(tmp_path: Path) -> None:
    paths = [
        make_docx(tmp_path / "a.docx", ["内部资料 注意保存", "关于开展检查的通知"], comments=["请核实"]),
        make_xlsx(tmp_path / "b.xlsx", {"名单": [["姓名", "手机"], ["张三", "13812345678"]]}),
        make_pptx(tmp_path / "c.pptx", ["汇报提纲"], notes={1: "讲稿"}),
        make_pdf(tmp_path / "d.pdf", [["关于开展检查的通知"]]),
        make_html(tmp_path / "e.html", "关于开展检查的通知"),
        write_text(tmp_path / "f.txt", "机密★1年\n关于开展检查的通知"),
    ]
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_BLOCKER.format(blocked=NOT_RUNTIME), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    command = [sys.executable, "-c", "import cli; cli.main()", "--format", "json", "--no-cache", "--exit-zero",
               *map(str, paths)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    documents = report["documents"] if isinstance(report, dict) and "documents" in report else report
    verdicts = {Path(d["path"]).suffix: d["verdict"] for d in documents}
    assert set(verdicts) == {".docx", ".xlsx", ".pptx", ".pdf", ".html", ".txt"}
    assert not any(d.get("errors") for d in documents), documents
    assert verdicts[".txt"] == "block"
    assert verdicts[".docx"] == "block"
