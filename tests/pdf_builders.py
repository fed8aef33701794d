"""PDFs written byte by byte, for the structures reportlab and pypdf will not write.

Flate bombs in a content stream, the XMP stream or an attachment, a name
tree whose nodes are referenced many times, a damaged content stream,
incremental updates (earlier revisions), forms drawing forms, fonts without
a ToUnicode map.  Text is drawn in Helvetica (ASCII) unless a test embeds a
font itself.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence


def flate_bomb(size: int) -> bytes:
    """``size`` zero bytes, deflated (about 1,000 times smaller)."""
    compressor = zlib.compressobj(9)
    chunk = b"\0" * (1 << 20)
    pieces = [compressor.compress(chunk) for _ in range(size >> 20)]
    pieces.append(compressor.flush())
    return b"".join(pieces)


def stream(data: bytes, extra: bytes = b"", *, compress: bool = False) -> bytes:
    """A stream object's body (``extra`` goes into its dictionary)."""
    if compress:
        data = zlib.compress(data)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def raw_pdf(objects: Sequence[bytes], *, root: int = 1, trailer: bytes = b"") -> bytes:
    """A PDF of ``objects`` (bodies, numbered from 1) with one cross-reference section."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, trailer, xref)
    return bytes(out)


def append_revision(data: bytes, replaced: dict[int, bytes], *, root: int = 1, trailer: bytes = b"") -> bytes:
    """``data`` with an incremental update that gives objects ``replaced`` new bodies (new numbers allowed);
    ``trailer`` goes into the new trailer (``/Info n 0 R``, as a writer repeats it)."""
    previous = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    size = max(int(match) for match in re.findall(rb"/Size (\d+)", data))
    out = bytearray(data)
    offsets = {}
    for number, body in sorted(replaced.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n"
    for number, offset in sorted(offsets.items()):
        out += b"%d 1\n%010d 00000 n \n" % (number, offset)
    size = max(size, max(offsets) + 1)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Prev %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root, previous, trailer, xref)
    return bytes(out)


def text_content(lines: Sequence[str], *, top: float = 780, step: float = 24, size: int = 14) -> bytes:
    """A content stream drawing ``lines`` one below the other: ASCII in /F1 (Helvetica), others in /F2 (STSong-Light)."""
    ops = []
    for index, line in enumerate(lines):
        y = top - index * step
        if line.isascii():
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /F1 {size} Tf 72 {y:.0f} Td ({escaped}) Tj ET")
        else:  # UniGB-UCS2-H: two bytes a character, UCS-2 big-endian
            ops.append(f"BT /F2 {size} Tf 72 {y:.0f} Td <{line.encode('utf-16-be').hex()}> Tj ET")
    return "\n".join(ops).encode("latin-1")


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
# The CID font reportlab uses for Chinese, not embedded: every reader maps UniGB-UCS2-H to Unicode itself.
STSONG = (
    b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [ "
    b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
    b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /DW 1000 "
    b"/FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
    b"/ItalicAngle 0 /Ascent 752 /Descent -271 /CapHeight 737 /StemV 58 >> >> ] >>"
)
FONTS = b"/Font << /F1 3 0 R /F2 %d 0 R %s >>"


def text_pdf(pages: Sequence[Sequence[str]], *, compress: bool = True, catalog_extra: bytes = b"",
             extra_objects: Sequence[bytes] = ()) -> bytes:
    """Pages of text lines.  Objects: 1 catalog, 2 pages, 3 Helvetica, then page i at 4+2i and its content at
    5+2i, then the STSong font at :func:`first_extra` - 1, then ``extra_objects`` (numbered on from there)."""
    count = len(pages)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra,
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        HELVETICA,
    ]
    for index, lines in enumerate(pages):
        objects.append(page_dict(index, count))
        objects.append(stream(text_content(lines), compress=compress))
    objects.append(STSONG)
    return raw_pdf([*objects, *extra_objects])


def page_dict(index: int, count: int, *, resources: bytes = b"", contents: int | None = None,
              fonts: bytes = b"") -> bytes:
    """Page ``index``'s dictionary in :func:`text_pdf`'s numbering (``resources`` added to its fonts, ``fonts``
    to the font dictionary)."""
    fonts = FONTS % (4 + 2 * count, fonts)
    return (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << %s %s >> /Contents %d 0 R >>"
        % (fonts, resources, content_object(index) if contents is None else contents)
    )


def first_extra(pages: int) -> int:
    """The number :func:`text_pdf` gives its first extra object."""
    return 5 + 2 * pages


def page_object(index: int) -> int:
    return 4 + 2 * index


def content_object(index: int) -> int:
    return 5 + 2 * index


def identity_font(name: bytes = b"ABCDEF+SimSun") -> bytes:
    """A composite font addressing glyphs by number (Identity-H), with no ToUnicode map and no font file:
    no reader can tell which characters its codes stand for."""
    return (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [ "
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 "
        b"/FontDescriptor << /Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [0 -200 1000 900] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >> >> ] >>" % (name, name, name)
    )
