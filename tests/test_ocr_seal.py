"""Red seals on scans (scanner/ocr_seal.py): found by colour, read apart, judged as stamps.

Pages are rendered at test time (fonts-noto-cjk) as 150 dpi A4 scans with a
red seal composited over them the way a stamp's ink lies on a page; OCR is
the real engine (about a second a page).
"""

from __future__ import annotations

import io
import math

import pytest

from scanner.ocr_seal import red_seals
from scanner.pipeline import build_settings, scan_bytes
from scanner.types import Verdict
from tests.test_ocr import FONT

pytestmark = pytest.mark.skipif(not FONT, reason="no CJK font (fonts-noto-cjk, installed by .ci/run) to render scans")

RED = (220, 30, 30)
BODY = [
    "关于加强网站信息内容建设的通知",
    "各部门：现将有关事项通知如下。",
    "一、高度重视网站内容建设工作。",
    "二、认真落实审核制度要求。",
    "三、及时报送有关情况。",
    "四、加强日常监督检查。",
    "五、做好信息发布登记。",
    "六、定期开展自查自纠。",
    "七、建立健全工作台账。",
    "请认真贯彻执行。",
    "",
    "",
    "市人民政府办公室",
    "2024年3月1日",
]


def scan(lines=BODY, seals=(), *, red_head: str = ""):  # type: ignore[no-untyped-def]
    """A 150 dpi A4 page of ``lines`` (40 px, from y=120, a line per 80 px) with ``seals`` over it, as PNG.

    A seal is ``(cx, cy, radius, ring_text, centre_text, px)``: a ring, text
    along its upper arc and a line across its middle, in translucent red.
    """
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 40)
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    top = 120
    if red_head:  # a red-head title (红头) across the top, and its red rule
        draw.text((160, 60), red_head, font=ImageFont.truetype(FONT, 80), fill=RED)
        draw.line((100, 180, 1140, 180), fill=RED, width=5)
        top = 240
    for index, line in enumerate(lines):
        draw.text((120, top + index * 80), line, font=font, fill="black")
    ink = Image.new("RGBA", page.size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(ink)
    for cx, cy, radius, ring_text, centre_text, px in seals:
        colour = (*RED, 210)
        pen.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=colour, width=max(3, radius // 18))
        glyph_font = ImageFont.truetype(FONT, px)
        for index, char in enumerate(ring_text):
            angle = math.radians(-150 + 120 * index / max(1, len(ring_text) - 1))
            glyph = Image.new("RGBA", (px + 4, px + 4), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((2, 0), char, font=glyph_font, fill=colour)
            glyph = glyph.rotate(-math.degrees(angle) - 90, expand=True)
            x, y = cx + (radius - px) * math.cos(angle), cy + (radius - px) * math.sin(angle)
            ink.alpha_composite(glyph, (int(x - glyph.width / 2), int(y - glyph.height / 2)))
        if centre_text:
            width = pen.textlength(centre_text, font=glyph_font)
            pen.text((cx - width / 2, cy - px / 2), centre_text, font=glyph_font, fill=colour)
    page = Image.alpha_composite(page.convert("RGBA"), ink).convert("RGB")
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")
    return buffer.getvalue()


def _image(data: bytes):  # type: ignore[no-untyped-def]
    from PIL import Image

    return Image.open(io.BytesIO(data)).convert("RGB")


@pytest.fixture(scope="module")
def settings():  # type: ignore[no-untyped-def]
    return build_settings()


def test_a_seal_is_found_by_colour_and_red_heads_rules_and_black_text_are_not():
    assert red_seals(_image(scan())) == ()
    assert red_seals(_image(scan(red_head="某某市人民政府文件"))) == ()  # far wider than high
    (box,) = red_seals(_image(scan(seals=[(900, 1300, 150, "", "内部资料", 56)], red_head="某某市人民政府文件")))
    x0, y0, x1, y1 = box
    assert x0 <= 750 and x1 >= 1050 and y0 <= 1150 and y1 >= 1450 and x1 - x0 < 400 and y1 - y0 < 400
    # the ring and the text inside it are one seal, not two
    assert len(red_seals(_image(scan(seals=[(700, 900, 150, "", "机密", 70)])))) == 1


def test_an_internal_seal_low_on_the_page_blocks_as_a_stamp(settings):
    result = scan_bytes(scan(seals=[(900, 1300, 150, "", "内部资料", 56)]), "通知.png", settings)
    assert result.verdict is Verdict.BLOCK, (result.findings, result.errors)
    warning = next(finding for finding in result.findings if finding.rule == "IM001")
    assert warning.text == "内部资料" and warning.severity.value == "block"
    assert any("印章" in item for item in warning.evidence), warning.evidence
    x0, y0, x1, y1 = warning.location.box
    assert 750 <= x0 < x1 <= 1050 and 1150 <= y0 < y1 <= 1450, warning.location.box  # inside the seal
    assert (warning.location.part, warning.location.page) == ("ocr", 1)
    assert not result.errors


def test_a_seal_over_a_body_line_is_read_apart_from_it(settings):
    # read with the page, the seal's 内部资料 runs into 二、认真落实审核制度要求 (二、认真落肉部资粮要求。): no mark found
    result = scan_bytes(scan(seals=[(420, 450, 140, "", "内部资料", 56)]), "通知.png", settings)
    assert result.verdict is Verdict.BLOCK, (result.findings, result.errors)
    warning = next(finding for finding in result.findings if finding.rule == "IM001")
    assert any("印章" in item for item in warning.evidence)
    body = [unit.text for unit in result.units if not unit.seal]
    assert "二、认真落实审核制度要求。" in body, body  # the line under the seal, without the seal's text
    assert [unit.text for unit in result.units if unit.seal] == ["内部资料"]


def test_an_issuers_seal_over_the_signature_passes(settings):
    for seal in [(330, 1120, 170, "某某市人民政府办公室", "", 36), (330, 1120, 170, "", "某某市人民政府办公室", 30)]:
        result = scan_bytes(scan(seals=[seal]), "通知.png", settings)
        assert result.verdict is Verdict.PASS, (seal, result.findings, result.errors)
        body = [unit.text for unit in result.units if not unit.seal]
        assert "市人民政府办公室" in body, body  # the signature is read clean, not glued to the seal's text
        assert all(not unit.text.startswith("某某") for unit in result.units if not unit.seal)
        # the issuer's name is read, along the ring (unwrapped) as across the middle; on the ring the int8
        # recogniser may take one stroke-thin character for another (办 read as 力), read as it stands the
        # arc gave 安堂市人民
        seal_lines = [unit.text for unit in result.units if unit.seal]
        assert any(_within_one_character(line, "某某市人民政府办公室") for line in seal_lines), result.units


def _within_one_character(read: str, expected: str) -> bool:
    return len(read) == len(expected) and sum(a != b for a, b in zip(read, expected)) <= 1


def test_an_unmarked_page_passes_without_seal_lines(settings):
    result = scan_bytes(scan(), "通知.png", settings)
    assert result.verdict is Verdict.PASS, result.findings
    assert result.units and not any(unit.seal for unit in result.units)


def test_a_mark_along_a_seals_ring_is_read_unwrapped(settings):
    # read as it stands, an arc reads as nonsense (某某市人民政府办公室 read as 安堂市人民); unwrapped, as one line
    result = scan_bytes(scan(seals=[(900, 1300, 150, "内部资料专用章", "", 34)]), "通知.png", settings)
    assert [unit.text for unit in result.units if unit.seal] == ["内部资料专用章"], result.units
    warning = next(finding for finding in result.findings if finding.rule == "IM001")
    assert warning.text == "内部资料" and warning.evidence[0].startswith("位于印章内"), warning.evidence
    assert result.verdict is Verdict.BLOCK


def test_a_rectangular_stamp_on_a_jpeg_scan_blocks(settings):
    from PIL import Image, ImageDraw, ImageFont

    page = Image.open(io.BytesIO(scan())).convert("RGBA")
    ink = Image.new("RGBA", page.size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(ink)
    # a framed 内部资料 stamp across lines 7-8 of the body, its colours smeared by JPEG
    pen.rectangle((600, 600, 960, 720), outline=(210, 20, 30, 220), width=7)
    pen.text((625, 625), "内部资料", font=ImageFont.truetype(FONT, 72), fill=(210, 20, 30, 220))
    buffer = io.BytesIO()
    Image.alpha_composite(page, ink).convert("RGB").save(buffer, format="JPEG", quality=70)
    result = scan_bytes(buffer.getvalue(), "通知.jpg", settings)
    warning = next(finding for finding in result.findings if finding.rule == "IM001")
    assert warning.severity.value == "block" and warning.evidence[0].startswith("位于印章内"), warning.evidence
    assert result.verdict is Verdict.BLOCK and not result.errors
