"""The HTML renderer: self-contained, escaped, findings highlighted in place.

Golden files live in tests/golden/; after a deliberate change, regenerate them
with ``UPDATE_GOLDEN=1 python -m pytest tests/test_report_*.py`` and review the diff.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

from scanner.report import RENDERERS, ReportOptions, render_batch
from scanner.report.html_report import render_batch as html_batch
from tests.report_fixture import (
    batch_result,
    check_golden,
    draft_document,
    hostile_document,
    public_document,
    single_result,
)


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def test_html_golden_single_and_batch():
    check_golden("report-draft.html", RENDERERS["html"](single_result(draft_document()), ReportOptions()))
    check_golden("report-hostile.html", RENDERERS["html"](single_result(hostile_document()), ReportOptions()))
    check_golden("report-index.html", RENDERERS["html"](batch_result(), ReportOptions()))


def test_hostile_content_is_inert():
    page = RENDERERS["html"](single_result(hostile_document()), ReportOptions())
    parsed = _parse(page)
    names = [tag for tag, _ in parsed.tags]
    assert names.count("script") == 1 and "img" not in names
    assert "window.__pwned" not in parsed.scripts[0]
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        href = attrs.get("href")
        if href is not None:
            assert re.fullmatch(r"#f\d+", href), href
    assert "&lt;script&gt;window.__pwned=1" in page
    assert "&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;" in page


def test_csp_allows_only_the_own_script():
    page = RENDERERS["html"](single_result(draft_document()), ReportOptions())
    parsed = _parse(page)
    policy = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    digest = base64.b64encode(hashlib.sha256(parsed.scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy
    # Self-contained: nothing fetched from anywhere.
    for _, attrs in parsed.tags:
        assert "src" not in attrs
        assert not (attrs.get("href") or "#").startswith(("http:", "https:", "//"))


def test_every_finding_is_highlighted_once_and_linked():
    doc = draft_document()
    page = RENDERERS["html"](single_result(doc), ReportOptions())
    parsed = _parse(page)
    ids = [a["id"] for _, a in parsed.tags if a.get("id", "").startswith("f")]
    assert sorted(ids) == sorted(f"f{i}" for i in range(1, len(doc.findings) + 1))
    links = [a["href"] for t, a in parsed.tags if t == "a" and a.get("href", "").startswith("#f")]
    assert sorted(links) == sorted(f"#{i}" for i in ids)
    marks = {a["id"]: a["class"] for t, a in parsed.tags if t == "mark" and "id" in a}
    assert marks["f1"] == "sev-block"  # the header mark comes first in reading order
    assert '<mark id="f1" class="sev-block" data-rules="CM001"' in page
    # The header mark sits in the header section, the personnel finding in the deleted revision.
    header = page.index('<section class="part part-header">')
    body = page.index('<section class="part part-body">')
    deleted = page.index('<section class="part part-deleted hidden-layer">')
    assert header < page.index('id="f1"') < body < deleted
    assert "<h3>删除修订</h3>" in page and "<h3>批注</h3>" in page and "<h3>文档属性</h3>" in page


def test_overlapping_findings_are_cut_into_segments():
    page = RENDERERS["html"](single_result(draft_document()), ReportOptions())
    # 拟任 (SC201) and 拟任张三 (SC202) start together: one id on an anchor, one on the mark.
    segment = re.search(r'<span class="anchor" id="(f\d)"></span><mark id="(f\d)"[^>]*>拟任</mark>'
                        r'<mark class="sev-review" data-rules="SC202"[^>]*>张三</mark>', page)
    assert segment, "overlapping spans not segmented as expected"


def test_errors_and_unplaced_findings_shown():
    page = RENDERERS["html"](single_result(draft_document()), ReportOptions())
    assert '<section class="errors" role="alert">' in page
    assert "嵌入对象 word/media/image1.emf 无法读取：不支持的图片格式" in page
    assert "不在正文文本中的发现" in page
    assert "<th>国家秘密标志</th>" in page and "<th>无法读取</th>" in page
    assert "2025" not in page  # no timestamp unless asked
    assert "扫描时间" in RENDERERS["html"](single_result(draft_document()), ReportOptions(timestamp="2025-01-02"))


def test_batch_overview_and_files():
    result = batch_result()
    files = render_batch(result, "html", ReportOptions())
    assert files == html_batch(result, ReportOptions())
    assert sorted(files) == [
        "docs/0001-draft.docx.html",
        "docs/0002-img_src_x_onerror_alert_1__.txt.html",
        "docs/0003-notice.pdf.html",
        "index.html",
    ]
    index = files["index.html"]
    links = [a["href"] for t, a in _parse(index).tags if t == "a"]
    assert links == ["docs/0001-draft.docx.html", "docs/0002-img_src_x_onerror_alert_1__.txt.html",
                     "docs/0003-notice.pdf.html"]  # worst first: block, review, pass
    assert index == RENDERERS["html"](result, ReportOptions())
    assert 'href="../index.html"' in files["docs/0003-notice.pdf.html"]
    assert "可以发布" in files["docs/0003-notice.pdf.html"]


def test_pass_document_without_findings():
    page = RENDERERS["html"](single_result(public_document()), ReportOptions())
    assert 'class="banner banner-pass"' in page and "未发现问题" in page
    assert "（此件公开发布）" in page


NOTICE = "本报告摘录了可能涉及国家秘密或工作秘密的内容，请按相应密级载体管理，不得上网"


def test_handling_notice_only_where_secrets_are_quoted():
    assert NOTICE in RENDERERS["html"](single_result(draft_document()), ReportOptions())
    assert NOTICE in RENDERERS["html"](batch_result(), ReportOptions())  # the overview too
    assert NOTICE not in RENDERERS["html"](single_result(public_document()), ReportOptions())


def test_redact_excerpts_masks_every_quote_and_highlight():
    page = RENDERERS["html"](single_result(draft_document()), ReportOptions(redact_excerpts=True))
    assert "机密★1年" not in page and "拟任张三" not in page
    assert "机＊＊＊＊" in page  # the side list and the highlight keep the first character
    assert NOTICE not in page  # nothing secret is quoted any more
    text = re.sub(r"<[^>]+>", "", page)
    assert "经党组会议酝酿，＊＊＊＊为办公室主任" in text or "经党组会议酝酿，拟＊＊＊为办公室主任" in text
    # the text around the findings is still there for the reviewer
    assert "请于6月30日前报送材料" in text
