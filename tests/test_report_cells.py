"""Spreadsheet findings are located by sheet and cell (``Sheet1!C12``) in every output.

The workbook is built at test time and scanned through the CLI, once as a
single file and once as a batch (workers, whose results travel without the
document's text units, so the cell must be in ``location.cell`` itself).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from scanner.findings import cell_name, located_in_cells
from scanner.types import Finding, Location, Severity, TextUnit
from tests import builders

MOBILE = "13812345678"


@pytest.fixture()
def roster(tmp_path: Path) -> Path:
    rows: list[list[object]] = [["序号", "姓名", "联系方式"]]
    rows += [[n, f"人员{n}", "办公室"] for n in range(1, 11)]
    rows.append([11, "张三", f"手机{MOBILE}"])  # row 12, column C
    return builders.make_xlsx(tmp_path / "roster.xlsx", {"人员名单": rows, "Sheet2": [["说明"]]})


def _scan(*args: str) -> str:
    outcome = CliRunner().invoke(main, ["--exit-zero", "--no-cache", *args])
    assert outcome.exit_code == 0, outcome.output
    return outcome.stdout


def test_cell_in_json_text_html_and_sarif(roster: Path) -> None:
    document = json.loads(_scan("--format", "json", str(roster)))["documents"][0]
    mobile = next(f for f in document["findings"] if f["text"] == MOBILE)
    assert mobile["location"]["cell"] == "人员名单!C12"
    assert mobile["location"]["source"] == "人员名单"
    assert "人员名单!C12" in _scan(str(roster))
    html = _scan("--format", "html", str(roster))
    assert "人员名单!C12" in html
    sarif = json.loads(_scan("--format", "sarif", str(roster)))
    result = next(r for r in sarif["runs"][0]["results"] if MOBILE in json.dumps(r, ensure_ascii=False))
    assert "人员名单!C12" in json.dumps(result, ensure_ascii=False)
    sheet = roster.with_name("sheet.docx")
    _scan("--format", "docx", "-o", str(sheet), str(roster))
    import docx

    words = "".join(node.text or "" for node in docx.Document(str(sheet)).element.iter() if node.tag.endswith("}t"))
    assert "人员名单!C12" in words  # the attachment page locates the finding by cell


def test_cell_survives_a_batch_run(roster: Path, tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("普通通知。\n", encoding="utf-8")
    lines = _scan("--format", "jsonl", "--jobs", "2", str(tmp_path)).splitlines()
    by_path = {json.loads(line)["path"]: json.loads(line) for line in lines}
    sheet = next(doc for path, doc in by_path.items() if path.endswith("roster.xlsx"))
    assert [f["location"].get("cell") for f in sheet["findings"] if f["text"] == MOBILE] == ["人员名单!C12"]


def test_word_tables_and_unspanned_notices_get_no_cell() -> None:
    sheet_unit = TextUnit(text=f"手机{MOBILE}", part="sheet", page=1, paragraph=7, source="S", cell=(11, 2))
    twin = TextUnit(text="other", part="sheet", page=1, paragraph=7, source="S", cell=(0, 0))

    def finding(start: int, end: int, text: str, part: str = "sheet") -> Finding:
        return Finding(rule="PI002", category="personal-info", severity=Severity.REVIEW, text=text, context="",
                       location=Location(part=part, page=1, paragraph=7, start=start, end=end, source="S"),
                       message="", basis="")

    located = located_in_cells(
        [finding(2, 13, MOBILE), finding(0, 0, ""), finding(2, 13, MOBILE, part="hidden")], [twin, sheet_unit]
    )
    assert [f.location.cell for f in located] == ["S!C12", "", ""]
    assert [cell_name(c) for c in ((0, 0), (11, 2), (0, 25), (0, 26), (9, 701))] == ["A1", "C12", "Z1", "AA1", "ZZ10"]
