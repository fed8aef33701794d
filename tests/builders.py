"""Build real documents for tests: docx, pdf, xlsx, pptx, html, text and scanned pages.

Every builder writes one file at ``path`` and returns that path, so a test
reads ``extract_path(make_docx(tmp_path / "a.docx", body=["机密★1年"]))``.
The files are made with the real libraries (python-docx, reportlab,
openpyxl, python-pptx) plus direct OOXML edits where a library cannot
express a layer (tracked changes, hidden text, text boxes, custom XML), so
what the scanner reads is what a user's office suite would have written.

Shared by every stage's tests; keep the signatures simple.
"""

from __future__ import annotations

import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# -- images -----------------------------------------------------------------


def png_bytes(width: int = 8, height: int = 8, grey: int = 0) -> bytes:
    """A small valid greyscale PNG (no Pillow needed)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes([grey]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def noisy_png(width: int, height: int, *, seed: int) -> bytes:
    """A greyscale PNG of random pixels (Pillow): it does not compress, so it stands for a real photo or scan."""
    import io
    import random

    from PIL import Image

    rng = random.Random(seed)
    image = Image.new("L", (width, height))
    image.putdata([rng.randrange(256) for _ in range(width * height)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# -- reading back -------------------------------------------------------------


def cjk_font() -> str:
    """The file of a CJK font to draw scans with (fonts-noto-cjk, installed by .ci/run), or ``""``."""
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC:lang=zh-cn"], capture_output=True,
                               text=True, check=False).stdout
    except OSError:
        return ""
    return found if "CJK" in found or "cjk" in found else ""


def scan_page(lines: Sequence[str], *, font: str, dpi: int = 200, points: float = 16, line_step: float = 30,
              seal: tuple[float, float, str] | None = None, rotate: float = 0, fade: tuple[float, int] | None = None,
              mode: str = "RGB") -> Any:
    """An A4 page of ``lines`` as a scanner gives it, a PIL image (the OCR benches and the quantiser's pages).

    ``points``: the text's size, ``line_step`` the distance of the lines (in
    points, from 72 pt down the page); ``seal``: a red ring with a name at
    ``(x, y)`` points; ``rotate``: degrees; ``fade``: ``(contrast, lift)``,
    the contrast scaled and every value lifted, as a faint copy.
    """
    from PIL import Image, ImageDraw, ImageEnhance, ImageFont

    scale = dpi / 72
    width, height = int(595 * scale), int(842 * scale)
    image = Image.new(mode, (width, height), "white")
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(font, int(points * scale))
    for index, line in enumerate(lines):
        draw.text((int(72 * scale), int((72 + index * line_step) * scale)), line, font=face, fill="black")
    if seal is not None:
        x, y, name = seal
        layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        ring = ImageDraw.Draw(layer)
        cx, cy, r = int(x * scale), int(y * scale), int(75 * scale)
        ring.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(220, 30, 30, 200), width=int(4 * scale))
        ring.text((cx - int(45 * scale), cy - int(10 * scale)), name, font=ImageFont.truetype(font, int(14 * scale)),
                  fill=(220, 30, 30, 200))
        image = Image.alpha_composite(image.convert("RGBA"), layer).convert(mode)
    if rotate:
        image = image.rotate(rotate, expand=False, fillcolor="white", resample=Image.BICUBIC)
    if fade is not None:
        contrast, lift = fade
        image = ImageEnhance.Contrast(image).enhance(contrast)
        image = Image.eval(image, lambda value: min(255, value + lift))
    return image


def units_in(extraction: Any, part: str) -> list[Any]:
    """The units of ``extraction`` in layer ``part``, in reading order."""
    return [unit for unit in extraction.units if unit.part == part]


def placed_texts(extraction: Any) -> list[tuple[str, str, str]]:
    """Each unit of ``extraction`` as (layer, source, text): where every piece of text was read from."""
    return [(unit.part, unit.source, unit.text) for unit in extraction.units]


# -- docx -------------------------------------------------------------------


def make_docx(
    path: Path,
    body: Sequence[str] = (),
    *,
    header: str | None = None,
    footer: str | None = None,
    first_page_header: str | None = None,
    comments: Sequence[str] = (),
    deleted: Sequence[str] = (),
    inserted: Sequence[str] = (),
    hidden: Sequence[str] = (),
    core_title: str | None = None,
    properties: dict[str, str] | None = None,
    table: Sequence[Sequence[str]] | None = None,
    textbox: str | None = None,
    page_break_before: Iterable[int] = (),
    footnote: str | None = None,
    image_alt: str | None = None,
    custom_xml: str | None = None,
) -> Path:
    """Write a .docx.

    ``body`` paragraphs come first, in order; ``page_break_before`` holds
    0-based indexes of body paragraphs that start a new page.  Then the
    ``table`` (rows of cell strings), then, each as its own paragraph:
    ``deleted`` (a tracked deletion), ``inserted`` (a tracked insertion),
    ``hidden`` (``w:vanish`` text), ``textbox`` (a DrawingML text box with a
    VML fallback, as Word writes it).  ``comments`` are attached to the
    first body paragraph.  ``properties`` sets core properties by python-docx
    name (``subject``, ``keywords``, ``author``, ``comments``, ``category``
    ...).  ``image_alt`` adds an inline PNG with that alt text (and so a
    ``word/media`` image).  ``custom_xml`` adds ``customXml/item1.xml``
    holding that text.  ``footnote`` adds a footnote part.
    """
    from docx import Document
    from docx.oxml import parse_xml

    document = Document()
    breaks = set(page_break_before)
    paragraphs = []
    for index, text in enumerate(body):
        if index in breaks:
            document.add_page_break()
        paragraphs.append(document.add_paragraph(text))
    w = f'xmlns:w="{W_NS}"'
    for text in deleted:
        document.element.body.append(
            parse_xml(
                f'<w:p {w}><w:del w:id="1" w:author="张三" w:date="2024-01-01T00:00:00Z">'
                f"<w:r><w:delText xml:space=\"preserve\">{_x(text)}</w:delText></w:r></w:del></w:p>"
            )
        )
    for text in inserted:
        document.element.body.append(
            parse_xml(
                f'<w:p {w}><w:ins w:id="2" w:author="张三" w:date="2024-01-01T00:00:00Z">'
                f"<w:r><w:t xml:space=\"preserve\">{_x(text)}</w:t></w:r></w:ins></w:p>"
            )
        )
    for text in hidden:
        document.element.body.append(
            parse_xml(f"<w:p {w}><w:r><w:rPr><w:vanish/></w:rPr><w:t>{_x(text)}</w:t></w:r></w:p>")
        )
    if textbox is not None:
        document.element.body.append(parse_xml(_textbox_xml(textbox)))
    if table is not None:
        rows = len(table)
        cols = max((len(row) for row in table), default=0)
        grid = document.add_table(rows=rows, cols=cols)
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    # The body's sectPr must stay last.
    sect = document.element.body.find(f"{{{W_NS}}}sectPr")
    if sect is not None:
        document.element.body.remove(sect)
        document.element.body.append(sect)
    section = document.sections[0]
    if header is not None:
        section.header.paragraphs[0].text = header
    if footer is not None:
        section.footer.paragraphs[0].text = footer
    if first_page_header is not None:
        section.different_first_page_header_footer = True
        section.first_page_header.paragraphs[0].text = first_page_header
    if comments:
        anchor = paragraphs[0] if paragraphs else document.add_paragraph("")
        if not anchor.runs:
            anchor.add_run("")
        for text in comments:
            document.add_comment(anchor.runs, text=text, author="审核人", initials="SH")
    if image_alt is not None:
        import io

        picture = document.add_paragraph().add_run().add_picture(io.BytesIO(png_bytes()))
        picture._inline.docPr.set("descr", image_alt)
    if core_title is not None:
        document.core_properties.title = core_title
    for name, value in (properties or {}).items():
        setattr(document.core_properties, name, value)
    document.save(str(path))
    extra: dict[str, bytes] = {}
    if custom_xml is not None:
        extra["customXml/item1.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><root><field>{_x(custom_xml)}</field></root>'.encode()
        )
    if footnote is not None:
        extra["word/footnotes.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes {w}>'
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            f'<w:footnote w:id="1"><w:p><w:r><w:t>{_x(footnote)}</w:t></w:r></w:p></w:footnote>'
            "</w:footnotes>"
        ).encode()
        # Word reads a footnotes part through the main part's relationship
        # and [Content_Types].xml, as the extractor does
        with zipfile.ZipFile(path) as package:
            rels = package.read("word/_rels/document.xml.rels").decode()
            types = package.read("[Content_Types].xml").decode()
        extra["word/_rels/document.xml.rels"] = rels.replace(
            "</Relationships>",
            '<Relationship Id="rIdFootnotes" Target="footnotes.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/footnotes"/></Relationships>',
        ).encode()
        extra["[Content_Types].xml"] = types.replace(
            "</Types>",
            '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.footnotes+xml"/></Types>',
        ).encode()
    if extra:
        _add_members(path, extra)
    return path


def _textbox_xml(text: str) -> str:
    return (
        f'<w:p xmlns:w="{W_NS}" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml">'
        "<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wp:anchor>"
        '<wp:docPr id="5" name="Text Box 1"/><a:graphic><a:graphicData>'
        f"<wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>{_x(text)}</w:t></w:r></w:p></w:txbxContent>"
        "</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><v:shape><v:textbox>"
        f"<w:txbxContent><w:p><w:r><w:t>{_x(text)}</w:t></w:r></w:p></w:txbxContent>"
        "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _add_members(path: Path, members: dict[str, bytes]) -> None:
    """Rewrite a zip package with extra (or replaced) members."""
    with zipfile.ZipFile(path) as source:
        kept = [(info, source.read(info)) for info in source.infolist() if info.filename not in members]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in kept:
            target.writestr(info, data)
        for name, data in members.items():
            target.writestr(name, data)


# -- xlsx -------------------------------------------------------------------


def make_xlsx(
    path: Path,
    sheets: dict[str, Sequence[Sequence[object]]],
    *,
    hidden: Iterable[str] = (),
    very_hidden: Iterable[str] = (),
    comments: dict[tuple[str, str], str] | None = None,
    header: str | None = None,
    hidden_rows: dict[str, Iterable[int]] | None = None,
    title: str | None = None,
) -> Path:
    """Write an .xlsx with ``sheets`` (name -> rows of values), in order.

    ``hidden`` / ``very_hidden`` name sheets to hide; ``comments`` maps
    (sheet, cell such as "B2") to a cell comment; ``header`` sets the odd
    page header (centre) of every sheet; ``hidden_rows`` maps a sheet to
    1-based row numbers to hide.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        if header is not None:
            sheet.oddHeader.center.text = header
    for name in hidden:
        book[name].sheet_state = "hidden"
    for name in very_hidden:
        book[name].sheet_state = "veryHidden"
    for (name, ref), text in (comments or {}).items():
        book[name][ref].comment = Comment(text, "审核人")
    for name, rows_to_hide in (hidden_rows or {}).items():
        for row in rows_to_hide:
            book[name].row_dimensions[row].hidden = True
    if title is not None:
        book.properties.title = title
    book.save(str(path))
    return path


