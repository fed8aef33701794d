"""Pictures on web pages (scanner/extract/html_images.py): listed, decoration told apart, embedded ones read by OCR.

The pages are built here; the OCR engine is a stand-in that reads every
picture as given lines (fast, no model), and one test renders a real
picture and reads it with the installed engine.  (The file sorts after
test_hostile.py on purpose: loading the engine grows the test process, and
the hostile-input tests measure children it forks.)
"""

from __future__ import annotations

import base64
import io
from dataclasses import replace

import pytest

from scanner.extract import extract_bytes
from scanner.ocr import OcrReader
from scanner.pipeline import build_settings, scan_bytes
from scanner.types import Verdict
from tests.builders import PUBLIC_ARTICLE, html_page

_TEMPLATE = (
    '<div class="header"><img src="/images/logo.png" alt="某市人民政府"><img src="/global/ewm_wx.jpg"></div>'
    '<div class="content">{article}</div>'
    '<div class="footer"><img src="/global/beian.png" width="20" height="20"><img src="/images/banner2.jpg"></div>'
)


def _png(size: tuple[int, int] = (300, 120), colour: str = "white") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _data(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _reading(*lines: str):  # type: ignore[no-untyped-def]
    """A stand-in engine: every picture reads as ``lines``, top to bottom."""

    def engine(pixels):  # type: ignore[no-untyped-def]
        return [(text, [(10, 10 + 30 * n), (200, 10 + 30 * n), (200, 35 + 30 * n), (10, 35 + 30 * n)], 0.95)
                for n, text in enumerate(lines)]

    return engine


@pytest.fixture(scope="module")
def base():  # type: ignore[no-untyped-def]
    return build_settings()


def _with_engine(settings, *lines: str):  # type: ignore[no-untyped-def]
    return replace(settings, ocr=OcrReader(engine=_reading(*lines)))


def test_template_pictures_are_decorative_info_and_the_page_passes(base):
    data = html_page(_TEMPLATE.format(article=PUBLIC_ARTICLE))
    extraction = extract_bytes(data, "page.html")
    ledger = {c.name: c.reason for c in extraction.coverage if c.kind == "image"}
    assert set(ledger) == {"/images/logo.png", "/global/ewm_wx.jpg", "/global/beian.png", "/images/banner2.jpg"}
    assert all(reason.startswith("装饰性图片") for reason in ledger.values()), ledger
    assert "声明尺寸 20×20" in ledger["/global/beian.png"]
    notice = next(n for n in extraction.notices if n.kind == "decorative-image")
    assert notice.detail.startswith("4 张装饰性图片") and "/images/logo.png" in notice.detail
    assert not extraction.images  # nothing to OCR: no bytes, and decoration anyway
    result = scan_bytes(data, "page.html", base)
    assert result.verdict is Verdict.PASS, [(f.rule, f.severity) for f in result.findings]
    assert [f.severity.value for f in result.findings if f.rule == "UR004"] == ["info"]


def test_decoration_inside_the_article_is_told_by_size_and_name():
    article = (PUBLIC_ARTICLE + '<p><img src="/img/spacer.gif" width="600" height="1"><img src="/img/arrow_r.png">'
               '<img src="/img/btn.gif" width="70" height="18"><img src="/img/2024/0501/photo1.jpg"></p>')
    extraction = extract_bytes(html_page(_TEMPLATE.format(article=article)), "page.html")
    ledger = {c.name: c.reason for c in extraction.coverage if c.kind == "image"}
    assert "声明尺寸 600×1" in ledger["/img/spacer.gif"]
    assert "名称含“arrow”" in ledger["/img/arrow_r.png"]
    assert "声明尺寸 70×18" in ledger["/img/btn.gif"]
    # an article picture that is not decoration: listed as not inside the file, not called decorative
    assert ledger["/img/2024/0501/photo1.jpg"].startswith("网页引用的图片，不在本文件中")
    notice = next(n for n in extraction.notices if n.kind == "decorative-image")
    assert "photo1" not in notice.detail and notice.detail.startswith("7 张")


def test_an_embedded_article_picture_goes_to_ocr_and_its_mark_blocks_at_its_place(base):
    article = f'<p><img src="{_data(_png())}" width="300" height="120"></p>' + PUBLIC_ARTICLE
    data = html_page(_TEMPLATE.format(article=article))
    extraction = extract_bytes(data, "page.html")
    assert [(i.name, i.anchor) for i in extraction.images] == [("内嵌图片1（image/png）", 2)]
    assert ("内嵌图片1（image/png）", "listed", "交文字识别 / handed to OCR") in {
        (c.name, c.status, c.reason) for c in extraction.coverage}
    result = scan_bytes(data, "page.html", _with_engine(base, "机密★1年"))
    assert result.verdict is Verdict.BLOCK, [(f.rule, f.location.part) for f in result.findings]
    mark = next(f for f in result.findings if f.rule == "CM001")
    assert (mark.text, mark.location.part, mark.location.source) == ("机密★1年", "ocr", "内嵌图片1（image/png）")
    # the same page whose picture holds harmless words passes; with OCR off the picture is review, named
    assert scan_bytes(data, "page.html", _with_engine(base, "欢迎访问")).verdict is Verdict.PASS
    off = scan_bytes(data, "page.html", build_settings(ocr=False))
    assert off.verdict is Verdict.REVIEW
    unread = next(f for f in off.findings if f.rule == "UR002")
    assert "内嵌图片1（image/png）" in unread.message + unread.text


def test_an_embedded_picture_that_cannot_be_decoded_is_review_naming_it(base):
    broken = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 400).decode()
    data = html_page(_TEMPLATE.format(article=f'<p><img src="{broken}"></p>' + PUBLIC_ARTICLE))
    result = scan_bytes(data, "page.html", _with_engine(base, "机密★1年"))
    assert result.verdict is Verdict.REVIEW
    assert any("内嵌图片1（image/png）" in error and "无法解码" in error for error in result.errors), result.errors


