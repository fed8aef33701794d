"""Decoding PDF streams with a bound on what they expand to (issue #22: Flate bombs).

A 1 MB Flate stream can expand to a gigabyte (deflate's ratio reaches
1032:1; two Flate filters in a row multiply), and neither reader bounds it:
PDFium decodes a page's content streams whole when it loads the page (a
1 MB file took 2 GB), pdfminer.six every stream it is asked for (XMP,
attachments, object streams).  So:

* :func:`bound_pdfminer_decoders` gives pdfminer a ``zlib`` and an LZW
  decoder that stop at :data:`STREAM_LIMIT` bytes of output and raise
  :class:`StreamTooLarge`, which the extractor reports like any unreadable
  structure (the message names the limit);
* :func:`decode` decodes one pdfminer stream under the same bound, for the
  page pre-check (:mod:`scanner.extract.pdf_ledger`) that runs before a
  page is handed to PDFium, and tells a corrupt stream (PDFium would read it
  silently as empty or cut short) from a good one.

A stream whose raw size times its filters' greatest expansion stays under
the bound cannot be a bomb: :func:`may_expand_past` lets callers skip
decoding it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from functools import cache
from typing import Any

# Bytes one stream may decode to.  The longest real content stream seen is a
# few MB (a page of vector drawing); 64 MB is far above that and keeps the
# decoded copy and PDFium's own copy of it well inside the 500 MB a scan may take.
STREAM_LIMIT = 64 * 2**20
_CHUNK = 1 << 20
# Greatest output per input byte of each filter (deflate 1032:1; an LZW code
# of at least 9 bits yields at most 4096 bytes; run-length 128 from 2 bytes).
_EXPANSION = {"FlateDecode": 1032, "Fl": 1032, "LZWDecode": 3641, "LZW": 3641, "RunLengthDecode": 64, "RL": 64}
# Image codecs: PDFium decodes them only to render, and only as far as the
# image's declared size; nothing here decodes them.
_IMAGE_FILTERS = {"DCTDecode", "DCT", "JPXDecode", "JBIG2Decode", "CCITTFaxDecode", "CCF"}


class StreamTooLarge(ValueError):
    """A stream decodes to more than the limit (a decompression bomb, or simply too big to read)."""

    def __init__(self, limit: int = STREAM_LIMIT) -> None:
        self.zh = f"解压后超过 {limit // 2**20} MB 上限"
        super().__init__(f"{self.zh} / decodes to more than {limit // 2**20} MB")
        self.limit = limit


class StreamCorrupt(ValueError):
    """A stream's compressed data is damaged: what a reader makes of it is cut short or empty."""

    def __init__(self, detail: str) -> None:
        self.zh = "压缩数据损坏"
        super().__init__(f"{self.zh} / damaged compressed data: {detail}")


def _inflate(data: bytes, limit: int) -> bytes:
    """zlib-decode ``data``, raising :class:`StreamTooLarge` past ``limit`` bytes and ``zlib.error`` if damaged."""
    inflater = zlib.decompressobj()
    out = bytearray()
    pending = data
    while pending and not inflater.eof:
        out += inflater.decompress(pending, _CHUNK)
        if len(out) > limit:
            raise StreamTooLarge(limit)
        pending = inflater.unconsumed_tail
    out += inflater.flush()
    if len(out) > limit:
        raise StreamTooLarge(limit)
    return bytes(out)


def inflate(data: bytes, limit: int = STREAM_LIMIT) -> bytes:
    """Flate-decode one stream for the pre-check.

    Raises :class:`StreamTooLarge`, or :class:`StreamCorrupt` for damaged
    data, a bad checksum included: the readers decode such a stream as far as
    it goes (or to garbage) without a word, so what they show of it may not be
    what the file holds.
    """
    try:
        return _inflate(data, limit)
    except zlib.error as error:
        raise StreamCorrupt(str(error)) from error


def _names(stream: Any) -> list[str]:
    from pdfminer.pdftypes import resolve1

    names = []
    for item, _params in stream.get_filters():
        item = resolve1(item)
        names.append(getattr(item, "name", str(item)))
    return names


