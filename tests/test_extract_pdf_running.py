"""PDF running headers and footers (issue #23 item 3): read once, as ``header``/``footer``, judged in that position."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from builders import FONT_SIZE, LEFT, PAGE_H, line_y, make_pdf_drawn

from scanner.extract import extract_path
from scanner.extract.pdf_running import PageLines, key, running_lines
from scanner.pipeline import build_settings, scan_file

FOOTER_Y = 40.0


def _pdf(path, pages, *, header=None, footer=None, header_on=None):
    """Pages of body lines; ``header`` drawn atop (pages in ``header_on``, default all), ``footer`` at the bottom
    (``{n}`` becomes the page number)."""

    def draw(canvas, page_no):
        canvas.setFont("STSong-Light", FONT_SIZE)
        if header and (header_on is None or page_no in header_on):
            canvas.drawString(LEFT, PAGE_H - 40, header.format(n=page_no))
        for index, line in enumerate(pages[page_no - 1]):
            canvas.drawString(LEFT, line_y(index + 2), line)
        if footer:
            canvas.drawString(LEFT, FOOTER_Y, footer.format(n=page_no))

    return make_pdf_drawn(path, draw, pages=len(pages))


BODY = [["关于做好年度工作的通知", "各单位：现将有关事项通知如下。"], ["一、总体要求", "按计划推进。"], ["二、工作安排", "按月报送。"]]


def _parts(extraction, part):
    return [(unit.page, unit.text) for unit in extraction.units if unit.part == part]


def test_an_internal_warning_atop_every_page_is_the_header_read_once_and_blocks(tmp_path):
    path = _pdf(tmp_path / "a.pdf", BODY, header="内部资料 注意保存")
    extraction = extract_path(path)
    assert _parts(extraction, "header") == [(1, "内部资料 注意保存")]
    assert "内部资料 注意保存" not in [text for _, text in _parts(extraction, "body")]
    result = scan_file(path, build_settings(ocr=False))
    assert result.verdict.value == "block"
    marks = [f for f in result.findings if f.category == "internal-marking"]
    assert [(f.location.part, f.severity.value) for f in marks] == [("header", "block")]


def test_a_level_mark_in_the_headers_of_pages_2_and_3_blocks(tmp_path):
    path = _pdf(tmp_path / "a.pdf", BODY, header="秘密★6个月", header_on={2, 3})
    result = scan_file(path, build_settings(ocr=False))
    assert result.verdict.value == "block"
    [mark] = [f for f in result.findings if f.category == "classified-marking"]
    assert (mark.location.part, mark.location.page, mark.severity.value) == ("header", 2, "block")


def test_a_boilerplate_footer_with_page_numbers_is_one_footer_unit_and_the_document_passes(tmp_path):
    path = _pdf(tmp_path / "a.pdf", BODY, footer="某市人民政府办公室  第 {n} 页 共 3 页")
    extraction = extract_path(path)
    assert _parts(extraction, "footer") == [(1, "某市人民政府办公室 第 1 页 共 3 页")]
    assert scan_file(path, build_settings(ocr=False)).verdict.value == "pass"


def test_a_footer_that_differs_beyond_page_numbers_is_read_on_every_page(tmp_path):
    # a number in the middle of the words is not a page number: each copy is read
    path = _pdf(tmp_path / "a.pdf", BODY, footer="联系人电话 1381234567{n}")
    extraction = extract_path(path)
    assert len(_parts(extraction, "body")) + len(_parts(extraction, "footer")) == 6 + 3


def test_a_line_in_the_middle_of_the_page_is_never_a_header(tmp_path):
    pages = [["关于做好年度工作的通知", "内部资料 注意保存"], ["一、总体要求", "内部资料 注意保存"]]
    path = _pdf(tmp_path / "a.pdf", pages)
    assert _parts(extract_path(path), "header") == []


def test_running_lines_need_most_pages_and_ignore_page_number_only_lines():
    def page(number, top, bottom):
        return PageLines(number=number, lines=(top, "正文", bottom), bands=("top", None, "bottom"))

    pages = [page(1, "某局文件", "- 1 -"), page(2, "某局文件", "- 2 -"), page(3, "标题甲", "- 3 -"),
             page(4, "标题乙", "- 4 -"), page(5, "标题丙", "- 5 -")]
    assert running_lines(pages) == {}  # 2 of 5 pages is not "most", and page numbers alone are left alone
    pages[2] = page(3, "某局文件", "- 3 -")
    assert running_lines(pages) == {(1, 0): "header", (2, 0): "header", (3, 0): "header"}
    assert running_lines(pages[:1]) == {}
    assert key("第 3 页 共 10 页") == "" and key("某局 2024年 - 3 -") == "某局2024年"


def _lines_and_starts_reference(text):
    """lines_and_starts as written before the clean-text shortcut: every line translated."""
    from scanner.extract.pdf_lines import _CLEAN, _LINE, BAND_LINES, _line_start

    normal = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CLEAN)
    lines = tuple(line for line in (raw.strip() for raw in normal.split("\n")) if line)
    starts = {}
    if not lines:
        return lines, starts
    matches = list(_LINE.finditer(text))
    kept = 0
    for match in matches:
        if match.group().translate(_CLEAN).strip():
            starts[kept] = _line_start(match)
            kept += 1
            if kept == BAND_LINES:
                break
    kept = len(lines) - 1
    for match in reversed(matches):
        if kept < 0 or len(lines) - kept > BAND_LINES:
            break
        if match.group().translate(_CLEAN).strip():
            starts[kept] = _line_start(match)
            kept -= 1
    return lines, starts


from hypothesis import given  # noqa: E402 - beside the one property that uses it
from hypothesis import strategies as st  # noqa: E402


@given(st.lists(st.sampled_from(["机", "密", " ", "\t", "\r", "\n", "\r\n", "\x00", "\x02", "\x0b", "\x1f",
                                 "\x7f", "\ufffe", "\uffff", "a", "。"]), max_size=60).map("".join))
def test_lines_and_starts_same_with_or_without_control_characters(text):
    # pages without control characters skip the translation: the lines and starts stay the same
    from scanner.extract.pdf_lines import lines_and_starts

    assert lines_and_starts(text) == _lines_and_starts_reference(text)