def test_embedded_decoration_is_not_read_and_tiny_pictures_are_listed(base):
    icon = f'<div class="share"><img src="{_data(_png((300, 120)))}"></div>'
    tiny = '<p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></p>'
    data = html_page(_TEMPLATE.format(article=PUBLIC_ARTICLE + tiny + icon))
    extraction = extract_bytes(data, "page.html")
    assert not extraction.images
    ledger = {c.name: c.reason for c in extraction.coverage if c.kind == "image"}
    assert ledger["内嵌图片1（image/gif）"].startswith("极小的图片")
    assert ledger["内嵌图片2（image/png）"] == "装饰性图片（位于站点模板），不作文字识别 / decorative picture"
    assert scan_bytes(data, "page.html", _with_engine(base, "机密★1年")).verdict is Verdict.PASS


def test_picture_sources_and_image_inputs_are_pictures_media_sources_are_not():
    body = ('<p>通知</p><picture><source srcset="/a/hero.webp 1x, /a/hero2.webp 2x"><img src="/a/hero.jpg"></picture>'
            '<video><source src="/a/clip.mp4"></video><input type="image" src="/a/go.png">'
            '<input type="text" value="x"><img srcset="/a/only-srcset.png 2x">')
    extraction = extract_bytes(html_page(body), "page.html")
    names = [c.name for c in extraction.coverage if c.kind == "image"]
    assert names == ["/a/hero.webp", "/a/hero.jpg", "/a/go.png", "/a/only-srcset.png"]


def test_a_real_picture_with_a_mark_is_read_by_the_engine(base):
    from tests.test_ocr import FONT, render

    if not FONT:
        pytest.skip("no CJK font (fonts-noto-cjk, installed by .ci/run) to render the picture")
    png = render(["机密★1年", "关于加强网站信息内容建设的通知"], size=(900, 300), top=40)
    data = html_page(f'<div class="content"><p><img src="{_data(png)}"></p>{PUBLIC_ARTICLE}</div>')
    result = scan_bytes(data, "page.html", base)
    assert result.verdict is Verdict.BLOCK, (result.findings, result.errors)
    assert any(f.rule == "CM001" and f.location.part == "ocr" for f in result.findings)


