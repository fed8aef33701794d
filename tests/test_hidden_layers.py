"""Hidden layers are judged by what they hold (issue #21 item 4).

Publishing a file publishes every layer in it, so a mark, a person's number
or a sensitive passage in a deleted revision, hidden text, a comment, speaker
notes, properties, an annotation or hidden HTML has the severity it would
have at the same place in the visible text; a mark at the head of such a
layer is in the mark position (``block``); a reviewer's note saying the
passage must go before publishing blocks (IM005).  Every such finding says
it lies in a hidden layer.  The layer's own notice (HC001…) stays ``review``
when the layer holds nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.layers import HIDDEN_EVIDENCE
from scanner.pipeline import Settings, analyse, scan_bytes, scan_file
from scanner.report import RENDERERS
from scanner.report.common import ReportOptions
from scanner.types import (
    DocumentResult,
    Extraction,
    Finding,
    ScanResult,
    Severity,
    TextUnit,
    Verdict,
    part_kind,
)
from tests.builders import make_docx, make_html, make_pdf, make_pptx, write_bytes
from tests.legacy_builders import word97

BODY = ["关于做好年度工作的通知", "各单位：现将有关事项通知如下。"]
MARK = "机密★1年"
WARNING = "内部资料 注意保存"
HTML_BODY = "".join(f"<p>{line}</p>" for line in BODY)


def _findings(result: DocumentResult, rule: str) -> list[Finding]:
    return [finding for finding in result.findings if finding.rule == rule]


Build = Callable[[Path, str], Path]

CASES: dict[str, tuple[Build, str, str]] = {
    # name: (builder given the hidden text, part, layer name in the evidence)
    "docx deleted revision": (lambda p, t: make_docx(p / "d.docx", BODY, deleted=[t]), "deleted", "删除修订"),
    "docx hidden text": (lambda p, t: make_docx(p / "h.docx", BODY, hidden=[t]), "hidden", "隐藏文字"),
    "docx comment": (lambda p, t: make_docx(p / "c.docx", BODY, comments=[t]), "comment", "批注"),
    "docx title property": (lambda p, t: make_docx(p / "t.docx", BODY, core_title=t), "metadata", "文档属性"),
    "docx subject property": (
        lambda p, t: make_docx(p / "s.docx", BODY, properties={"subject": t}), "metadata", "文档属性"),
    "docx custom xml": (lambda p, t: make_docx(p / "x.docx", BODY, custom_xml=t), "metadata", "文档属性"),
    "pptx speaker notes": (lambda p, t: make_pptx(p / "n.pptx", ["年度工作汇报"], notes={1: t}), "notes", "演讲者备注"),
    "pdf annotation": (lambda p, t: make_pdf(p / "a.pdf", [BODY], annotations=[(0, "Text", t)]), "annotation",
                       "PDF注释"),
    "doc deleted revision": (lambda p, t: write_bytes(p / "d.doc", word97(BODY, deleted=t)), "deleted", "删除修订"),
    "doc hidden text": (lambda p, t: write_bytes(p / "h.doc", word97(BODY, hidden=t)), "hidden", "隐藏文字"),
    "doc comment": (lambda p, t: write_bytes(p / "c.doc", word97(BODY, comment=("审核人", t))), "comment", "批注"),
    "doc title property": (lambda p, t: write_bytes(p / "t.doc", word97(BODY, properties={2: t})), "metadata", "文档属性"),
    "html hidden element": (
        lambda p, t: make_html(p / "h.html", f'{HTML_BODY}<div style="display:none">{t}</div>'), "hidden",
        "隐藏文字"),
    "html comment": (lambda p, t: make_html(p / "c.html", f"{HTML_BODY}<!-- {t} -->"), "comment", "批注"),
}


@pytest.mark.parametrize(("text", "rule"), [(MARK, "CM001"), (WARNING, "IM001")])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_mark_at_the_head_of_a_hidden_layer_blocks(
    tmp_path: Path, settings: Settings, case: str, text: str, rule: str
) -> None:
    build, part, layer = CASES[case]
    result = scan_file(build(tmp_path, text), settings)
    assert result.verdict is Verdict.BLOCK, [(f.rule, f.severity, f.location.part) for f in result.findings]
    [finding] = _findings(result, rule)
    assert finding.severity is Severity.BLOCK
    assert finding.location.part == part
    assert finding.text.replace(" ", "") == text.replace(" ", "")
    assert finding.evidence[0] == HIDDEN_EVIDENCE.format(layer)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_same_layer_without_the_mark_holds_only_its_notice(
    tmp_path: Path, settings: Settings, case: str
) -> None:
    build, _, _ = CASES[case]
    result = scan_file(build(tmp_path, "请核对上述数字"), settings)
    assert result.verdict is not Verdict.BLOCK
    strong = [f for f in result.findings if f.severity is not Severity.INFO and f.rule != "ML001"]
    assert all(f.category == "hidden-content" for f in strong), strong


def test_a_mark_deep_in_a_long_hidden_layer_is_reviewed_as_in_the_body(tmp_path: Path, settings: Settings) -> None:
    """Past the layer's head and off page one a lone mark is what it is in the body: review."""
    body = [f"第{index}段正文内容。" for index in range(1, 13)]
    deleted = [f"删除的第{index}段。" for index in range(1, 10)] + [MARK]
    result = scan_file(make_docx(tmp_path / "long.docx", body, deleted=deleted, page_break_before=[1]), settings)
    [finding] = _findings(result, "CM001")
    assert finding.severity is Severity.REVIEW
    assert finding.evidence[0] == HIDDEN_EVIDENCE.format("删除修订")