# -- pptx -------------------------------------------------------------------


def make_pptx(
    path: Path,
    slides: Sequence[str | Sequence[str]],
    *,
    notes: dict[int, str] | None = None,
    hidden: Iterable[int] = (),
    title: str | None = None,
) -> Path:
    """Write a .pptx: one slide per entry (a string or lines of text).

    ``notes`` maps a 1-based slide number to speaker notes; ``hidden``
    holds 1-based numbers of slides to hide (``show="0"``).
    """
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    layout = presentation.slide_layouts[6]  # blank
    hidden_set = set(hidden)
    for number, content in enumerate(slides, start=1):
        slide = presentation.slides.add_slide(layout)
        lines = [content] if isinstance(content, str) else list(content)
        box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(8), Inches(4))
        box.text_frame.text = lines[0] if lines else ""
        for line in lines[1:]:
            box.text_frame.add_paragraph().text = line
        if notes and number in notes:
            slide.notes_slide.notes_text_frame.text = notes[number]
        if number in hidden_set:
            slide._element.set("show", "0")
    if title is not None:
        presentation.core_properties.title = title
    presentation.save(str(path))
    return path


# -- pdf --------------------------------------------------------------------

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
LINE_TOP, LINE_STEP, LEFT = 780.0, 24.0, 72.0
FONT_SIZE = 14


