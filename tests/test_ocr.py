"""OCR of scans and pictures (scanner/ocr.py, scanner/extract/image.py): the issue's acceptance cases.

Inputs are rendered at test time with a CJK font (fonts-noto-cjk, installed
by .ci/run); OCR runs the rapidocr engine installed from pyproject.toml.
Kept few and small: OCR costs about a second a picture on two cores.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.extract import extract_bytes
from scanner.ocr import ImageReading, OcrReader, with_ocr
from scanner.pipeline import build_settings, scan_bytes
from scanner.types import Extraction, ImageRef, Verdict
from tests.builders import PAGE_H, PAGE_W, cjk_font, make_pdf_drawn

FONT = cjk_font()
pytestmark = pytest.mark.skipif(not FONT, reason="no CJK font (fonts-noto-cjk, installed by .ci/run) to render scans")


def render(lines: list[str], size: tuple[int, int] = (1240, 1754), *, top: int = 120, px: int = 40) -> bytes:
    """A white page (150 dpi A4 by default) with ``lines`` from ``top``, as PNG bytes."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, px)
    page = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(page)
    for index, line in enumerate(lines):
        draw.text((120, top + index * px * 2), line, font=font, fill="black")
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def settings():
    return build_settings()


def test_png_page_with_a_mark_at_the_top_is_blocked_on_the_image(settings):
    png = render(["机密★1年", "关于加强网站信息内容建设的通知", "各部门：现将有关事项通知如下。"])
    result = scan_bytes(png, "通知.png", settings)
    assert result.verdict is Verdict.BLOCK
    mark = next(finding for finding in result.findings if finding.rule == "CM001")
    assert mark.text == "机密★1年"
    assert (mark.location.part, mark.location.page, mark.location.source) == ("ocr", 1, "图像")
    assert not result.errors


def test_a_page_scanned_upside_down_is_read_turned_over(settings):
    # the engine's line classifier is off for speed: a turned page reads as weak text, is read again turned over
    from PIL import Image

    lines = ["机密★1年", "关于加强网站信息内容建设的通知", "各部门：现将有关事项通知如下。", "请认真贯彻执行。"]
    buffer = io.BytesIO()
    Image.open(io.BytesIO(render(lines))).rotate(180).save(buffer, format="PNG")
    result = scan_bytes(buffer.getvalue(), "倒扫.png", settings)
    assert result.verdict is Verdict.BLOCK, (result.findings, result.errors)
    mark = next(finding for finding in result.findings if finding.rule == "CM001")
    assert (mark.text, mark.location.part, mark.location.paragraph) == ("机密★1年", "ocr", 1)
    assert not result.errors


def test_pdf_whose_second_page_is_a_scan_is_blocked_on_page_two(settings, tmp_path):
    from reportlab.lib.utils import ImageReader

    scan = render(["秘密★1年", "会议纪要", "一、会议听取了工作汇报。"], size=(827, 1170), px=28, top=60)

    def draw(canvas, page_no):
        if page_no == 1:
            canvas.setFont("STSong-Light", 14)
            canvas.drawString(72, PAGE_H - 72, "关于开展网站内容检查的通知")
        else:
            canvas.drawImage(ImageReader(io.BytesIO(scan)), 0, 0, PAGE_W, PAGE_H)

    pdf = make_pdf_drawn(tmp_path / "scan.pdf", draw, pages=2).read_bytes()
    result = scan_bytes(pdf, "scan.pdf", settings)
    assert result.verdict is Verdict.BLOCK, result
    mark = next(finding for finding in result.findings if finding.rule == "CM001")
    assert (mark.location.part, mark.location.page) == ("ocr", 2)
    # in PDF points, not the scan's pixels: the line drawn at (120, 60) px, 28 px high, on an 827 px wide
    # picture filling the 595 pt page is at about (86, 43)-(..., 75) pt (in pixels: (120, 60)-(..., 103))
    x0, y0, x1, y1 = mark.location.box
    assert 78 <= x0 <= 95 and 35 <= y0 < y1 <= 80 and x1 < PAGE_W, mark.location.box
    assert not result.errors  # the page without a text layer was read by OCR
    # with OCR off the page is not read: review, as before
    off = scan_bytes(pdf, "scan.pdf", build_settings(ocr=False))
    assert off.verdict is Verdict.REVIEW
    assert any("第2页无文字层" in error for error in off.errors)


def _docx(*pictures: bytes, text: str) -> bytes:
    import docx
    from docx.shared import Cm

    document = docx.Document()
    for picture in pictures:
        document.add_picture(io.BytesIO(picture), width=Cm(15))
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_whose_head_block_is_a_picture_is_blocked(settings):
    head = render(["机密★1年", "特急"], size=(900, 260), top=30)
    data = _docx(head, text="关于做好年度考核工作的通知。各单位：现将有关事项通知如下。")
    result = scan_bytes(data, "通知.docx", settings)
    assert result.verdict is Verdict.BLOCK
    mark = next(finding for finding in result.findings if finding.rule == "CM001")
    assert mark.location.part == "ocr" and mark.location.source.startswith("word/media/")
    assert "第一页版头" in " ".join(mark.evidence)


