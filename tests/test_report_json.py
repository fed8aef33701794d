"""The json / jsonl renderers: the CLI contract other tools rely on.

Golden files live in tests/golden/; after a deliberate change, regenerate them
with ``UPDATE_GOLDEN=1 python -m pytest tests/test_report_*.py`` and review the diff.
"""

from __future__ import annotations

import json

from scanner.report import RENDERERS, ReportOptions
from scanner.report.json_report import document_to_dict
from scanner.report.jsonl_report import render_document
from tests.report_fixture import batch_result, check_golden, draft_document, single_result

TOP_KEYS = {"version", "catalogue", "model", "documents", "summary"}
DOC_KEYS = {"path", "format", "verdict", "risk", "sha256", "title", "findings", "errors"}
FINDING_KEYS = {"rule", "category", "severity", "text", "context", "location", "message", "basis", "evidence",
                "fingerprint"}
LOCATION_KEYS = {"part", "page", "paragraph", "start", "end", "source"}


def test_json_golden():
    check_golden("report.json", RENDERERS["json"](batch_result(), ReportOptions()))


def test_json_contract_shape():
    payload = json.loads(RENDERERS["json"](batch_result(), ReportOptions()))
    assert set(payload) == TOP_KEYS
    assert payload["version"] == "0.1.0"
    assert payload["catalogue"] == "cat0123456789abcdef"
    assert payload["model"] == "mod0123456789abcdef"
    assert payload["summary"] == {"documents": 3, "pass": 1, "review": 1, "block": 1}
    paths = [doc["path"] for doc in payload["documents"]]
    assert paths == sorted(paths)
    for doc in payload["documents"]:
        assert set(doc) == DOC_KEYS
        assert doc["verdict"] in ("block", "review", "pass")
        assert 0.0 <= doc["risk"] <= 1.0
        for finding in doc["findings"]:
            assert set(finding) == FINDING_KEYS
            assert set(finding["location"]) == LOCATION_KEYS
            assert finding["severity"] in ("block", "review", "info")
    draft = next(doc for doc in payload["documents"] if doc["path"] == "drafts/draft.docx")
    header = draft["findings"][0]
    assert (header["rule"], header["severity"], header["text"]) == ("CM001", "block", "机密★1年")
    assert header["location"] == {"part": "header", "page": 1, "paragraph": 1, "start": 0, "end": 5,
                                  "source": "word/header1.xml"}
    assert draft["errors"] == ["嵌入对象 word/media/image1.emf 无法读取：不支持的图片格式"]


def test_json_is_readable_chinese_and_sorted_keys():
    rendered = RENDERERS["json"](single_result(draft_document()), ReportOptions())
    assert "机密★1年" in rendered  # ensure_ascii=False
    assert "\\u" not in rendered
    assert rendered == json.dumps(json.loads(rendered), ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def test_json_timestamp_only_when_given():
    plain = json.loads(RENDERERS["json"](batch_result(), ReportOptions()))
    stamped = json.loads(RENDERERS["json"](batch_result(), ReportOptions(timestamp="2025-03-01T08:00:00+08:00")))
    assert "timestamp" not in plain
    assert stamped["timestamp"] == "2025-03-01T08:00:00+08:00"


def test_json_deterministic_regardless_of_input_order():
    result = batch_result()
    reversed_result = type(result)(version=result.version, documents=tuple(reversed(result.documents)),
                                   catalogue_hash=result.catalogue_hash, model_hash=result.model_hash)
    assert RENDERERS["json"](result, ReportOptions()) == RENDERERS["json"](reversed_result, ReportOptions())


def test_context_chars_recuts_from_units():
    doc = draft_document()
    wide = document_to_dict(doc, context_chars=4)
    mention = next(f for f in wide["findings"] if f["severity"] == "info")
    assert mention["context"] == "形式如“机密★1年”。"  # 4 characters before, the 2 left after
    default = document_to_dict(doc)
    assert next(f for f in default["findings"] if f["severity"] == "info")["context"] == doc.findings[1].context


def test_jsonl_one_compact_line_per_document():
    result = batch_result()
    rendered = RENDERERS["jsonl"](result, ReportOptions())
    check_golden("report.jsonl", rendered)
    lines = rendered.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert line == json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    parsed = [json.loads(line) for line in lines]
    assert [doc["path"] for doc in parsed] == sorted(doc.path for doc in result.documents)
    by_path = {doc.path: doc for doc in result.documents}
    for doc in parsed:
        assert doc == document_to_dict(by_path[doc["path"]])


def test_jsonl_render_document_streams_one_line():
    line = render_document(draft_document())
    assert line.endswith("\n") and line.count("\n") == 1  # the body's newline is escaped
    assert json.loads(line)["verdict"] == "block"


def test_referrer_only_for_crawled_documents():
    import dataclasses

    crawled = dataclasses.replace(draft_document(), referrer="https://www.example.gov.cn/list.html")
    assert document_to_dict(crawled)["referrer"] == "https://www.example.gov.cn/list.html"
    assert "referrer" not in document_to_dict(draft_document())
    assert json.loads(render_document(crawled))["referrer"] == "https://www.example.gov.cn/list.html"
