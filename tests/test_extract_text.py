"""Plain text and HTML extraction: encodings, lines, hidden HTML layers; type sniffing."""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx, make_html, make_pdf, write_text

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
    assert by_part["comment"] == ["领导批示：暂不公开"]
    assert by_part["alt-text"] == ["印章图片"]
    assert sorted(by_part["metadata"]) == sorted(["关于某事的通知", "描述", "关键词"])
    assert sorted(n.rule for n in extraction.notices) == ["HC002", "HC003"]


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
