"""Documents in the markup formats written at test time: RTF, OpenDocument, Word 2003 XML and web archives.

Each builder writes what a real office suite writes for the layers the
readers must find (hidden text, deletions, annotations, headers, objects),
as bytes; LibreOffice cross-checks in the tests open the same files.  The
compound-file formats are in :mod:`legacy_builders`.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Sequence

# -- RTF -----------------------------------------------------------------------------------------------


def rtf_escape(text: str, *, gbk: bool = True) -> str:
    """Non-ASCII text as Word and WPS write it: GBK bytes as \\'hh escapes, or \\uN with a ``?`` fallback."""
    out = []
    for char in text:
        if char in "\\{}":
            out.append("\\" + char)
        elif ord(char) < 128:
            out.append(char)
        elif gbk:
            try:
                out.append("".join(f"\\'{byte:02x}" for byte in char.encode("gbk")))
            except UnicodeEncodeError:
                out.append(f"\\u{ord(char) if ord(char) < 32768 else ord(char) - 65536}?")
        else:
            out.append(f"\\u{ord(char) if ord(char) < 32768 else ord(char) - 65536}?")
    return "".join(out)


def rtf(
    body: Sequence[str],
    *,
    header: str = "",
    footer: str = "",
    footnote: str = "",
    annotation: tuple[str, str] | None = None,
    deleted: str = "",
    hidden: str = "",
    textbox: str = "",
    table: Sequence[Sequence[str]] = (),
    info: dict[str, str] | None = None,
    objdata: bytes = b"",
    picture: bytes = b"",
    picture_kind: str = "pngblip",
    unicode_body: bool = False,
    inserted: str = "",
) -> bytes:
    """An RTF document as Word writes one: a GBK code page (\\ansicpg936, a font with \\fcharset134), a font
    table, colour table, style sheet and generator (all skipped by readers), then ``\\info`` properties,
    header/footer, the body paragraphs (``\\'hh`` escapes, or ``\\uN`` with ``unicode_body``), a deleted
    revision (``\\deleted``), hidden text (``\\v``), a footnote, an annotation (author, text), a shape's
    text box, a table, an embedded OLE1 object (``objdata``: its native data, class ``Package`` holding
    a packaged file) and a PNG picture.
    """
    e = rtf_escape
    parts = [r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 \'cb\'ce\'cc\'e5;}{\f1\fswiss\fcharset0 Arial;}}"
             r"{\colortbl;\red0\green0\blue0;}{\stylesheet{\qj\f0\fs21 Normal;}}{\*\generator secscan tests;}"]
    if info:
        parts.append("{\\info" + "".join(f"{{\\{key} {e(value)}}}" for key, value in info.items())
                     + r"{\creatim\yr2026\mo12\dy7\hr9\min0}}")
    parts.append(r"\paperw11906\paperh16838\margl1800\margr1800")
    if header:
        parts.append(f"{{\\header\\pard\\plain\\qc\\f0 {e(header)}\\par}}")
    if footer:
        parts.append(f"{{\\footer\\pard\\plain\\qc\\f0 {e(footer)}\\par}}")
    for index, paragraph in enumerate(body):
        text = e(paragraph, gbk=not unicode_body)
        if index == 0 and annotation:
            author, note = annotation
            text += (f"{{\\*\\atnid {e(author)}}}{{\\*\\atnauthor {e(author)}}}\\chatn"
                     f"{{\\*\\annotation{{\\*\\atnref 1}}{{\\*\\atndate 0}}\\pard\\plain\\f0 {e(note)}}}")
        if index == len(body) - 1 and footnote:
            text += f"{{\\super\\chftn}}{{\\footnote\\pard\\plain\\f0{{\\super\\chftn}} {e(footnote)}}}"
        parts.append(f"\\pard\\plain\\qj\\f0 {text}\\par\n")
    if deleted:
        parts.append(f"\\pard\\plain\\f0{{\\deleted\\revauthdel1\\revdttmdel0 {e(deleted)}}}\\par\n")
    if inserted:
        parts.append(f"\\pard\\plain\\f0 {e('已有文字')}{{\\revised\\revauth1\\revdttm0 {e(inserted)}}}\\par\n")
    if hidden:
        parts.append(f"\\pard\\plain\\f0{{\\v {e(hidden)}}}\\par\n")
    if textbox:
        parts.append(r"{\shp{\*\shpinst\shpleft0\shptop0\shpright2000\shpbottom1000{\sp{\sn shapeType}{\sv 202}}"
                     f"{{\\shptxt\\pard\\plain\\f0 {e(textbox)}\\par}}}}{{\\shprslt{{\\*\\do\\dobxcolumn{{\\dptxbx"
                     f"{{\\pard\\plain {e(textbox)}\\par}}}}}}}}}}\n")
    for row in table:
        cells = "".join(f"\\pard\\intbl\\f0 {e(cell)}\\cell" for cell in row)
        edges = "".join(f"\\cellx{2000 * (n + 1)}" for n in range(len(row)))
        parts.append(f"\\trowd{edges}{cells}\\row\n")
    if objdata:
        package = b"\x02\x00" + b"attachment.docx\0" + b"C:\\attachment.docx\0" + b"\x00\x00\x03\x00"
        temp = b"C:\\Temp\\attachment.docx\0"
        package += struct.pack("<I", len(temp)) + temp + struct.pack("<I", len(objdata)) + objdata
        ole1 = struct.pack("<II", 0x00000501, 2)
        for name in (b"Package\0", b"\0", b"\0"):
            ole1 += struct.pack("<I", len(name)) + name
        ole1 += struct.pack("<I", len(package)) + package
        hexa = ole1.hex()
        lines = "\n".join(hexa[i : i + 128] for i in range(0, len(hexa), 128))
        parts.append(r"{\object\objemb{\*\objclass Package}\objw1000\objh1000{\*\objdata " + lines + "}"
                     r"{\result{\pard attachment.docx\par}}}" + "\n")
    if picture:
        parts.append(r"{\*\shppict{\pict" + f"\\{picture_kind}" + r"\picw100\pich100 " + picture.hex() + "}}"
                     r"{\nonshppict{\pict\wmetafile8 0100}}" + "\n")
    parts.append("}")
    return "".join(parts).encode("ascii")