def may_expand_past(stream: Any, limit: int = STREAM_LIMIT) -> bool:
    """False when ``stream``'s raw size times its filters' greatest expansion stays under ``limit``."""
    raw = stream.rawdata if stream.rawdata is not None else stream.data or b""
    bound = len(raw)
    for name in _names(stream):
        if name in _IMAGE_FILTERS:
            break
        bound *= _EXPANSION.get(name, 1)
    return bound > limit


def cheap_to_decode(stream: Any) -> bool:
    """True for a stream with no filter or the one filter FlateDecode: decoding it is at most one call into zlib."""
    return _names(stream) in ([], ["FlateDecode"], ["Fl"])


def decode(stream: Any, limit: int = STREAM_LIMIT) -> bytes:
    """The decoded bytes of a pdfminer ``PDFStream`` (not kept in the stream), up to the first image codec.

    Raises :class:`StreamTooLarge`, :class:`StreamCorrupt`, or ``ValueError``
    for a filter no reader knows.
    """
    from pdfminer.ascii85 import ascii85decode, asciihexdecode
    from pdfminer.lzw import LZWDecoder
    from pdfminer.runlength import rldecode

    if stream.data is not None:  # pdfminer decoded it already (under the same bound)
        return bytes(stream.data)
    data = stream.rawdata or b""
    if stream.decipher and stream.objid is not None:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    for (_item, params), name in zip(stream.get_filters(), _names(stream), strict=True):
        if name in _IMAGE_FILTERS:
            break
        if name in ("FlateDecode", "Fl"):
            data = inflate(data, limit)
        elif name in ("LZWDecode", "LZW"):
            data = _bounded_join(LZWDecoder(_bytes_io(data)).run(), limit)
        elif name in ("ASCII85Decode", "A85"):
            data = ascii85decode(data)
        elif name in ("ASCIIHexDecode", "AHx"):
            data = asciihexdecode(data)
        elif name in ("RunLengthDecode", "RL"):
            data = rldecode(data)
            if len(data) > limit:
                raise StreamTooLarge(limit)
        else:
            raise ValueError(f"unsupported filter {name}")
        if isinstance(params, dict):
            data = _predicted(params, data)
    return data


