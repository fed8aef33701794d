"""The issue-2 contract end to end: real files in, verdicts and located findings out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.pipeline import Settings, scan_file
from scanner.types import Verdict
from tests import builders
from tests.cli_helpers import scan_cli

VALID_ID = "11010519491231002X"  # GB 11643 check digit correct
INVALID_ID = "110105194912310021"


def run(*args: str) -> tuple[int, dict]:
    outcome = scan_cli("--format", "json", *args)
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.output
    return outcome.exit_code, json.loads(outcome.stdout)


def only_doc(report: dict) -> dict:
    assert len(report["documents"]) == 1
    return report["documents"][0]


def findings_of(doc: dict, category: str) -> list[dict]:
    return [f for f in doc["findings"] if f["category"] == category]


def test_docx_mark_on_page_one_blocks(tmp_path: Path) -> None:
    path = tmp_path / "draft.docx"
    builders.make_docx(path, body=["机密★1年", "关于加强安全管理的通知", "各单位：现将有关事项通知如下。"])
    code, report = run(str(path))
    doc = only_doc(report)
    assert code == 1
    assert doc["verdict"] == "block" and doc["format"] == "docx"
    mark = [f for f in findings_of(doc, "classified-marking") if f["severity"] == "block"]
    assert mark, doc["findings"]
    assert mark[0]["text"] == "机密★1年"
    assert mark[0]["location"] | {"source": ""} == {
        "part": "body", "page": 1, "paragraph": 1, "start": 0, "end": 5, "source": "",
    }
    assert mark[0]["message"] and mark[0]["basis"]


def test_docx_mark_only_in_header_blocks(tmp_path: Path) -> None:
    path = tmp_path / "header.docx"
    builders.make_docx(path, body=["关于加强安全管理的通知", "各单位：现将有关事项通知如下。"], header="机密★1年")
    code, report = run(str(path))
    doc = only_doc(report)
    assert code == 1 and doc["verdict"] == "block"
    assert any(f["location"]["part"] == "header" and f["severity"] == "block"
               for f in findings_of(doc, "classified-marking"))


@pytest.mark.parametrize(
    ("encoding", "text", "mark"),
    [("gbk", "绝密★长期\n关于某项工作的通知\n正文内容。\n", "绝密★长期"),
     ("big5", "機密★5年\n關於某項工作的通知\n正文內容。\n", "機密★5年")],
)
def test_legacy_encodings_block(tmp_path: Path, encoding: str, text: str, mark: str) -> None:
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    code, report = run(str(path))
    doc = only_doc(report)
    assert code == 1
    assert doc["verdict"] == "block", doc
    assert findings_of(doc, "classified-marking")[0]["text"] == mark


def test_pdf_mark_on_page_one_blocks(tmp_path: Path) -> None:
    path = tmp_path / "draft.pdf"
    builders.make_pdf(path, pages=[["秘密★6个月", "关于某项工作的通知", "正文内容。"], ["第二页内容。"]])
    code, report = run(str(path))
    doc = only_doc(report)
    assert code == 1
    assert doc["verdict"] == "block" and doc["format"] == "pdf"
    mark = findings_of(doc, "classified-marking")[0]
    assert mark["location"]["page"] == 1
    assert mark["text"] == "秘密★6个月"


def test_valid_id_number_blocks_and_invalid_is_not_an_id(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.docx", tmp_path / "bad.docx"
    builders.make_docx(good, body=["干部基本情况", f"张三，身份证号码：{VALID_ID}，现任科员。"])
    builders.make_docx(bad, body=["干部基本情况", f"张三，身份证号码：{INVALID_ID}，现任科员。"])
    _, report = run(str(good), str(bad))
    by_name = {Path(d["path"]).name: d for d in report["documents"]}
    personal = findings_of(by_name["good.docx"], "personal-info")
    assert by_name["good.docx"]["verdict"] == "block"
    assert any(f["text"] == VALID_ID and f["severity"] == "block" for f in personal)
    # labelled 身份证 with a failed check digit: an ID-like number to look at (issue 23), never an ID or a bank card
    bad_hits = [f for f in by_name["bad.docx"]["findings"] if f["text"] == INVALID_ID]
    assert bad_hits and all(f["rule"] == "PI004" and f["severity"] == "review" for f in bad_hits)


def test_broken_files_do_not_stop_the_batch(tmp_path: Path) -> None:
    good = tmp_path / "a_good.docx"
    builders.make_docx(good, body=["关于举办读书活动的通知", "欢迎各位市民参加。"])
    corrupt = tmp_path / "b_corrupt.docx"
    corrupt.write_bytes(good.read_bytes()[:300])
    empty_pdf = tmp_path / "c_empty.pdf"
    builders.make_pdf(empty_pdf, pages=[[]])
    marked = tmp_path / "d_marked.txt"
    marked.write_text("绝密★长期\n正文。\n", encoding="utf-8")
    code, report = run(str(tmp_path))
    verdicts = {Path(d["path"]).name: d["verdict"] for d in report["documents"]}
    assert verdicts == {"a_good.docx": "pass", "b_corrupt.docx": "review", "c_empty.pdf": "review",
                        "d_marked.txt": "block"}
    assert code == 1
    for doc in report["documents"]:
        if doc["verdict"] == "review":
            assert doc["errors"] and all(len(error) > 10 for error in doc["errors"])
            assert findings_of(doc, "unreadable")
    assert report["summary"] == {"documents": 4, "pass": 1, "review": 2, "block": 1}


def test_clean_document_passes_with_exit_zero(tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_text("关于举办全民阅读活动的通知\n欢迎广大市民踊跃参加。\n", encoding="utf-8")
    code, report = run(str(path))
    assert code == 0
    assert only_doc(report)["verdict"] == "pass"


def test_text_report_is_chinese_and_located(tmp_path: Path) -> None:
    path = tmp_path / "draft.txt"
    path.write_text("机密★1年\n关于某项工作的通知\n", encoding="utf-8")
    outcome = scan_cli(path)
    assert outcome.exit_code == 1
    assert "阻止" in outcome.stdout and "机密★1年" in outcome.stdout
    assert "第1段" in outcome.stdout or "第 1 段" in outcome.stdout


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    assert scan_cli(tmp_path / "missing.docx").exit_code == 2
    assert scan_cli("--format", "yaml", tmp_path).exit_code == 2
    bad_rules = tmp_path / "bad.yaml"
    bad_rules.write_text("rules: [{id: nope}]", encoding="utf-8")
    outcome = scan_cli("--lexicon", bad_rules, tmp_path)
    assert outcome.exit_code == 2
    assert "bad.yaml" in outcome.output


def test_unreadable_file_is_review_not_pass(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "gone.txt"
    result = scan_file(path, settings)
    assert result.verdict is Verdict.REVIEW
    assert result.errors


def _public_documents(shared_dir: Path, name: str) -> list[dict]:
    return [json.loads(line) for line in (shared_dir / "corpus" / "real" / name).read_text("utf-8").splitlines()]


@pytest.mark.parametrize("corpus", ["government_work_reports.jsonl", "cpc_congress_reports.jsonl"])
def test_public_reports_pass(tmp_path: Path, shared_dir: Path, settings: Settings, corpus: str) -> None:
    failures = []
    for number, row in enumerate(_public_documents(shared_dir, corpus)):
        path = tmp_path / f"{number:03d}.txt"
        path.write_text(row["content"], encoding="utf-8")
        result = scan_file(path, settings)
        if result.verdict is not Verdict.PASS:
            reasons = [(f.rule, f.text, f.context) for f in result.findings if f.severity.value != "info"]
            failures.append((row["title"], result.verdict.value, reasons[:3]))
    assert not failures, failures


def test_oversized_file_is_read_in_part_and_reviewed(tmp_path: Path, settings: Settings,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner import pipeline

    monkeypatch.setattr(pipeline, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(pipeline, "PREFIX_BYTES", 100)
    path = tmp_path / "big.txt"
    path.write_text("关于举办全民阅读活动的通知\n" * 200, encoding="utf-8")
    result = scan_file(path, settings)
    assert result.verdict is Verdict.REVIEW
    assert any("只读取了前" in error for error in result.errors)
    import hashlib

    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_unreadable_layers_fail_closed_inside_a_batch(tmp_path: Path) -> None:
    """Issue 4: image-only PDF, encrypted PDF and truncated docx are review; the rest is scanned."""
    builders.make_image_only_pdf(tmp_path / "b_scanned.pdf")
    builders.make_pdf(tmp_path / "c_locked.pdf", pages=[["关于某事的通知"]], encrypt="s3cret")
    whole = builders.make_docx(tmp_path / "whole.docx", body=["关于某事的通知", "正文。"] * 50)
    (tmp_path / "d_truncated.docx").write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    whole.unlink()
    builders.make_docx(tmp_path / "a_clean.docx", body=["关于举办读书活动的通知", "欢迎各位市民参加。"])
    builders.make_pdf(tmp_path / "e_marked.pdf", pages=[["秘密★6个月", "关于某事的通知"]])
    code, report = run("--no-cache", str(tmp_path))
    docs = {Path(d["path"]).name: d for d in report["documents"]}
    assert {name: doc["verdict"] for name, doc in docs.items()} == {
        "a_clean.docx": "pass", "b_scanned.pdf": "review", "c_locked.pdf": "review",
        "d_truncated.docx": "review", "e_marked.pdf": "block",
    }
    assert any("文字层" in error for error in docs["b_scanned.pdf"]["errors"])
    assert any("加密" in error for error in docs["c_locked.pdf"]["errors"])
    assert docs["d_truncated.docx"]["errors"]
    assert code == 1


def test_single_file_scan_is_bounded_in_time(tmp_path: Path, settings: Settings,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A parser stuck in a pure-Python loop is stopped: review with the reason, not a hang."""
    from scanner import pipeline

    def endless(data: bytes, name: str) -> None:
        while True:
            pass

    monkeypatch.setattr(pipeline, "extract_bytes", endless)
    path = tmp_path / "stuck.txt"
    path.write_text("正文\n", encoding="utf-8")
    result = scan_file(path, settings, timeout=0.5)
    assert result.verdict is Verdict.REVIEW
    assert any("timed out" in error for error in result.errors)