def _logo() -> bytes:
    from PIL import Image, ImageDraw

    logo = Image.new("RGB", (240, 240), "white")
    draw = ImageDraw.Draw(logo)
    draw.ellipse((20, 20, 220, 220), fill=(200, 20, 20))
    draw.ellipse((80, 80, 160, 160), fill="white")
    buffer = io.BytesIO()
    logo.save(buffer, format="PNG")
    return buffer.getvalue()


def test_logo_only_docx_passes_with_the_picture_listed(settings):
    data = _docx(_logo(), text="关于举办春季运动会的通知。欢迎各单位踊跃报名参加。")
    result = scan_bytes(data, "运动会.docx", settings)
    assert result.verdict is Verdict.PASS, result.findings
    assert [finding.rule for finding in result.findings if finding.rule in ("OC001", "UR002")] == ["OC001"]
    # with OCR off the picture cannot be vouched for
    assert scan_bytes(data, "运动会.docx", build_settings(ocr=False)).verdict is Verdict.REVIEW


def test_unreadably_noisy_image_is_review_naming_it(settings):
    import numpy
    from PIL import Image

    clean = Image.open(io.BytesIO(render(["内部资料 注意保存", "关于调整工作分工的通知"], size=(900, 300), top=40)))
    pixels = numpy.asarray(clean.convert("L"), dtype=numpy.float32)
    noise = numpy.random.default_rng(7).uniform(0, 255, pixels.shape)
    drowned = Image.fromarray((pixels * 0.2 + noise * 0.8).astype(numpy.uint8))  # text a fifth of the signal
    buffer = io.BytesIO()
    drowned.save(buffer, format="JPEG", quality=30)
    result = scan_bytes(buffer.getvalue(), "photo.jpg", settings)
    assert result.verdict is Verdict.REVIEW
    assert any("图片 图像" in error and "噪声" in error for error in result.errors), result.errors


def test_stage_fails_closed_on_budget_and_bad_data():
    """No engine needed: a picture over the pixel budget and undecodable bytes are errors naming the picture."""

    def engine(pixels):  # never reached for these pictures
        raise AssertionError("engine called")

    reader = OcrReader(max_pixels=10_000, engine=engine)
    big = ImageRef(name="big.png", data=render(["x"], size=(200, 200)), page=1)
    broken = ImageRef(name="broken.png", data=b"\x89PNG\r\n\x1a\n" + bytes(64), page=1)
    out = with_ocr(Extraction(format="docx", images=(big, broken)), reader)
    assert len(out.errors) == 2
    assert "big.png" in out.errors[0] and "预算" in out.errors[0]
    assert "broken.png" in out.errors[1] and "无法解码" in out.errors[1]


def test_readings_are_cached_by_image_hash_and_placed_per_copy():
    calls = []

    def engine(pixels):
        calls.append(pixels.shape)
        return [("内部资料", [(10, 10), (110, 10), (110, 30), (10, 30)], 0.95)]

    reader = OcrReader(engine=engine)
    data = render(["x"], size=(200, 100))
    first = reader.read(ImageRef(name="a.png", data=data, box=(0, 0, 400, 200), page=1))
    second = reader.read(ImageRef(name="b.png", data=data, box=(100, 100, 300, 200), page=2))
    assert len(calls) == 1
    assert isinstance(first, ImageReading) and first.lines[0].box == (20, 20, 220, 60)
    assert second.lines[0].box == (110, 110, 210, 130) and second.lines[0].image == "b.png"


def test_image_files_of_every_kind_are_registered_page_by_page():
    from PIL import Image

    pages = [Image.new("RGB", (64, 48), "white") for _ in range(3)]
    tiff = io.BytesIO()
    pages[0].save(tiff, format="TIFF", save_all=True, append_images=pages[1:])
    extraction = extract_bytes(tiff.getvalue(), "scan.tif")
    assert extraction.format == "image" and extraction.pages == 3
    assert [image.page for image in extraction.images] == [1, 2, 3]
    for kind in ("BMP", "GIF", "WEBP", "JPEG"):
        buffer = io.BytesIO()
        pages[0].save(buffer, format=kind)
        assert len(extract_bytes(buffer.getvalue(), "x").images) == 1, kind