def line_y(index: int) -> float:
    """Baseline of the 0-based ``index``-th line that :func:`make_pdf` draws."""
    return LINE_TOP - index * LINE_STEP


def make_pdf(
    path: Path,
    pages: Sequence[Sequence[str]],
    *,
    dark_box_over: tuple[int, str] | None = None,
    light_box_over: tuple[int, str] | None = None,
    white_text_on_dark: tuple[int, str] | None = None,
    annotations: Sequence[tuple[int, str, str]] = (),
    encrypt: str | None = None,
    title: str | None = None,
    author: str | None = None,
    outline: Sequence[str] = (),
    form_field: tuple[str, str] | None = None,
    attachment: tuple[str, bytes] | None = None,
    images_on: Iterable[int] = (),
) -> Path:
    """Write a PDF with ``pages`` of text lines, Chinese via STSong-Light.

    Line ``i`` of a page is drawn at ``LEFT, line_y(i)`` in 14 pt.

    * ``dark_box_over=(page, text)``: after drawing, a black filled
      rectangle over that line of that page (1-based page) — a failed
      redaction, the text is still in the file.
    * ``light_box_over=(page, text)``: a light grey box drawn *under* the
      line (table shading; must not be flagged).
    * ``white_text_on_dark=(page, text)``: a black box drawn first, the line
      in white on top (a design, not a redaction).
    * ``annotations``: (page, subtype, contents) with subtype one of Text,
      FreeText, Highlight (yellow), BlackHighlight (a black /Highlight),
      Redact (added with pypdf).  Every annotation covers the box
      x 72..272, y 600..630, i.e. line index 7 (``line_y(7)`` = 612).
    * ``encrypt``: a user password ("" for an empty user password that any
      reader can open).
    * ``outline``: bookmark titles (one per page, in order).
    * ``form_field``: (name, value) of a filled AcroForm text field on page 1
      (reportlab writes the value in Latin-1: use ASCII, e.g. a phone number).
    * ``attachment``: (file name, bytes) embedded in the document.
    * ``images_on``: 1-based pages that also get a small image.
    """
    import io

    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    encryption = None
    if encrypt is not None:
        from reportlab.lib.pdfencrypt import StandardEncryption

        encryption = StandardEncryption(encrypt, ownerPassword="owner-secret", strength=128)
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H), encrypt=encryption)
    if title is not None:
        pdf.setTitle(title)
    if author is not None:
        pdf.setAuthor(author)
    image_pages = set(images_on)
    for page_no, lines in enumerate(pages, start=1):
        for index, line in enumerate(lines):
            y = line_y(index)
            width = pdfmetrics.stringWidth(line, "STSong-Light", FONT_SIZE)
            if light_box_over == (page_no, line):
                pdf.setFillColorRGB(0.92, 0.92, 0.92)
                pdf.rect(LEFT - 2, y - 4, width + 4, FONT_SIZE + 6, fill=1, stroke=0)
            if white_text_on_dark == (page_no, line):
                pdf.setFillColorRGB(0, 0, 0)
                pdf.rect(LEFT - 2, y - 4, width + 4, FONT_SIZE + 6, fill=1, stroke=0)
                pdf.setFillColorRGB(1, 1, 1)
            else:
                pdf.setFillColorRGB(0, 0, 0)
            pdf.setFont("STSong-Light", FONT_SIZE)
            pdf.drawString(LEFT, y, line)
            if dark_box_over == (page_no, line):
                pdf.setFillColorRGB(0, 0, 0)
                pdf.rect(LEFT - 2, y - 4, width + 4, FONT_SIZE + 6, fill=1, stroke=0)
        if page_no in image_pages:
            pdf.drawImage(ImageReader(io.BytesIO(png_bytes(64, 64, 128))), 300, 100, 64, 64)
        if outline and page_no <= len(outline):
            key = f"p{page_no}"
            pdf.bookmarkPage(key)
            pdf.addOutlineEntry(outline[page_no - 1], key, level=0)
        if form_field is not None and page_no == 1:
            pdf.acroForm.textfield(name=form_field[0], value=form_field[1], x=LEFT, y=100, width=300, height=20)
        pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    if annotations or attachment is not None:
        data = _pdf_post(data, annotations, attachment)
    path.write_bytes(data)
    return path