# -- OpenDocument (ODF 1.2) ------------------------------------------------------------------------------

_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2"'
)
_ODF_MIME = {"text": "application/vnd.oasis.opendocument.text",
             "spreadsheet": "application/vnd.oasis.opendocument.spreadsheet",
             "presentation": "application/vnd.oasis.opendocument.presentation"}


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def odf_package(kind: str, body: str, *, automatic_styles: str = "", master: str = "",
                meta: dict[str, str] | None = None, members: dict[str, bytes] | None = None,
                encrypted: bool = False) -> bytes:
    """An OpenDocument zip: ``mimetype`` first and stored, content.xml with ``body`` inside
    ``office:<kind>``, styles.xml with the ``master`` page's content, meta.xml, the manifest."""
    import io
    import zipfile

    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>'
               f"<office:automatic-styles>{automatic_styles}</office:automatic-styles>"
               f"<office:body><office:{kind}>{body}</office:{kind}></office:body></office:document-content>")
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {_ODF_NS}><office:styles/>'
              f'<office:master-styles><style:master-page style:name="Standard">{master}</style:master-page>'
              "</office:master-styles></office:document-styles>")
    fields = "".join(f"<{name}>{_x(value)}</{name}>" for name, value in (meta or {}).items())
    meta_xml = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {_ODF_NS}><office:meta>{fields}'
                "</office:meta></office:document-meta>")
    entries = "".join(f'<manifest:file-entry manifest:full-path="{name}" manifest:media-type="text/xml">'
                      + ('<manifest:encryption-data manifest:checksum-type="SHA1" manifest:checksum="x"/>' if encrypted
                         else "") + "</manifest:file-entry>" for name in ("content.xml", "styles.xml", "meta.xml"))
    # every member is listed: LibreOffice refuses a package whose manifest leaves one out
    entries += "".join(f'<manifest:file-entry manifest:full-path="{name}" manifest:media-type='
                       f'"{"image/png" if name.endswith(".png") else "text/xml"}"/>' for name in members or {})
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODF_MIME[kind]}"/>{entries}'
                "</manifest:manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), _ODF_MIME[kind], compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("styles.xml", styles)
        archive.writestr("meta.xml", meta_xml)
        archive.writestr("META-INF/manifest.xml", manifest)
        for name, data in (members or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def flat_odf(package: bytes) -> bytes:
    """The same document as a flat OpenDocument file (``.fodt``/``.fods``/``.fodp``), as LibreOffice saves one.

    The package's parts become children of one ``office:document`` root; a
    picture is inline (``office:binary-data``, base64) and an embedded ODF
    object is an ``office:document`` inside its ``draw:object``.
    """
    import base64
    import io
    import zipfile

    from lxml import etree

    office, draw = "urn:oasis:names:tc:opendocument:xmlns:office:1.0", "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
    href = "{http://www.w3.org/1999/xlink}href"
    archive = zipfile.ZipFile(io.BytesIO(package))
    mime = archive.read("mimetype").decode()
    root = etree.fromstring(f'<office:document {_ODF_NS} office:mimetype="{mime}"/>'.encode())
    for member in ("meta.xml", "styles.xml", "content.xml"):
        for child in etree.fromstring(archive.read(member)):
            root.append(child)
    names = set(archive.namelist())
    for image in root.iter(f"{{{draw}}}image"):
        target = image.attrib.pop(href, "")
        if target in names:
            etree.SubElement(image, f"{{{office}}}binary-data").text = base64.b64encode(archive.read(target)).decode()
    for embedded in root.iter(f"{{{draw}}}object"):
        target = embedded.attrib.pop(href, "").removeprefix("./")
        if f"{target}/content.xml" in names:
            inline = etree.SubElement(embedded, f"{{{office}}}document")
            inline.extend(etree.fromstring(archive.read(f"{target}/content.xml")))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


_HIDDEN_STYLE = ('<style:style style:name="Hidden" style:family="text"><style:text-properties text:display="none"/>'
                 "</style:style>")


def odt(
    body: Sequence[str],
    *,
    header: str = "",
    footer: str = "",
    footnote: str = "",
    annotation: tuple[str, str] | None = None,
    deleted: tuple[str, str] | None = None,
    hidden_span: str = "",
    hidden_section: str = "",
    textbox: str = "",
    table: Sequence[Sequence[str]] = (),
    meta: dict[str, str] | None = None,
    embedded_text: str = "",
    picture: bytes = b"",
    inserted: tuple[str, str] | None = None,
) -> bytes:
    """A text document: ``body`` paragraphs; ``annotation`` (author, text) and ``footnote`` on the first;
    ``inserted`` (author, text) a tracked insertion at the end of the last;
    ``deleted`` (author, text) a tracked deletion; ``hidden_span`` text in a ``text:display="none"``
    style; ``hidden_section`` a section with ``text:display="none"``; ``textbox`` a frame's text box;
    ``embedded_text`` the text of an embedded ODF object (``Object 1/content.xml``)."""
    parts = []
    if deleted:
        author, text = deleted
        parts.append('<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion><office:change-info>'
                     f"<dc:creator>{_x(author)}</dc:creator><dc:date>2026-12-07T09:00:00</dc:date></office:change-info>"
                     f"<text:p>{_x(text)}</text:p></text:deletion></text:changed-region></text:tracked-changes>")
    if inserted:
        parts.append('<text:tracked-changes><text:changed-region text:id="ct2"><text:insertion><office:change-info>'
                     f"<dc:creator>{_x(inserted[0])}</dc:creator><dc:date>2026-12-07T09:00:00</dc:date>"
                     "</office:change-info></text:insertion></text:changed-region></text:tracked-changes>")
    for index, paragraph in enumerate(body):
        extra = ""
        if inserted and index == len(body) - 1:
            extra += (f'<text:change-start text:change-id="ct2"/><text:span>{_x(inserted[1])}</text:span>'
                      '<text:change-end text:change-id="ct2"/>')
        if index == 0 and annotation:
            extra += (f"<office:annotation><dc:creator>{_x(annotation[0])}</dc:creator>"
                      f"<text:p>{_x(annotation[1])}</text:p></office:annotation>")
        if index == 0 and footnote:
            extra += ('<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
                      f"<text:note-body><text:p>{_x(footnote)}</text:p></text:note-body></text:note>")
        if index == 0 and deleted:
            extra += '<text:change text:change-id="ct1"/>'
        parts.append(f"<text:p>{_x(paragraph)}{extra}</text:p>")
    if hidden_span:
        parts.append(f'<text:p>可见的文字<text:span text:style-name="Hidden">{_x(hidden_span)}</text:span></text:p>')
    if hidden_section:
        parts.append(f'<text:section text:name="S1" text:display="none"><text:p>{_x(hidden_section)}</text:p>'
                     "</text:section>")
    if textbox:
        parts.append('<text:p><draw:frame draw:name="Frame1" svg:width="5cm" svg:height="2cm"><draw:text-box>'
                     f"<text:p>{_x(textbox)}</text:p></draw:text-box></draw:frame></text:p>")
    if table:
        rows = "".join("<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{_x(cell)}</text:p></table:table-cell>'
            for cell in row) + "</table:table-row>" for row in table)
        parts.append(f'<table:table table:name="表格1"><table:table-column table:number-columns-repeated='
                     f'"{len(table[0])}"/>{rows}</table:table>')
    members = {}
    if embedded_text:
        parts.append('<text:p><draw:frame draw:name="Object1"><draw:object xlink:href="./Object 1" xlink:type="simple"/>'
                     "</draw:frame></text:p>")
        members["Object 1/content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}><office:body><office:text>'
            f"<text:p>{_x(embedded_text)}</text:p></office:text></office:body></office:document-content>").encode()
    if picture:
        members["Pictures/image1.png"] = picture
        parts.append('<text:p><draw:frame draw:name="Image1"><draw:image xlink:href="Pictures/image1.png"/>'
                     "</draw:frame></text:p>")
    master = ""
    if header:
        master += f"<style:header><text:p>{_x(header)}</text:p></style:header>"
    if footer:
        master += f"<style:footer><text:p>{_x(footer)}</text:p></style:footer>"
    return odf_package("text", "".join(parts), automatic_styles=_HIDDEN_STYLE, master=master, meta=meta,
                       members=members)