def test_a_cold_scan_of_a_docx_without_pictures_does_not_import_the_engine(tmp_path):
    from tests.builders import make_docx

    path = make_docx(tmp_path / "plain.docx", ["关于开展检查的通知", "各单位：请按时报送。"])
    code = (
        "import sys; from pathlib import Path; from scanner.pipeline import build_settings, scan_file;"
        f"r = scan_file(Path({str(path)!r}), build_settings());"
        "print(r.verdict.value, sorted(m for m in ('rapidocr', 'onnxruntime', 'cv2') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.split() == ["pass", "[]"], done.stdout + done.stderr


def test_a_pasted_head_block_picture_on_a_text_pdf_page_is_read_first(settings, tmp_path):
    from reportlab.lib.utils import ImageReader

    stamp = render(["内部资料 注意保存"], size=(700, 120), top=30)

    def draw(canvas, page_no):
        canvas.drawImage(ImageReader(io.BytesIO(stamp)), 72, PAGE_H - 110, 300, 50)
        canvas.setFont("STSong-Light", 14)
        for index, line in enumerate(["关于调整工作分工的通知", "各处室：现将调整情况通知如下。"]):
            canvas.drawString(72, PAGE_H - 160 - index * 24, line)

    pdf = make_pdf_drawn(tmp_path / "stamp.pdf", draw).read_bytes()
    result = scan_bytes(pdf, "stamp.pdf", settings)
    warning = next(finding for finding in result.findings if finding.rule == "IM001")
    assert (warning.location.part, warning.location.page, warning.location.source) == ("ocr", 1, "第1页图片1")
    assert result.verdict is Verdict.BLOCK


# -- the OCR line's box in every finding and output ------------------------


def test_a_finding_in_a_picture_file_carries_its_line_box_in_pixels_in_every_output(settings, tmp_path):
    import json

    from click.testing import CliRunner

    from cli import main
    from scanner.report.common import location_label

    png = render(["机密★1年", "关于加强网站信息内容建设的通知"])  # lines from (120, 120), 40 px high
    result = scan_bytes(png, "通知.png", settings)
    mark = next(finding for finding in result.findings if finding.rule == "CM001")
    assert mark.location.box is not None
    x0, y0, x1, y1 = mark.location.box
    assert 100 <= x0 < 140 and 100 <= y0 < 140 and 250 < x1 < 400 and 150 < y1 < 190, mark.location.box
    label = location_label(mark.location)
    assert label.startswith("第1页 第1段 图片文字（OCR）（图像） 区域(") and f"区域({round(x0)},{round(y0)})" in label
    path = tmp_path / "通知.png"
    path.write_bytes(png)
    out = CliRunner().invoke(main, [str(path), "--format", "json", "--exit-zero"])
    report = json.loads(out.output)
    located = next(f["location"] for f in report["documents"][0]["findings"] if f["rule"] == "CM001")
    assert located["box"] == list(mark.location.box)
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).resolve().parents[1] / "docs/schema/report-v1.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    broken = json.loads(out.output)
    next(f for f in broken["documents"][0]["findings"] if f["rule"] == "CM001")["location"]["box"] = [1, 2, 3]
    assert not jsonschema.Draft202012Validator(schema).is_valid(broken)  # four numbers, no fewer
    text = CliRunner().invoke(main, [str(path), "--no-color", "--exit-zero"]).output
    assert f"区域({round(x0)},{round(y0)})–({round(x1)},{round(y1)})" in text
    sarif = json.loads(CliRunner().invoke(main, [str(path), "--format", "sarif", "--exit-zero"]).output)
    properties = next(r["properties"] for r in sarif["runs"][0]["results"] if r["ruleId"] == "CM001")
    assert properties["box"] == list(mark.location.box) and "区域(" in properties["location"]


def test_the_box_is_in_page_points_on_a_pdf_page_and_not_in_the_fingerprint(settings, tmp_path):
    from reportlab.lib.utils import ImageReader

    stamp = render(["内部资料 注意保存"], size=(700, 120), top=30)

    def pdf_with_stamp_at(name: str, x: float, y: float) -> bytes:
        def draw(canvas, page_no):
            canvas.drawImage(ImageReader(io.BytesIO(stamp)), x, PAGE_H - y - 50, 300, 50)
            canvas.setFont("STSong-Light", 14)
            canvas.drawString(72, PAGE_H - 160, "关于调整工作分工的通知")

        return make_pdf_drawn(tmp_path / name, draw).read_bytes()

    found = []
    for name, (x, y) in {"a.pdf": (72, 60), "b.pdf": (200, 90)}.items():
        result = scan_bytes(pdf_with_stamp_at(name, x, y), name, settings)
        warning = next(finding for finding in result.findings if finding.rule == "IM001")
        x0, y0, x1, y1 = warning.location.box
        # the picture is 300 x 50 points at (x, y) from the top left; its text line lies inside it
        assert x <= x0 < x1 <= x + 300 and y <= y0 < y1 <= y + 50, (warning.location.box, x, y)
        found.append(warning)
    assert found[0].location.box != found[1].location.box
    assert found[0].fingerprint == found[1].fingerprint  # a box is where, not what: baselines still match
