"""Vector pictures (EMF/WMF/PICT) and DIB bitmaps in legacy Office files: never silently passed.

No engine here reads a metafile (Pillow identifies EMF/WMF on Linux but
cannot load them: "cannot find loader for this WMF file"), so each one that
could hold text is named as unread (UR003, review), as an ``image1.emf`` in a
docx is named by UR002; one whose declared frame is under 2 mm is decoration.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx
from legacy_builders import biff8_sheet, emf, metafile_blip, ppt, word97, xls

from scanner.extract import extract_bytes
from scanner.extract._images import MIN_VECTOR_MM, dib_to_bmp, vector_kind, vector_size_mm
from scanner.pipeline import scan_bytes
from scanner.types import Verdict

BODY = ["关于道路维修工程的通知", "各单位：请按时报送材料。"]
MARK = "机密★1年"


def _containers(blip: bytes) -> dict[str, tuple[bytes, str]]:
    """The same picture in each legacy format, with the stream its name starts with."""
    return {
        "doc": (word97(BODY, picture=blip), "Data/"),
        "xls": (xls({"表1": biff8_sheet({(0, 0): BODY[0], (1, 0): BODY[1]})}, picture=blip), "Workbook/"),
        "ppt": (ppt([BODY], blips=blip), "Pictures/"),
    }


@pytest.mark.parametrize("kind", ["doc", "xls", "ppt"])
@pytest.mark.parametrize("metafile", ["EMF", "WMF", "PICT"])
def test_a_vector_picture_is_named_as_unread_and_keeps_the_document_at_review(settings, kind, metafile):
    data, stream = _containers(metafile_blip(emf(MARK), kind=metafile))[kind]
    extraction = extract_bytes(data, f"a.{kind}")
    name = f"{stream}矢量图1.{metafile.lower()}"
    assert [(c.name, c.status) for c in extraction.coverage if c.kind == "image"] == [(name, "unread")]
    notices = [n for n in extraction.notices if n.kind == "unread-part"]
    assert [n.source for n in notices] == [name] and metafile in notices[0].detail
    assert extraction.images == ()  # nothing to hand to OCR
    result = scan_bytes(data, f"a.{kind}", settings)
    assert result.verdict is Verdict.REVIEW
    assert any(f.rule == "UR003" and f.location.source == name for f in result.findings)


@pytest.mark.parametrize("kind", ["doc", "xls", "ppt"])
def test_a_vector_picture_under_two_millimetres_is_decoration_and_the_document_passes(settings, kind):
    data, stream = _containers(metafile_blip(emf("—"), size_mm=(80.0, MIN_VECTOR_MM / 2)))[kind]
    extraction = extract_bytes(data, f"a.{kind}")
    assert [(c.name, c.status) for c in extraction.coverage if c.kind == "image"] == [
        (f"{stream}矢量图1.emf", "listed")]
    assert not [n for n in extraction.notices if n.kind == "unread-part"]
    assert scan_bytes(data, f"a.{kind}", settings).verdict is Verdict.PASS


def _dib() -> bytes:
    rng = random.Random(3)
    width, height = 64, 32
    rows = bytes(rng.randrange(256) for _ in range(width * 3 * height))
    return struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(rows), 2835, 2835, 0, 0) + rows


def test_a_dib_bitmap_in_a_doc_or_xls_goes_to_ocr_as_a_bmp():
    dib = _dib()
    blip = struct.pack("<HHI", 0x7A8 << 4, 0xF01F, 17 + len(dib)) + bytes(16) + b"\xff" + dib
    for kind, (data, stream) in _containers(blip).items():
        if kind == "ppt":
            continue  # the Pictures stream's bitmaps are numbered by record (tests/test_extract_ppt.py)
        images = extract_bytes(data, f"a.{kind}").images
        assert [(image.name, image.data) for image in images] == [(f"{stream}位图1.bmp", dib_to_bmp(dib))]
        from PIL import Image

        assert Image.open(io.BytesIO(images[0].data)).size == (64, 32)  # a bitmap OCR can decode


def test_vector_pictures_are_told_apart_and_measured_by_their_headers():
    picture = emf(MARK, width=400, height=60)
    assert vector_kind(picture) == "EMF"
    assert vector_size_mm(picture, "EMF") == (104.0, 15.6)  # rclFrame, 0.01 mm
    placeable = b"\xd7\xcd\xc6\x9a" + struct.pack("<H4hHI", 0, 0, 0, 1440, 144, 1440, 0) + bytes(30)
    assert vector_kind(placeable) == "WMF" and vector_size_mm(placeable, "WMF") == (25.4, 2.54)
    assert vector_kind(b"VCLMTF" + bytes(300)) == "SVM"
    assert vector_kind(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>') == "SVG"
    assert vector_kind(b"\x89PNG\r\n\x1a\n" + bytes(300)) == ""


def test_an_emf_in_a_docx_is_named_like_the_legacy_formats(settings, tmp_path):
    # today's OOXML behaviour, which the legacy readers now match: the picture is named, the document is review
    path = tmp_path / "a.docx"
    make_docx(path, BODY)
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("word/media/image1.emf", emf(MARK))
    extraction = extract_bytes(buffer.getvalue(), "a.docx")
    assert [(c.name, c.status) for c in extraction.coverage if c.name.endswith(".emf")] == [
        ("word/media/image1.emf", "unread")]
    result = scan_bytes(buffer.getvalue(), "a.docx", settings)
    assert result.verdict is Verdict.REVIEW
    assert any(f.rule == "UR002" and "image1.emf" in (f.location.source + f.text) for f in result.findings)


def test_an_emf_or_wmf_in_rtf_and_wordml_is_named_as_unread(settings):
    from markup_builders import rtf, wordml

    placeable_wmf = (b"\xd7\xcd\xc6\x9a" + struct.pack("<H4hHI", 0, 0, 0, 2880, 360, 1440, 0) + bytes(2)
                     + b"\x01\x00\x09\x00" + bytes(300))
    cases = {
        "rtf-emf": (rtf(BODY, picture=emf(MARK), picture_kind="emfblip"), "a.rtf", "图片1.emf"),
        "rtf-wmf": (rtf(BODY, picture=placeable_wmf[22:], picture_kind="wmetafile"), "a.rtf", "图片1.wmf"),
        "wordml-wmf": (wordml(BODY, pictures={"wordml://01000001.wmf": placeable_wmf}), "a.xml", "wordml://01000001.wmf"),
        "wordml-emf": (wordml(BODY, pictures={"wordml://02000002.emf": emf(MARK)}), "a.doc", "wordml://02000002.emf"),
    }
    for label, (data, name, picture) in cases.items():
        extraction = extract_bytes(data, name)
        assert [(c.name, c.status) for c in extraction.coverage if c.kind == "image"] == [(picture, "unread")], label
        assert extraction.images == (), label
        assert scan_bytes(data, name, settings).verdict is Verdict.REVIEW, label
    # the same documents with a tiny rule line: decoration, and they pass
    line = emf("—", width=400, height=4)  # 104 x 1.04 mm
    for data, name in ((rtf(BODY, picture=line, picture_kind="emfblip"), "a.rtf"),
                       (wordml(BODY, pictures={"wordml://03.emf": line}), "a.xml")):
        assert scan_bytes(data, name, settings).verdict is Verdict.PASS, name


def test_a_vector_picture_in_an_odt_package_is_named_as_unread(settings):
    import zipfile as _zipfile

    from markup_builders import odt

    buffer = io.BytesIO()
    with _zipfile.ZipFile(io.BytesIO(odt(BODY)), "r") as source, _zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("Pictures/1000000000.wmf", b"\x01\x00\x09\x00" + bytes(400))
    extraction = extract_bytes(buffer.getvalue(), "a.odt")
    assert [(c.name, c.status) for c in extraction.coverage if c.kind == "image"] == [("Pictures/1000000000.wmf", "unread")]
    assert scan_bytes(buffer.getvalue(), "a.odt", settings).verdict is Verdict.REVIEW