def ods(
    sheets: dict[str, dict[tuple[int, int], str]],
    *,
    hidden_sheets: Sequence[str] = (),
    hidden_rows: dict[str, Sequence[int]] | None = None,
    hidden_cols: dict[str, Sequence[int]] | None = None,
    annotations: dict[tuple[str, int, int], str] | None = None,
    header: str = "",
) -> bytes:
    """A spreadsheet: each sheet's cells (0-based row, column → text), rows padded with repeated empty cells
    and a trailing block of 1,048,000 repeated empty rows (as office suites write it)."""
    hidden_rows, hidden_cols, annotations = hidden_rows or {}, hidden_cols or {}, annotations or {}
    body = []
    for name, cells in sheets.items():
        style = ' table:style-name="HiddenTable"' if name in hidden_sheets else ""
        width = 1 + max((c for _, c in cells), default=0)
        columns = "".join(f'<table:table-column table:visibility="{"collapse" if c in hidden_cols.get(name, ()) else "visible"}"/>'
                          for c in range(width))
        rows = []
        for row in range(1 + max((r for r, _ in cells), default=0)):
            row_cells = []
            for col in range(width):
                text = cells.get((row, col))
                note = annotations.get((name, row, col))
                inner = (f"<office:annotation><dc:creator>审核人</dc:creator><text:p>{_x(note)}</text:p></office:annotation>"
                         if note else "") + (f"<text:p>{_x(text)}</text:p>" if text else "")
                row_cells.append(f'<table:table-cell office:value-type="string">{inner}</table:table-cell>' if inner
                                 else "<table:table-cell/>")
            row_cells.append('<table:table-cell table:number-columns-repeated="16000"/>')
            visibility = ' table:visibility="collapse"' if row in hidden_rows.get(name, ()) else ""
            rows.append(f"<table:table-row{visibility}>{''.join(row_cells)}</table:table-row>")
        rows.append('<table:table-row table:number-rows-repeated="1048000"><table:table-cell/></table:table-row>')
        body.append(f'<table:table table:name="{_x(name)}"{style}>{columns}{"".join(rows)}</table:table>')
    styles = ('<style:style style:name="HiddenTable" style:family="table"><style:table-properties table:display="false"/>'
              "</style:style>")
    master = f"<style:header><text:p>{_x(header)}</text:p></style:header>" if header else ""
    return odf_package("spreadsheet", "".join(body), automatic_styles=styles, master=master)


