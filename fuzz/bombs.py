"""Hostile inputs of issue #22 ("Unbounded", "Crashes"), generated on demand.

Each builder writes one file into a directory and returns its path; the
tests (``tests/test_guard.py``) and the bench (``bench/bench_bombs.py``)
scan them in single-file and in batch mode and check that each ends as
``review`` (or its true verdict) within the time and memory promised:
60 s and 500 MB peak RSS.  ``scale`` shrinks a bomb for a quick test run
(1.0 is the size the issue reported).
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

from fuzz.make_seeds import OFD_NS

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def _package(path: Path, members: dict[str, bytes | Callable[[zipfile.ZipFile], None]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, body in members.items():
            if callable(body):
                body(package)
            else:
                package.writestr(name, body)
    return path


def _rels(*targets: tuple[str, str, str]) -> bytes:
    items = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{g}"/>' for i, t, g in targets)
    return f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL_NS}">{items}</Relationships>'.encode()


def _types(*overrides: tuple[str, str]) -> bytes:
    items = "".join(f'<Override PartName="/{name}" ContentType="{kind}"/>' for name, kind in overrides)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT_NS}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{items}</Types>'
    ).encode()


def lying_docx(folder: Path, scale: float = 1.0) -> Path:
    """A docx whose ``word/document.xml`` inflates to ~60 MB of one-character paragraphs.

    The zip headers lie about the compressed size (a large one, so the
    ratio check passes); parsed whole, the part made a tree of 1.4 GB.
    """
    count = int(1_700_000 * scale)
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>'.encode()
    paragraph = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>"
    tail = b"</w:body></w:document>"

    def document(package: zipfile.ZipFile) -> None:
        with package.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(head)
            block = paragraph * 10_000
            for _ in range(count // 10_000):
                member.write(block)
            member.write(paragraph * (count % 10_000))
            member.write(tail)

    path = _package(folder / "lying.docx", {
        "[Content_Types].xml": _types(
            ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")),
        "_rels/.rels": _rels(("rId1", OFFICE_DOC, "word/document.xml")),
        "word/document.xml": document,
        # incompressible bytes after the part, so that the compressed size it claims lies inside the file
        "word/media/image1.bin": random.Random(22).randbytes(1_300_000),
    })
    return _lie_compressed_size(path, "word/document.xml")


def _lie_compressed_size(path: Path, member: str) -> Path:
    """Patch the central directory: ``member``'s compressed size claims 1/50 of its real size."""
    data = bytearray(path.read_bytes())
    encoded = member.encode()
    offset = data.find(b"PK\x01\x02")
    while offset != -1:
        name_length = int.from_bytes(data[offset + 28 : offset + 30], "little")
        if bytes(data[offset + 46 : offset + 46 + name_length]) == encoded:
            size = int.from_bytes(data[offset + 24 : offset + 28], "little")
            if size != 0xFFFFFFFF:
                data[offset + 20 : offset + 24] = max(size // 50, 1).to_bytes(4, "little")
        offset = data.find(b"PK\x01\x02", offset + 4)
    path.write_bytes(bytes(data))
    return path


def phone_numbers(folder: Path, scale: float = 1.0) -> Path:
    """2 million mobile numbers, one a line: 2 million findings of one rule before the cap."""
    count = int(2_000_000 * scale)
    path = folder / "phones.txt"
    with path.open("wb") as handle:
        handle.write("联系人电话：\n".encode())
        for start in range(0, count, 100_000):
            handle.write("".join(f"139{n:08d}\n" for n in range(start, min(count, start + 100_000))).encode())
    return path


def tiny_blocks(folder: Path, scale: float = 1.0) -> Path:
    """3 million tiny HTML blocks (``<p>字</p>``)."""
    count = int(3_000_000 * scale)
    path = folder / "blocks.html"
    with path.open("wb") as handle:
        handle.write(b'<html><head><meta charset="utf-8"><title>t</title></head><body>')
        block = "<p>字</p>".encode() * 10_000
        for _ in range(count // 10_000):
            handle.write(block)
        handle.write(b"</body></html>")
    return path


def repeated_sheets(folder: Path, scale: float = 1.0) -> Path:
    """An xlsx whose workbook names one worksheet part 50,000 times (each a 200-cell sheet)."""
    count = int(50_000 * scale)
    cells = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>第{r}行内容</t></is></c></row>' for r in range(1, 201))
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{S_NS}"><sheetData>{cells}</sheetData></worksheet>'
    entries = "".join(f'<sheet name="S{n}" sheetId="{n}" r:id="rId1"/>' for n in range(1, count + 1))
    workbook = f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{S_NS}" xmlns:r="{R_NS}"><sheets>{entries}</sheets></workbook>'
    return _package(folder / "sheets.xlsx", {
        "[Content_Types].xml": _types(
            ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
            ("xl/worksheets/sheet1.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")),
        "_rels/.rels": _rels(("rId1", OFFICE_DOC, "xl/workbook.xml")),
        "xl/workbook.xml": workbook.encode(),
        "xl/_rels/workbook.xml.rels": _rels(
            ("rId1", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet",
             "worksheets/sheet1.xml")),
        "xl/worksheets/sheet1.xml": sheet.encode(),
    })


def repeated_slides(folder: Path, scale: float = 1.0) -> Path:
    """A pptx whose slide list names one slide part 50,000 times."""
    count = int(50_000 * scale)
    paragraphs = "".join(f"<a:p><a:r><a:t>第{n}段</a:t></a:r></a:p>" for n in range(100))
    slide = (f'<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:p="{P_NS}" xmlns:a="{A_NS}"><p:cSld><p:spTree>'
             f"<p:sp><p:txBody>{paragraphs}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>")
    ids = "".join(f'<p:sldId id="{256 + n}" r:id="rId1"/>' for n in range(count))
    presentation = (f'<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="{P_NS}" xmlns:r="{R_NS}">'
                    f"<p:sldIdLst>{ids}</p:sldIdLst></p:presentation>")
    return _package(folder / "slides.pptx", {
        "[Content_Types].xml": _types(
            ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
            ("ppt/slides/slide1.xml", "application/vnd.openxmlformats-officedocument.presentationml.slide+xml")),
        "_rels/.rels": _rels(("rId1", OFFICE_DOC, "ppt/presentation.xml")),
        "ppt/presentation.xml": presentation.encode(),
        "ppt/_rels/presentation.xml.rels": _rels(
            ("rId1", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide", "slides/slide1.xml")),
        "ppt/slides/slide1.xml": slide.encode(),
    })


def repeated_pages(folder: Path, scale: float = 1.0) -> Path:
    """An OFD whose page list names one page's content 50,000 times."""
    count = int(50_000 * scale)
    objects = "".join(
        f'<ofd:TextObject ID="{n + 2}" Boundary="20 {20 + n * 10} 170 8" Font="1" Size="5">'
        f'<ofd:TextCode X="0" Y="5">第{n}行</ofd:TextCode></ofd:TextObject>' for n in range(20))
    page = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content>'
            f'<ofd:Layer ID="1">{objects}</ofd:Layer></ofd:Content></ofd:Page>')
    refs = "".join(f'<ofd:Page ID="{n + 10}" BaseLoc="Pages/Page_0/Content.xml"/>' for n in range(count))
    document = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}">'
                f"<ofd:Pages>{refs}</ofd:Pages></ofd:Document>")
    ofd = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD">'
           "<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
    return _package(folder / "pages.ofd", {
        "OFD.xml": ofd.encode(),
        "Doc_0/Document.xml": document.encode(),
        "Doc_0/Pages/Page_0/Content.xml": page.encode(),
    })


def utf7_page(folder: Path, scale: float = 1.0) -> Path:
    """An HTML page declared UTF-7 whose bytes decode to a lone surrogate, with a mark after it."""
    body = "\ud83d机密★1年".encode("utf-7")  # b"+2D0-..." : U+D83D alone, then the mark
    path = folder / "utf7.html"
    path.write_bytes(b'<html><head><meta charset="utf-7"></head><body><p>' + body + b"</p><p>a+2D0-b</p></body></html>")
    return path


def surrogate_text(folder: Path, scale: float = 1.0) -> Path:
    """A UTF-16 text whose first code unit is a lone high surrogate, followed by a mobile number."""
    path = folder / "surrogate.txt"
    text = "联系人电话13912345678\n"
    path.write_bytes(b"\xff\xfe" + b"\x3d\xd8" + text.encode("utf-16-le"))
    return path


BOMBS: dict[str, Callable[[Path, float], Path]] = {
    "lying-docx": lying_docx,
    "phone-numbers": phone_numbers,
    "tiny-html-blocks": tiny_blocks,
    "repeated-sheets": repeated_sheets,
    "repeated-slides": repeated_slides,
    "repeated-ofd-pages": repeated_pages,
    "utf7-page": utf7_page,
    "surrogate-text": surrogate_text,
}


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip of ``members`` (for tests that need a package in memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, body in members.items():
            package.writestr(name, body)
    return buffer.getvalue()
