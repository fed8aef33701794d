"""#25 in more containers: OFD pictures, and pictures that are archive members or mail attachments, reach OCR.

The first tests look at what the extractors hand to OCR (``Extraction.images``
with page and box, ``Extraction.embedded`` for members); the last ones run the
real engine on a generated scan and check the verdict and where the mark is.
"""

from __future__ import annotations

import io
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import noisy_png
from legacy_builders import emf

from scanner.extract import extract_bytes

OFD_NS = "http://www.ofdspec.org/2016"


def ofd_with_pictures(pictures: dict[str, bytes], *, missing: bool = False) -> bytes:
    """One page with a line of text and an ImageObject per picture; the resources in DocumentRes.xml."""
    ofd = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD">'
           "<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
    document = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData>'
                "<ofd:MaxUnitID>100</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
                "</ofd:PageArea><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData>"
                '<ofd:Pages><ofd:Page ID="10" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>')
    media = "".join(f'<ofd:MultiMedia ID="{50 + i}" Type="Image"><ofd:MediaFile>{name}</ofd:MediaFile></ofd:MultiMedia>'
                    for i, name in enumerate(pictures))
    res = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res">'
           f"<ofd:MultiMedias>{media}</ofd:MultiMedias></ofd:Res>")
    images = "".join(f'<ofd:ImageObject ID="{60 + i}" ResourceID="{50 + i}" Boundary="20 {20 + 40 * i} 100 30" '
                     'CTM="100 0 0 30 0 0"/>' for i in range(len(pictures)))
    content = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="1">'
               '<ofd:TextObject ID="2" Boundary="20 200 170 8" Font="1" Size="5"><ofd:TextCode X="0" Y="5">'
               f"各单位：请按时报送材料。</ofd:TextCode></ofd:TextObject>{images}</ofd:Layer></ofd:Content></ofd:Page>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("OFD.xml", ofd)
        package.writestr("Doc_0/Document.xml", document)
        package.writestr("Doc_0/DocumentRes.xml", res)
        package.writestr("Doc_0/Pages/Page_0/Content.xml", content)
        for name, data in pictures.items():
            if not missing:
                package.writestr(f"Doc_0/Res/{name}", data)
    return buffer.getvalue()


def test_an_ofd_picture_goes_to_ocr_with_its_page_and_box_in_points():
    png = noisy_png(120, 40, seed=5)
    extraction = extract_bytes(ofd_with_pictures({"image_50.png": png}), "a.ofd")
    assert extraction.errors == ()
    [image] = extraction.images
    assert (image.name, image.data, image.page) == ("Doc_0/Res/image_50.png", png, 1)
    mm = 72 / 25.4
    assert image.box == pytest.approx((20 * mm, 20 * mm, 120 * mm, 50 * mm))
    assert image.page_size == pytest.approx((210 * mm, 297 * mm))
    assert [(c.name, c.status) for c in extraction.coverage if c.kind == "image"] == [("Doc_0/Res/image_50.png", "listed")]


def test_an_ofd_vector_or_missing_picture_is_named_as_unread():
    vector = extract_bytes(ofd_with_pictures({"image_50.emf": emf("机密★1年")}), "a.ofd")
    assert vector.images == ()
    assert [(c.name, c.status) for c in vector.coverage if c.kind == "image"] == [("Doc_0/Res/image_50.emf", "unread")]
    missing = extract_bytes(ofd_with_pictures({"image_50.png": noisy_png(120, 40, seed=5)}, missing=True), "a.ofd")
    assert missing.images == ()
    assert any(n.kind == "unread-part" and "image_50.png" in n.source for n in missing.notices)


def test_a_picture_in_a_zip_or_a_mail_is_an_embedded_image_file_that_reaches_ocr():
    png = noisy_png(120, 40, seed=5)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("附件/扫描件.png", png)
    archive_extraction = extract_bytes(buffer.getvalue(), "a.zip")
    [member] = archive_extraction.embedded
    assert member.data == png
    inner = extract_bytes(member.data, member.name)  # what the pipeline does with each member
    assert inner.format == "image" and [image.data[:8] for image in inner.images] == [b"\x89PNG\r\n\x1a\n"]

    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "材料", "a@example.org", "b@example.org"
    message.set_content("请查收附件。")
    message.add_attachment(png, maintype="image", subtype="png", filename="扫描件.png")
    mail = extract_bytes(message.as_bytes(), "a.eml")
    pictures = [e for e in mail.embedded if e.data == png] + [i for i in mail.images if i.data == png]
    assert len(pictures) == 1


# -- with the engine: the same pictures holding a mark block the document, located to the member --------------

from tests.test_ocr import FONT, render  # noqa: E402 - the OCR tests' page renderer and font

needs_font = pytest.mark.skipif(not FONT, reason="no CJK font (fonts-noto-cjk, installed by .ci/run) to render scans")
SCAN = ["机密★1年", "关于加强网站信息内容建设的通知"]


@pytest.fixture(scope="module")
def ocr_settings():
    from scanner.pipeline import build_settings

    return build_settings()


@needs_font
def test_a_scan_in_a_zip_and_in_a_mail_blocks_located_to_the_member(ocr_settings):
    from scanner.pipeline import scan_bytes
    from scanner.types import Verdict

    png = render(SCAN, size=(1240, 500))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("扫描件.png", png)
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "材料", "a@example.org", "b@example.org"
    message.set_content("请查收附件。")
    message.add_attachment(png, maintype="image", subtype="png", filename="扫描件.png")
    for data, name in ((buffer.getvalue(), "材料.zip"), (message.as_bytes(), "材料.eml")):
        result = scan_bytes(data, name, ocr_settings)
        assert result.verdict is Verdict.BLOCK, name
        mark = next(f for f in result.findings if f.rule == "CM001")
        assert mark.location.part == "ocr" and "扫描件.png" in mark.location.source, (name, mark.location)


@needs_font
def test_a_scan_drawn_on_an_ofd_page_blocks_on_that_page(ocr_settings):
    from scanner.pipeline import scan_bytes
    from scanner.types import Verdict

    result = scan_bytes(ofd_with_pictures({"image_50.png": render(SCAN, size=(1240, 500))}), "a.ofd", ocr_settings)
    assert result.verdict is Verdict.BLOCK
    mark = next(f for f in result.findings if f.rule == "CM001")
    assert (mark.location.part, mark.location.page) == ("ocr", 1)