def test_the_joined_text_handed_on_gives_the_same_findings() -> None:
    """analyse() passes the normaliser's joined text to markings, matcher and model: same result as joining anew."""
    from scanner.extract import extract_bytes
    from scanner.findings import DocumentViews, UnitView
    from scanner.markings import detect_markings
    from scanner.normalize import normalize_many
    from scanner.pipeline import build_settings

    settings = build_settings()
    texts = [
        "机密★1年\n关于某某工程的通知\n身份证号：110101199003077578\n终端MAC 3C-97-0E-5A-12-F4\n内部资料 注意保存",
        "秘\n-2-\n密\n会议纪要：拟任同志名单暂不外传，请领导阅示。\n" * 3,
    ]
    for text in texts:
        units = extract_bytes(text.encode(), "x.txt").units
        lazy, joined = DocumentViews.normalised(units)
        norms = normalize_many([unit.text for unit in units])
        views = [UnitView(unit, norm, index) for index, (unit, norm) in enumerate(zip(units, norms, strict=True))]
        assert settings.model is not None
        assert joined == "\n".join(view.norm.text for view in views)
        assert detect_markings(lazy, settings.catalogue, joined=joined) == detect_markings(views, settings.catalogue)
        assert settings.matcher.match(lazy, joined=joined) == settings.matcher.match(views)
        assert settings.model.score(lazy, joined=joined) == settings.model.score(views)
        assert detect_markings(views, settings.catalogue) and settings.matcher.match(views)
