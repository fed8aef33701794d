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


def append_revision(data: bytes, replaced: dict[int, bytes], *, root: int = 1) -> bytes:
    """``data`` with an incremental update that gives objects ``replaced`` new bodies (new numbers allowed)."""
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
    out += b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, previous, xref)
    return bytes(out)


def text_content(lines: Sequence[str], *, top: float = 780, step: float = 24, size: int = 14) -> bytes:
    """A content stream drawing ``lines`` (ASCII) in /F1, one below the other."""
    ops = []
    for index, line in enumerate(lines):
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"BT /F1 {size} Tf 72 {top - index * step:.0f} Td ({escaped}) Tj ET")
    return "\n".join(ops).encode("latin-1")


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def text_pdf(pages: Sequence[Sequence[str]], *, compress: bool = True, catalog_extra: bytes = b"",
             extra_objects: Sequence[bytes] = ()) -> bytes:
    """Pages of ASCII lines.  Objects: 1 catalog, 2 pages, 3 font, then page i at 4+2i and its content at 5+2i,
    then ``extra_objects`` (numbered on from there)."""
    count = len(pages)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra,
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        HELVETICA,
    ]
    for index, lines in enumerate(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % (5 + 2 * index)
        )
        objects.append(stream(text_content(lines), compress=compress))
    return raw_pdf([*objects, *extra_objects])


def first_extra(pages: int) -> int:
    """The number :func:`text_pdf` gives its first extra object."""
    return 4 + 2 * pages


def page_object(index: int) -> int:
    return 4 + 2 * index


def content_object(index: int) -> int:
    return 5 + 2 * index
