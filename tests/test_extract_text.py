"""Plain text and HTML extraction: encodings, lines, hidden HTML layers; type sniffing."""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from builders import PUBLIC_ARTICLE, html_page, make_docx, make_html, make_pdf, write_text

from scanner.extract import extract_bytes, extract_path, sniff
from scanner.extract.sniff import suffix_of
from scanner.extract.text import decode


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("绝密★长期", "gbk"),
        ("机密★1年", "gb18030"),
        ("内部资料 注意保存", "gb2312"),
        ("機密★5年", "big5"),
        ("祕密☆六個月", "big5"),
        ("國家", "big5"),
        ("秘密★6个月", "utf-8"),
        ("秘密★6个月", "utf-8-sig"),
        ("秘密★6个月", "utf-16"),
        ("秘密★6个月", "utf-16-be"),
    ],
)
def test_short_chinese_is_decoded_in_its_encoding(text, encoding):
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    extraction = extract_bytes(data, "a.txt")
    assert extraction.errors == ()
    assert [u.text for u in extraction.units] == [text]


def test_lines_are_units_with_line_numbers_and_form_feed_pages(tmp_path):
    path = write_text(tmp_path / "a.txt", "机密★1年\n\n关于某事\r\n正文\f第二页\n末行", "gb18030")
    extraction = extract_path(path)
    assert [(u.text, u.paragraph, u.page) for u in extraction.units] == [
        ("机密★1年", 1, 1), ("关于某事", 3, 1), ("正文", 4, 1), ("第二页", 4, 2), ("末行", 5, 2),
    ]
    assert extraction.pages == 2
    assert extraction.title == "关于某事"  # the mark line of the head block is not the title


def test_text_without_form_feed_has_no_page():
    extraction = extract_bytes("第一行\n第二行".encode(), "a.txt")
    assert [u.page for u in extraction.units] == [None, None]


def test_binary_is_an_error():
    extraction = extract_bytes(bytes(range(256)) * 20, "a.bin")
    assert extraction.errors and "binary" in extraction.errors[0]


def test_decode_names_the_encoding():
    assert decode("绝密★长期".encode("gbk"))[1] == "gb18030"
    assert decode("機密★5年".encode("big5"))[1] == "cp950"


def test_html_visible_hidden_comment_alt_and_metadata(tmp_path):
    path = make_html(
        tmp_path / "a.html",
        '<p>机密★1年</p><div>正文<b>加粗</b>内容<script>var s="秘密";</script></div>'
        "<!-- 领导批示：暂不公开 --><!-- end header -->"
        '<p style="display: none">隐藏的电话13812345678</p><span hidden>隐藏二</span>'
        '<img src="x.png" alt="印章图片"><ul><li>一</li><li>二</li></ul>',
        title="关于某事的通知",
        meta={"description": "描述", "keywords": "关键词"},
        charset="gbk",
    )
    extraction = extract_path(path)
    assert extraction.format == "html"
    assert extraction.title == "关于某事的通知"
    body = [(u.text, u.paragraph) for u in extraction.units if u.part == "body"]
    assert body == [("机密★1年", 1), ("正文加粗内容", 2), ("一", 3), ("二", 4)]
    assert not any("秘密" in u.text for u in extraction.units)  # script is not text
    by_part = {}
    for unit in extraction.units:
        by_part.setdefault(unit.part, []).append(unit.text)
    assert by_part["hidden"] == ["隐藏的电话13812345678", "隐藏二"]
    assert by_part["comment"] == ["领导批示：暂不公开", "end header"]  # the second is scaffolding, read all the same
    assert by_part["alt-text"] == ["印章图片"]
    assert sorted(by_part["metadata"]) == sorted(["关于某事的通知", "描述", "关键词"])
    assert sorted(n.kind for n in extraction.notices) == ["comment", "hidden-text", "site-template"]
    hc002 = next(n for n in extraction.notices if n.kind == "comment")
    assert hc002.text == "领导批示：暂不公开" and hc002.detail.startswith("1 ")