def test_css_background_pictures_inline_and_in_style_rules(base):
    """A data: background goes to OCR like a data: <img> (at its place when inline); a linked one is listed
    as outside the file; a rule or a block of the template is decoration."""
    style = (f'<style>.notice-photo {{ background-image: url("{_data(_png())}"); }}'
             '.header { background: #fff url(/images/top_bg.jpg) no-repeat; }'
             '.wide { background:url(\'/upload/2024/scan-page.jpg\') }</style>')
    article = (f'<p style="background-image:url({_data(_png())});width:300px;height:120px">附图</p>' + PUBLIC_ARTICLE
               + '<div style="background: url(/upload/2024/notice.jpg)">图</div>'
               + '<div style="background-image:url(/img/icon_print.png)"></div>')
    body = _TEMPLATE.format(article=article).replace(
        '<div class="footer">', '<div class="footer" style="background:url(/images/foot.jpg)">')
    data = f"<html><head><title>通知</title>{style}</head><body>{body}</body></html>".encode()
    extraction = extract_bytes(data, "page.html")
    ledger = {c.name: c.reason for c in extraction.coverage if c.kind == "image"}
    # the inline data: background stands before the article's paragraphs; the rule's one at the end
    assert [(i.name, i.anchor) for i in extraction.images] == [
        ("内嵌背景图片1（image/png）", 2), ("内嵌背景图片2（image/png）", len(extraction.units))]
    assert ledger["/upload/2024/notice.jpg"].startswith("网页样式引用的背景图片，不在本文件中")
    assert ledger["/upload/2024/scan-page.jpg"].startswith("网页样式引用的背景图片，不在本文件中")
    assert ledger["/img/icon_print.png"].startswith("装饰性图片（名称含“icon”")
    assert ledger["/images/top_bg.jpg"].startswith("装饰性图片（位于站点模板")  # the rule's selector: .header
    assert ledger["/images/foot.jpg"].startswith("装饰性图片（位于站点模板")
    result = scan_bytes(data, "page.html", _with_engine(base, "机密★1年"))
    assert result.verdict is Verdict.BLOCK
    mark = next(f for f in result.findings if f.rule == "CM001")
    assert (mark.location.part, mark.location.source) == ("ocr", "内嵌背景图片1（image/png）")
    # harmless words in the pictures: the page passes, the linked backgrounds being info like linked <img>s
    assert scan_bytes(data, "page.html", _with_engine(base, "欢迎访问")).verdict is Verdict.PASS


def test_content_pictures_are_what_the_extractor_does_not_call_decoration():
    from lxml import etree

    from scanner.extract.html_images import content_pictures

    article = (PUBLIC_ARTICLE + '<p><img src="/img/spacer.gif" width="600" height="1"><img src="/upload/photo1.jpg">'
               f'<img src="{_data(_png())}"><span style="background-image:url(/upload/scan2.png)">x</span></p>'
               '<div class="share"><img src="/upload/share_big.jpg"></div>')
    style = "<style>#main { background: url(/upload/notice-scan.jpg) } nav { background: url(/upload/n.jpg) }</style>"
    page = f"<html><head>{style}</head><body>{_TEMPLATE.format(article=article)}</body></html>"
    root = etree.fromstring(page, etree.HTMLParser())
    assert content_pictures(root) == ["/upload/photo1.jpg", "/upload/scan2.png", "/upload/notice-scan.jpg"]
    decorated = {c.name for c in extract_bytes(page.encode(), "page.html").coverage
                 if c.kind == "image" and c.reason.startswith("装饰性")}
    assert not decorated & set(content_pictures(root))
    assert {"/images/logo.png", "/img/spacer.gif", "/upload/share_big.jpg", "/upload/n.jpg"} <= decorated
