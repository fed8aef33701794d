"""secscan clean --redact on PDFs: text in form XObjects under a box, and lines only partly covered (issue #27)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from builders import FONT_SIZE, LEFT, line_y, make_pdf, make_pdf_drawn

from scanner.pipeline import build_settings, scan_file
from tests.cli_helpers import clean_cli

ID = "11010519491231002X"


def _box_over(source: Path, x0: float, y0: float, x1: float, y1: float) -> None:
    """Draw a black box over ``source``'s first page, after its content (a failed redaction)."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    overlay = io.BytesIO()
    sheet = canvas.Canvas(overlay, pagesize=(595, 842))
    sheet.rect(x0, y0, x1 - x0, y1 - y0, fill=1, stroke=0)
    sheet.save()
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.pages[0].merge_page(PdfReader(overlay).pages[0])
    writer.write(source)


def _body(path: Path) -> list[str]:
    result = scan_file(path, build_settings(ocr=False))
    return [unit.text for unit in result.units if unit.part == "body"]


def _char_x(path: Path, char: str) -> float:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path.read_bytes())
    try:
        textpage = document[0].get_textpage()
        text = textpage.get_text_range()
        return round(textpage.get_charbox(text.index(char))[0], 1)
    finally:
        document.close()


def test_a_line_only_partly_under_the_box_is_cut_and_the_rest_stays_in_place(tmp_path):
    line = f"公示名单：张三 身份证{ID}"
    source = make_pdf(tmp_path / "p.pdf", [["关于项目的公示", line, "公示期五天。"]])
    _box_over(source, 150, 752, 270, 772)  # over 三 身份证11010519 of line 2 (baseline 756)
    before = scan_file(source, build_settings(ocr=False))
    assert "RF001" in {f.rule for f in before.findings}
    x_before = _char_x(source, "X")
    target = tmp_path / "p.clean.pdf"
    outcome = clean_cli(source, "-o", target, "--redact")
    assert outcome.exit_code == 0, outcome.output
    assert "三 身份证11010519" in outcome.output  # what was removed is listed
    after = scan_file(target, build_settings(ocr=False))
    assert "RF001" not in {f.rule for f in after.findings}
    texts = [unit.text for unit in after.units if unit.part == "body"]
    assert texts[0] == "关于项目的公示" and texts[1].startswith("公示名单：张") and texts[1].endswith("491231002X")
    assert texts[2] == "公示期五天。"  # the cut line keeps its place in the reading order
    assert "身份证" not in texts[1] and "11010519" not in " ".join(texts)
    assert _char_x(target, "X") == x_before  # the characters after the cut did not move
    assert "可见文字：一致" in outcome.output


def test_text_inside_a_form_xobject_under_the_box_is_removed(tmp_path):
    def draw(canvas, page_no):
        canvas.setFont("STSong-Light", FONT_SIZE)
        canvas.drawString(LEFT, line_y(0), "关于项目的公示")
        canvas.beginForm("names")
        canvas.setFont("STSong-Light", FONT_SIZE)
        canvas.drawString(0, 0, f"身份证{ID}")
        canvas.endForm()
        canvas.saveState()
        canvas.translate(LEFT, line_y(1))
        canvas.doForm("names")
        canvas.restoreState()
        canvas.drawString(LEFT, line_y(2), "公示期五天。")
        canvas.setFillColorRGB(0, 0, 0)
        canvas.rect(LEFT - 2, line_y(1) - 4, 260, FONT_SIZE + 6, fill=1, stroke=0)

    source = make_pdf_drawn(tmp_path / "f.pdf", draw)
    assert f"身份证{ID}" in _body(source)
    target = tmp_path / "f.clean.pdf"
    outcome = clean_cli(source, "-o", target, "--redact")
    assert outcome.exit_code == 0, outcome.output
    assert _body(target) == ["关于项目的公示", "公示期五天。"]
    assert ID in outcome.output


def test_a_line_wholly_under_the_box_is_still_removed_whole(tmp_path):
    covered = f"身份证号{ID}"
    source = make_pdf(tmp_path / "r.pdf", [["关于项目的公示", covered, "公示期五天。"]], dark_box_over=(1, covered))
    outcome = clean_cli(source, "-o", tmp_path / "r.clean.pdf", "--redact")
    assert outcome.exit_code == 0, outcome.output
    assert _body(tmp_path / "r.clean.pdf") == ["关于项目的公示", "公示期五天。"]