def test_html_charset_detected_without_declaration(tmp_path):
    path = make_html(tmp_path / "a.htm", "<p>機密★5年</p>", charset="big5", declare_charset=False)
    extraction = extract_path(path)
    assert [u.text for u in extraction.units if u.part == "body"] == ["機密★5年"]


def test_sniff_uses_content_not_extension(tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", [["秘密"]]).read_bytes()
    docx = make_docx(tmp_path / "a.docx", body=["秘密"]).read_bytes()
    assert sniff(pdf, "report.txt") == "pdf"
    assert sniff(docx, "report.pdf") == "docx"
    assert sniff(b"<!DOCTYPE html><html><body>x</body></html>", "a.txt") == "html"
    assert sniff("普通文本".encode(), "a.html") == "text"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old.doc") == "legacy-office"
    assert sniff(b"\x89PNG\r\n\x1a\n" + bytes(20), "a.txt") == "image"


def test_docx_named_pdf_is_read_as_docx(tmp_path):
    data = make_docx(tmp_path / "a.docx", body=["机密★1年"]).read_bytes()
    extraction = extract_bytes(data, "a.pdf")
    assert extraction.format == "docx"
    assert extraction.units[0].text == "机密★1年"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "旧版 Office"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"), "加密文件"),
        (b"\x89PNG\r\n\x1a\n" + bytes(20), "图像文件"),
        (b"", "空文件"),
    ],
)
def test_unsupported_inputs_are_errors_with_a_reason(data, reason):
    extraction = extract_bytes(data, "x")
    assert len(extraction.errors) == 1 and extraction.errors[0].startswith(reason)
    assert " / " in extraction.errors[0]


def test_extract_path_missing_file_is_an_error(tmp_path):
    extraction = extract_path(tmp_path / "missing.docx")
    assert extraction.errors and "cannot read file" in extraction.errors[0]


def test_title_skips_the_head_block(tmp_path):
    text = "000123\n机密★1年\n特急\n某市人民政府办公室文件\n某政办发〔2024〕12号\n关于做好某项工作的通知\n正文"
    extraction = extract_path(write_text(tmp_path / "head.txt", text, "utf-8"))
    assert extraction.title == "关于做好某项工作的通知"
    only_marks = extract_path(write_text(tmp_path / "marks.txt", "机密★1年\n", "utf-8"))
    assert only_marks.title == "机密★1年"


SUFFIX_PATHS = ["a.txt", "dir/a.pdf", "a.", ".bashrc", "a.tar.gz", "dir.d/file", "a.docx/", "a.docx/.", "/", "", ".", "..", "a/..", "x/./", "..txt"]


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(SUFFIX_PATHS) | st.text(alphabet=st.sampled_from(list("./ab\\ 中\x00")), max_size=16) | st.text(max_size=16))
def test_suffix_of_is_the_path_suffix(path: str) -> None:
    """sniff's extension hint reads the suffix as pathlib would."""
    assert suffix_of(path) == PurePosixPath(path).suffix


# -- HTML: every text-bearing node, and the site's template (issues #21, #23) --

_TEMPLATE_PAGE = (
    "<!--[if lt IE 9]><script src=\"html5shiv.js\"></script><![endif]-->"
    "<!-- header Start --><div class=\"nav\"><ul style=\"display:none\"><li>首页</li><li>政务公开</li></ul></div>"
    "<!-- header End --><div id=\"login\" style=\"display:none\">用户登录 您好 退出</div>"
    "<div class=\"content_article\">{article}</div><!-- footer Start -->"
)


def test_site_template_comments_and_hidden_menus_are_info_not_review(settings):
    from scanner.pipeline import scan_bytes

    data = html_page(_TEMPLATE_PAGE.format(article=PUBLIC_ARTICLE))
    extraction = extract_bytes(data, "page.html")
    kinds = sorted(n.kind for n in extraction.notices)
    assert kinds == ["site-template"], kinds
    assert [u.source for u in extraction.units if u.part == "body" and u.text.startswith("第1条")] == ["article"]
    result = scan_bytes(data, "page.html", settings)
    assert result.verdict.value == "pass", [(f.rule, f.severity) for f in result.findings]
    assert [f.severity.value for f in result.findings if f.rule == "HC011"] == ["info"]