def _predicted(params: dict[str, Any], data: bytes) -> bytes:
    """Undo a PNG/TIFF predictor with pdfminer's own code (it never grows the data)."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import apply_png_predictor, apply_tiff_predictor

    predictor = int(resolve1(params.get("Predictor", 1)) or 1)
    if predictor < 2:
        return data
    colors = int(resolve1(params.get("Colors", 1)) or 1)
    columns = int(resolve1(params.get("Columns", 1)) or 1)
    bits = int(resolve1(params.get("BitsPerComponent", 8)) or 8)
    if predictor == 2:
        return apply_tiff_predictor(colors, columns, bits, data)
    return apply_png_predictor(predictor, colors, columns, bits, data) if predictor >= 10 else data


def _bytes_io(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def _bounded_join(pieces: Iterator[bytes], limit: int) -> bytes:
    out = bytearray()
    for piece in pieces:
        out += piece
        if len(out) > limit:
            raise StreamTooLarge(limit)
    return bytes(out)


# ``\bstream`` followed by its end of line.  The word boundary is checked by
# hand after a search for the literal: a pattern that opens with ``\b`` has no
# literal prefix to skip ahead to, so the engine tried it at every byte (30 of
# the 50 µs needs_walk took on a 5 KB file).
_STREAM_START = re.compile(rb"stream(?:\r\n|\n|\r)")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _stream_starts(data: bytes) -> Iterator[re.Match[bytes]]:
    """The matches of ``rb"\bstream(?:\r\n|\n|\r)"`` in ``data``: those of the literal not preceded by a word byte.

    (A match rejected for its boundary, the end of ``endstream``, holds no
    ``s`` after its first byte, so no match it overlaps is lost.)
    """
    for match in _STREAM_START.finditer(data):
        start = match.start()
        if start == 0 or data[start - 1] not in _WORD_BYTES:
            yield match
_FLATE_ONLY = re.compile(rb"/Filter\s*(?:/FlateDecode|/Fl|\[\s*(?:/FlateDecode|/Fl)\s*\])(?![A-Za-z])")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")


_OTHER_EXPANDING = re.compile(rb"/(?:LZWDecode|LZW|RunLengthDecode|RL)(?![A-Za-z])")
_CHAIN = re.compile(rb"/Filter\s*\[[^\]]*\]")
# Greatest expansion of a stream that is neither Flate alone nor a chain: ASCII85 or hex in front of Flate.
_WRAPPED_FLATE = 1032


def needs_walk(data: bytes) -> bool:
    """Whether the file needs the page-by-page walk with pdfminer, judged from a look at its raw bytes.

    The walk (:class:`~scanner.extract.pdf_ledger.Structure`) costs 0.2 ms a
    page in pdfminer and finds bombs, damaged streams and forms that draw
    other forms (which can expand exponentially).  Most files have none, and
    that shows in their bytes: each stream's dictionary (the bytes since the
    preceding ``obj``) is looked at, streams with FlateDecode alone are
    inflated under the bound, in C (to their direct ``/Length``, else to
    ``endstream``).  True if one is damaged or too large, if a form draws
    another object, if a stream uses LZW or run-length coding or a chain of
    filters that could expand past the bound, or if the file is encrypted.
    """
    if b"/Encrypt" in data:
        return True
    for match in _stream_starts(data):
        start = match.end()
        head = data[max(0, data.rfind(b"obj", 0, match.start())):match.start()]
        if b"/Filter" not in head and b"/Form" not in head:
            continue  # no filter: it decodes to itself
        if _OTHER_EXPANDING.search(head):
            return True
        form = b"/Form" in head
        flate = bool(_FLATE_ONLY.search(head))
        length = _LENGTH.search(head)
        end = start + int(length.group(1)) if length else data.find(b"endstream", start)
        if end < start:
            return True
        if not flate:
            chain = _CHAIN.search(head)
            if chain and chain.group().count(b"/Fl") > 1:
                return True  # Flate after Flate: a thousand times a thousand
            if chain and (end - start) * _WRAPPED_FLATE > STREAM_LIMIT:
                return True
            if form and b"Do" in data[start:end] and not chain:
                return True
            continue
        try:
            content = _inflate(data[start:end], STREAM_LIMIT)
        except (zlib.error, StreamTooLarge):
            return True
        if form and b"Do" in content:
            return True
    return False


class _BoundedInflater:
    """``zlib.decompressobj()`` that stops at :data:`STREAM_LIMIT` bytes of output (pdfminer's corrupt-data path)."""

    def __init__(self) -> None:
        self._inflater = zlib.decompressobj()
        self._out = 0

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        piece = self._inflater.decompress(data, max_length)
        self._out += len(piece)
        if self._out > STREAM_LIMIT:
            raise StreamTooLarge()
        return piece

    def flush(self, *args: int) -> bytes:
        return self._inflater.flush(*args)


class _BoundedZlib:
    """What pdfminer's ``pdftypes`` uses of the ``zlib`` module, with its output bounded."""

    error = zlib.error

    @staticmethod
    def decompress(data: bytes, *args: Any) -> bytes:
        return _inflate(data, STREAM_LIMIT)

    @staticmethod
    def decompressobj(*args: Any) -> _BoundedInflater:
        return _BoundedInflater()


def _bounded_lzwdecode(data: bytes) -> bytes:
    from pdfminer.lzw import LZWDecoder

    return _bounded_join(LZWDecoder(_bytes_io(data)).run(), STREAM_LIMIT)


@cache
def bound_pdfminer_decoders() -> None:
    """Make pdfminer's stream decoding stop at :data:`STREAM_LIMIT` bytes (once per process).

    pdfminer's ``PDFStream.decode`` calls ``zlib.decompress`` and
    ``lzwdecode`` through its module's globals; both are replaced with
    bounded versions raising :class:`StreamTooLarge` (a ``ValueError``, which
    every pdfminer caller here already reports as an unreadable structure).
    """
    from pdfminer import pdftypes

    pdftypes.zlib = _BoundedZlib  # type: ignore[assignment]
    pdftypes.lzwdecode = _bounded_lzwdecode