def _pdf_post(data: bytes, annotations: Sequence[tuple[int, str, str]], attachment: tuple[str, bytes] | None) -> bytes:
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page_no, subtype, contents in annotations:
        colour = (0.0, 0.0, 0.0) if subtype == "BlackHighlight" else (1.0, 1.0, 0.0)
        subtype = "Highlight" if subtype == "BlackHighlight" else subtype
        rect = ArrayObject([FloatObject(v) for v in (LEFT, 600, LEFT + 200, 630)])
        annotation = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject(f"/{subtype}"),
                NameObject("/Rect"): rect,
                NameObject("/Contents"): TextStringObject(contents),
                NameObject("/F"): NumberObject(4),
            }
        )
        if subtype in ("Highlight", "Redact"):
            annotation[NameObject("/QuadPoints")] = ArrayObject(
                [FloatObject(v) for v in (LEFT, 630, LEFT + 200, 630, LEFT, 600, LEFT + 200, 600)]
            )
        if subtype == "Highlight":
            annotation[NameObject("/C")] = ArrayObject([FloatObject(v) for v in colour])
        writer.add_annotation(page_no - 1, annotation)
    if attachment is not None:
        writer.add_attachment(attachment[0], attachment[1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_image_only_pdf(path: Path, pages: int = 1) -> Path:
    """A PDF whose pages hold only an image (a scan without a text layer)."""
    import io

    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H))
    for _ in range(pages):
        pdf.drawImage(ImageReader(io.BytesIO(png_bytes(200, 280, 200))), 0, 0, PAGE_W, PAGE_H)
        pdf.showPage()
    pdf.save()
    path.write_bytes(buffer.getvalue())
    return path