def test_a_comment_in_the_article_is_still_the_documents_comment(settings):
    data = html_page(_TEMPLATE_PAGE.format(article=PUBLIC_ARTICLE + "<!-- 此段数字待核实后再发布 -->"))
    assert "comment" in {n.kind for n in extract_bytes(data, "page.html").notices}


def test_a_template_comment_that_carries_a_mark_is_still_found(settings):
    from scanner.pipeline import scan_bytes

    data = html_page(_TEMPLATE_PAGE.format(article=PUBLIC_ARTICLE) + "<!-- 秘密★6个月 -->")
    result = scan_bytes(data, "page.html", settings)
    assert result.verdict.value != "pass"
    assert any(f.category == "classified-marking" and f.location.part == "comment" for f in result.findings)


def test_hidden_text_repeating_the_visible_article_hides_nothing():
    copy = "<div style=\"display:none\">" + PUBLIC_ARTICLE + "</div>"
    extraction = extract_bytes(html_page(_TEMPLATE_PAGE.format(article=PUBLIC_ARTICLE) + copy), "page.html")
    assert "hidden-text" not in {n.kind for n in extraction.notices}
    secret = "<div style=\"display:none\"><p>经研究，拟对张某某给予处分，请各单位不要对外透露。</p></div>"
    extraction = extract_bytes(html_page(_TEMPLATE_PAGE.format(article=PUBLIC_ARTICLE + secret)), "page.html")
    assert "hidden-text" in {n.kind for n in extraction.notices}


@pytest.mark.parametrize("markup, part", [
    ("<noscript><p>机密★1年</p></noscript>", "noscript"),
    ('<script type="application/json">{"items": [{"name": "机密★1年"}]}</script>', "script-data"),
    ('<script type="application/ld+json">{"headline": "机密★1年"}</script>', "script-data"),
    ("<a href=\"x.html\" title=\"机密★1年\">链接</a>", "alt-text"),
])
def test_text_a_browser_or_a_tool_shows_is_read_with_its_part(settings, markup, part):
    from scanner.pipeline import scan_bytes

    data = html_page("<p>通知</p>" + markup)
    extraction = extract_bytes(data, "page.html")
    assert any(u.part == part and "机密★1年" in u.text for u in extraction.units), extraction.units
    result = scan_bytes(data, "page.html", settings)
    assert result.verdict.value != "pass"
    assert any(f.location.part == part for f in result.findings if f.category == "classified-marking")
    clean = scan_bytes(data.replace("机密★1年".encode(), "某某事项".encode()), "page.html", settings)
    assert clean.verdict.value == "pass", [(f.rule, f.location.part) for f in clean.findings]


def test_a_document_in_a_data_uri_is_read_as_data_uri(settings):
    import base64

    from scanner.pipeline import scan_bytes

    inner = base64.b64encode("机密★1年\n关于某事的通知\n正文".encode()).decode()
    data = html_page(f'<p>通知</p><a href="data:text/plain;base64,{inner}">附件</a>'
                       '<img src="data:image/png;base64,iVBORw0KGgo=">')
    extraction = extract_bytes(data, "page.html")
    assert next(u.text for u in extraction.units if u.part == "data-uri") == "机密★1年"
    ledger = {(c.kind, c.status) for c in extraction.coverage}
    assert ("data-uri", "read") in ledger and ("image", "listed") in ledger
    assert scan_bytes(data, "page.html", settings).verdict.value != "pass"


def test_invalid_json_data_script_is_an_unread_part_not_a_pass(settings):
    from scanner.pipeline import scan_bytes

    data = html_page('<p>通知</p><script type="application/json">{"name": 机密</script>')
    result = scan_bytes(data, "page.html", settings)
    assert result.verdict.value == "review"
    assert any(f.rule == "UR003" and f.location.part == "script-data" for f in result.findings)