def odp(slides: Sequence[Sequence[str]], *, notes: dict[int, str] | None = None, hidden: Sequence[int] = (),
        master: str = "") -> bytes:
    """A presentation: each slide's text boxes; ``notes`` by 1-based slide; ``hidden`` slides by a page style."""
    notes = notes or {}
    pages = []
    for number, texts in enumerate(slides, start=1):
        style = ' draw:style-name="HiddenPage"' if number in hidden else ""
        frames = "".join(f'<draw:frame presentation:class="outline"><draw:text-box><text:p>{_x(text)}</text:p>'
                         "</draw:text-box></draw:frame>" for text in texts)
        frames += '<draw:frame presentation:class="page-number"><draw:text-box><text:p>&lt;number&gt;</text:p></draw:text-box></draw:frame>'
        if number in notes:
            frames += (f'<presentation:notes><draw:frame presentation:class="notes"><draw:text-box><text:p>'
                       f"{_x(notes[number])}</text:p></draw:text-box></draw:frame></presentation:notes>")
        pages.append(f'<draw:page draw:name="page{number}"{style}>{frames}</draw:page>')
    styles = ('<style:style style:name="HiddenPage" style:family="drawing-page"><style:drawing-page-properties '
              'presentation:visibility="hidden"/></style:style>')
    master_xml = (f"<draw:frame><draw:text-box><text:p>{_x(master)}</text:p></draw:text-box></draw:frame>"
                  if master else "")
    return odf_package("presentation", "".join(pages), automatic_styles=styles, master=master_xml)