def test_a_mention_in_a_comment_stays_a_mention(tmp_path: Path, settings: Settings) -> None:
    result = scan_file(make_docx(tmp_path / "m.docx", BODY, comments=["密级标志的形式如“机密★1年”，请按此标注"]), settings)
    assert result.verdict is Verdict.REVIEW
    assert not [f for f in result.findings if f.severity is Severity.BLOCK]


@pytest.mark.parametrize(
    ("note", "term"),
    [("此段发布前删除", "发布前删除"), ("这部分数字不宜公开", "不宜公开"), ("第三条删除后再发布", "删除后再发布")],
)
def test_a_note_to_remove_before_publishing_blocks(tmp_path: Path, settings: Settings, note: str, term: str) -> None:
    result = scan_file(make_docx(tmp_path / "n.docx", BODY, comments=[note]), settings)
    assert result.verdict is Verdict.BLOCK
    [finding] = _findings(result, "IM005")
    assert (finding.text, finding.location.part, finding.severity) == (term, "comment", Severity.BLOCK)
    start = note.index(term)
    assert (finding.location.start, finding.location.end) == (start, start + len(term))
    assert finding.evidence[0] == HIDDEN_EVIDENCE.format("批注")


@pytest.mark.parametrize("note", ["此段已删除，可以公开", "请核对数字", "删除线内容是否保留？"])
def test_notes_that_do_not_say_so_do_not_block(tmp_path: Path, settings: Settings, note: str) -> None:
    result = scan_file(make_docx(tmp_path / "n.docx", BODY, comments=[note]), settings)
    assert not _findings(result, "IM005")
    assert result.verdict is Verdict.REVIEW  # the comment itself (HC002)


def test_the_same_words_in_a_published_rule_are_guidance(settings: Settings) -> None:
    text = "第五条 涉及个人信息的内容应当在发布前删除，不宜公开的信息不得上网。\n"
    result = scan_bytes(text.encode("utf-8"), "rule.txt", settings)
    assert not _findings(result, "IM005")


def test_personal_data_in_a_hidden_layer_keeps_its_severity_and_says_where(
    tmp_path: Path, settings: Settings
) -> None:
    for secret, rule, severity in (
        ("联系人张三，手机13812345678", "PI002", Severity.REVIEW),
        ("李四身份证号11010519491231002X", "PI001", Severity.BLOCK),
    ):
        hidden = scan_file(make_docx(tmp_path / "p.docx", BODY, hidden=[secret]), settings)
        visible = scan_file(make_docx(tmp_path / "v.docx", [*BODY, secret]), settings)
        [in_layer] = _findings(hidden, rule)
        [in_body] = _findings(visible, rule)
        assert in_layer.severity is in_body.severity is severity
        assert in_layer.evidence == (HIDDEN_EVIDENCE.format("隐藏文字"), *in_body.evidence)
        [notice] = _findings(hidden, "HC003")
        assert HIDDEN_EVIDENCE.format("隐藏文字") not in notice.evidence  # the notice is the layer itself


def test_body_findings_carry_no_hidden_layer_evidence(tmp_path: Path, settings: Settings) -> None:
    result = scan_file(make_docx(tmp_path / "b.docx", [MARK, *BODY]), settings)
    [finding] = _findings(result, "CM001")
    assert not any("隐藏图层" in item for item in finding.evidence)


@pytest.mark.parametrize("fmt", ["text", "json", "html", "sarif"])
def test_reports_say_the_finding_is_in_a_hidden_layer(tmp_path: Path, settings: Settings, fmt: str) -> None:
    result = scan_file(make_docx(tmp_path / "d.docx", BODY, deleted=[MARK]), settings)
    report = RENDERERS[fmt](ScanResult(version="test", documents=(result,)), ReportOptions())
    assert isinstance(report, str)
    assert "位于隐藏图层（删除修订）" in report


@pytest.mark.parametrize(("part", "layer"), [("revision:1", "早期版本"), ("hidden", "隐藏文字"), ("noscript", "noscript 内容")])
def test_a_mark_at_the_head_of_an_invisible_pdf_or_web_layer_blocks(settings: Settings, part: str, layer: str) -> None:
    """Layers the PDF and HTML extractors name (an earlier revision, render-mode-3 text, <noscript>)."""
    units = (
        TextUnit(text="关于做好年度工作的通知", part="body", page=1, paragraph=1),
        TextUnit(text="各单位：现将有关事项通知如下。", part="body", page=1, paragraph=2),
        TextUnit(text=MARK, part=part, page=1, paragraph=1),
        TextUnit(text="关于做好年度工作的通知", part=part, page=1, paragraph=2),
    )
    result = analyse(Extraction(format="pdf", units=units, layers=(part_kind(part),)), settings, path="x.pdf", sha256="")
    [finding] = _findings(result, "CM001")
    assert (finding.severity, finding.location.part) == (Severity.BLOCK, part)
    assert finding.evidence[0] == HIDDEN_EVIDENCE.format(layer)
