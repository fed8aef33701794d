"""Every JSON secscan writes validates against ``docs/schema/report-v1.schema.json``.

``--format json`` is a ``report``, each line of ``--format jsonl`` a
``document``, a batch's statistics a ``batch_summary``, and ``secscan clean
--proof-format json`` a ``clean_proof``.  The documents are built at test
time (a docx with hidden layers, a spreadsheet, a plain text, a corrupt
file) and scanned through the CLI; the hand-made report fixture adds the
shapes a scan of these does not produce (crawl referrer, positive evidence).
The last tests make sure the schema rejects what it should, so a pass means
something.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from scanner.report import RENDERERS, ReportOptions
from tests import builders
from tests.cli_helpers import scan_cli
from tests.report_fixture import batch_result

jsonschema = pytest.importorskip("jsonschema")

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "schema" / "report-v1.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _validator(definition: str | None = None):  # type: ignore[no-untyped-def]
    schema = SCHEMA if definition is None else {"$ref": f"#/$defs/{definition}", "$defs": SCHEMA["$defs"]}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _problems(instance: object, definition: str | None = None) -> list[str]:
    errors = sorted(_validator(definition).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{list(e.absolute_path)}: {e.message}" for e in errors[:10]]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("schema-inputs")
    builders.make_docx(
        folder / "draft.docx",
        ["机密★1年", "关于2025年度重点项目安排的请示", "联系人张三，电话13812345678。"],
        deleted=["拟提拔王五同志任办公室主任"],
        comments=["请核"],
        header="内部资料 注意保存",
    )
    builders.make_xlsx(folder / "roster.xlsx", {"名单": [["姓名", "手机"], ["张三", "13812345678"]]})
    (folder / "notice.txt").write_text("（此件公开发布）\n关于做好春节期间安全工作的通知\n", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<\n")
    return folder


def _run(*args: str) -> str:
    outcome = scan_cli("--exit-zero", "--no-cache", *args)
    assert outcome.exit_code == 0, outcome.output
    return outcome.stdout


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("options", [{}, {"timestamp": "2025-01-02T03:04:05Z", "context_chars": 6}])
def test_fixture_report_validates(options: dict[str, object]) -> None:
    payload = json.loads(RENDERERS["json"](batch_result(), ReportOptions(**options)))  # type: ignore[arg-type]
    assert _problems(payload) == []


def test_scanned_json_report_validates(inputs: Path) -> None:
    payload = json.loads(_run("--format", "json", *sorted(str(p) for p in inputs.iterdir())))
    assert {Path(doc["path"]).name for doc in payload["documents"]} == {
        "draft.docx", "roster.xlsx", "notice.txt", "broken.pdf"}
    assert any(doc["errors"] for doc in payload["documents"])  # the corrupt file is in it, with its reason
    assert any("cell" in f["location"] for doc in payload["documents"] for f in doc["findings"])
    assert any("coverage" in doc for doc in payload["documents"])
    assert _problems(payload) == []


def test_every_jsonl_line_is_a_document(inputs: Path) -> None:
    lines = _run("--format", "jsonl", "--jobs", "2", str(inputs)).splitlines()
    assert len(lines) == 4
    for line in lines:
        assert _problems(json.loads(line), "document") == []


def test_batch_summary_validates() -> None:
    from scanner.batch import BatchSummary
    from tests.report_fixture import draft_document, public_document

    summary = BatchSummary(elapsed=1.5, scanned=2)
    summary.add(draft_document(), seconds=0.4)
    summary.add(public_document(), seconds=0.1)
    summary.extra["crawl"] = {"pages": 2, "skipped": 0}
    assert _problems(summary.to_dict(), "batch_summary") == []


def test_schema_rejects_broken_reports() -> None:
    good = json.loads(RENDERERS["json"](batch_result(), ReportOptions()))
    cases = {
        "verdict": lambda p: p["documents"][0].__setitem__("verdict", "ok"),
        "severity": lambda p: p["documents"][1]["findings"][0].__setitem__("severity", "fatal"),
        "missing location": lambda p: p["documents"][1]["findings"][0].pop("location"),
        "bad cell": lambda p: p["documents"][1]["findings"][0]["location"].__setitem__("cell", "C12"),
        "unknown key": lambda p: p["documents"][0].__setitem__("colour", "red"),
        "bad risk": lambda p: p["documents"][0].__setitem__("risk", 1.5),
        "bad hash": lambda p: p["documents"][0].__setitem__("sha256", "xyz"),
    }
    for name, spoil in cases.items():
        broken = copy.deepcopy(good)
        spoil(broken)
        assert _problems(broken), name