def make_empty_pdf(path: Path, pages: int = 1) -> Path:
    """A PDF with blank pages: no text, no images."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H))
    for _ in range(pages):
        pdf.showPage()
    pdf.save()
    path.write_bytes(buffer.getvalue())
    return path


# -- html and text ----------------------------------------------------------


def make_html(
    path: Path,
    body: str,
    *,
    title: str | None = None,
    meta: dict[str, str] | None = None,
    charset: str = "utf-8",
    declare_charset: bool = True,
) -> Path:
    """Write an HTML page: ``body`` is raw inner HTML of <body>; encoded in ``charset``."""
    head = []
    if declare_charset:
        head.append(f'<meta charset="{charset}">')
    if title is not None:
        head.append(f"<title>{title}</title>")
    for name, content in (meta or {}).items():
        head.append(f'<meta name="{name}" content="{content}">')
    page = f"<!DOCTYPE html>\n<html><head>{''.join(head)}</head>\n<body>\n{body}\n</body></html>\n"
    path.write_bytes(page.encode(charset))
    return path


# A unit's own rule file (``--lexicon``): one term of its list of work secrets, with its examples.
USER_RULES = """
rules:
  - id: UX001
    name: our-secret-project
    category: sensitive-content
    severity: block
    summary: 本单位工作秘密事项清单所列项目代号
    basis: 本单位工作秘密事项清单第3项
    terms: [青龙工程]
    examples: {match: [青龙工程进展], no_match: [青龙山公园]}
"""


# Four articles of an ordinary public notice, as a web page's article holds them (nothing to report).
PUBLIC_ARTICLE = "".join(
    f"<p>第{n}条 为规范本市公共服务工作，根据有关法律法规，结合本市实际，制定本办法，请认真贯彻执行。</p>" for n in range(1, 5)
)


def html_page(body: str) -> bytes:
    """A minimal web page around ``body`` (inner HTML of ``<body>``), UTF-8 bytes, titled 通知."""
    return f"<html><head><title>通知</title></head><body>{body}</body></html>".encode()


def plain_notice(index: int) -> str:
    """The text of notice number ``index`` that holds nothing to report (each differs, so none is cached as another)."""
    return f"关于举办第{index}届读书节活动的通知\n欢迎市民参加，活动免费。\n"


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` at ``path`` and return the path."""
    path.write_bytes(data)
    return path


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` in ``encoding`` ("utf-8-sig" and "utf-16" write a BOM)."""
    path.write_bytes(text.encode(encoding))
    return path


def make_pdf_drawn(path: Path, draw: Callable[[Any, int], None], pages: int = 1) -> Path:
    """Write a PDF whose pages are drawn by ``draw(canvas, page_no)`` (1-based).

    For layouts :func:`make_pdf` does not offer (form XObjects, transparency,
    colours, other fonts): ``draw`` gets a reportlab canvas of ``PAGE_W`` x
    ``PAGE_H`` with the CID font "STSong-Light" registered; the page is
    finished after it returns.
    """
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H))
    for page_no in range(1, pages + 1):
        draw(pdf, page_no)
        pdf.showPage()
    pdf.save()
    path.write_bytes(buffer.getvalue())
    return path