# -- Word 2003 XML and web archives --------------------------------------------------------------------


def wordml(
    body: Sequence[str],
    *,
    header: str = "",
    footer: str = "",
    footnote: str = "",
    comment: tuple[str, str] | None = None,
    deleted: str = "",
    hidden: str = "",
    textbox: str = "",
    table: Sequence[Sequence[str]] = (),
    properties: dict[str, str] | None = None,
    pictures: dict[str, bytes] | None = None,
    inserted: str = "",
) -> bytes:
    """A Word 2003 XML document as Word writes it (``w:wordDocument``): ``comment`` (author, text) and
    ``footnote`` in the first paragraph, ``deleted`` an ``aml:annotation`` Word.Deletion, ``hidden`` a
    ``w:vanish`` run, ``textbox`` a VML text box, header and footer in the section properties."""
    def run(text: str, props: str = "") -> str:
        return f"<w:r>{props}<w:t>{_x(text)}</w:t></w:r>"

    paragraphs = []
    for index, text in enumerate(body):
        extra = ""
        if index == 0 and comment:
            extra += (f'<w:r><aml:annotation aml:id="0" aml:author="{_x(comment[0])}" w:type="Word.Comment">'
                      f"<aml:content><w:p>{run(comment[1])}</w:p></aml:content></aml:annotation></w:r>")
        if index == 0 and footnote:
            extra += f"<w:r><w:footnote><w:p>{run(footnote)}</w:p></w:footnote></w:r>"
        paragraphs.append(f"<w:p>{run(text)}{extra}</w:p>")
    if deleted:
        paragraphs.append(f'<w:p><aml:annotation aml:id="1" aml:author="张三" w:type="Word.Deletion"><aml:content>'
                          f"<w:r><w:delText>{_x(deleted)}</w:delText></w:r></aml:content></aml:annotation></w:p>")
    if inserted:  # a run inserted with changes tracked, after text that was there
        paragraphs.append(f'<w:p>{run("已有文字")}<aml:annotation aml:id="2" aml:author="李四" w:type="Word.Insertion">'
                          f"<aml:content>{run(inserted)}</aml:content></aml:annotation></w:p>")
    if hidden:
        paragraphs.append(f"<w:p>{run(hidden, '<w:rPr><w:vanish/></w:rPr>')}</w:p>")
    if textbox:
        paragraphs.append(f'<w:p><w:r><w:pict><v:shape style="width:200pt;height:50pt"><v:textbox><w:txbxContent>'
                          f"<w:p>{run(textbox)}</w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>")
    if table:
        rows = "".join("<w:tr>" + "".join(f"<w:tc><w:p>{run(cell)}</w:p></w:tc>" for cell in row) + "</w:tr>"
                       for row in table)
        paragraphs.append(f"<w:tbl>{rows}</w:tbl>")
    for name, data in (pictures or {}).items():  # w:binData (base64), drawn by a VML shape
        paragraphs.append(f'<w:p><w:r><w:pict><w:binData w:name="{_x(name)}">{base64.b64encode(data).decode()}'
                          f'</w:binData><v:shape><v:imagedata src="{_x(name)}"/></v:shape></w:pict></w:r></w:p>')
    section = "<w:sectPr>"
    if header:
        section += f'<w:hdr w:type="odd"><w:p>{run(header)}</w:p></w:hdr>'
    if footer:
        section += f'<w:ftr w:type="odd"><w:p>{run(footer)}</w:p></w:ftr>'
    section += "</w:sectPr>"
    props = "".join(f"<o:{name}>{_x(value)}</o:{name}>" for name, value in (properties or {}).items())
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<?mso-application progid="Word.Document"?>\n'
        '<w:wordDocument xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml" '
        'xmlns:aml="http://schemas.microsoft.com/aml/2001/core" xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office">'
        f"<o:DocumentProperties>{props}</o:DocumentProperties>"
        f"<w:body>{''.join(paragraphs)}{section}</w:body></w:wordDocument>"
    ).encode()


def mht(html: str, *, pictures: dict[str, bytes] | None = None, charset: str = "gb2312") -> bytes:
    """A web archive as Word saves a document "as a single file web page" (and often names it .doc):
    MIME headers, a multipart/related body with the quoted-printable HTML and base64 pictures."""
    import base64
    import quopri

    boundary = "----=_NextPart_01DB0000.12345678"
    parts = [
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/related; boundary="{boundary}"\r\n\r\n'
        "此文档为“单个文件网页”，也称为“Web 档案”文件。\r\n".encode("gb2312").decode("latin-1"),
    ]
    body = quopri.encodestring(html.encode(charset)).decode("ascii")
    parts.append(f"--{boundary}\r\nContent-Location: file:///C:/notice.htm\r\nContent-Transfer-Encoding: "
                 f'quoted-printable\r\nContent-Type: text/html; charset="{charset}"\r\n\r\n{body}\r\n')
    for name, data in (pictures or {}).items():
        encoded = base64.encodebytes(data).decode("ascii")
        parts.append(f"--{boundary}\r\nContent-Location: file:///C:/notice.files/{name}\r\n"
                     f"Content-Transfer-Encoding: base64\r\nContent-Type: image/png\r\n\r\n{encoded}\r\n")
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode("latin-1")
