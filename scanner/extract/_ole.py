"""Helpers for the compound-file (OLE2) formats: .doc, .xls, .ppt.

The container is read with olefile; what every format stores the same way
is read here: the SummaryInformation / DocumentSummaryInformation property
sets (title, author, keywords, company ...) as ``metadata`` units.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scanner.extract._common import ExtractError
from scanner.extract._container import ContainerCollector
from scanner.extract._images import MIN_PICTURE_BYTES, officeart_blips
from scanner.roles import NoticeKind
from scanner.types import ImageRef


@contextmanager
def damaged(what: str) -> Iterator[None]:
    """Turn what a reader of hand-parsed structures raises on bad bytes into :class:`ExtractError`.

    Structures read with ``struct`` and indexes from the file fail on damaged
    input with these exceptions (found on Apache POI's fuzzer corpus: a
    storage where a stream should be, offsets past the end); they are bad
    content, not bugs, so the reason names the format.
    """
    try:
        yield
    except (struct.error, IndexError, KeyError, OSError, ValueError, UnicodeDecodeError, OverflowError) as error:
        raise ExtractError(f"{what} 文件结构已损坏，无法读取 / corrupt {what} structure: {type(error).__name__}: {error}") from error


def open_ole(data: bytes, what: str) -> Any:
    """The olefile reader of ``data``; :class:`ExtractError` naming ``what`` (the format) if the container is damaged."""
    import olefile

    try:
        return olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, IndexError, struct.error) as error:
        raise ExtractError(f"{what} 文件的复合文档结构已损坏 / corrupt OLE compound file: {error}") from error


_PROPERTY_FIELDS = ("title", "subject", "author", "keywords", "comments", "last_saved_by", "category", "company",
                    "manager")


def ole_properties(ole: object, out: ContainerCollector) -> None:
    """Summary and document summary properties (title, author, keywords, company …) as metadata."""
    try:
        meta = ole.get_metadata()  # type: ignore[attr-defined]
    except (OSError, ValueError, IndexError, struct.error, UnicodeDecodeError) as error:
        out.error(f"文档属性无法读取 / document properties unreadable: {type(error).__name__}: {error}")
        return
    for name in _PROPERTY_FIELDS:
        value = getattr(meta, name, None)
        if isinstance(value, bytes):
            value = decode_property(value)
        if value and str(value).strip():
            out.add(str(value), part="metadata", source=f"属性 {name}", numbered=False)


def decode_property(value: bytes) -> str:
    value = value.rstrip(b"\0")
    for encoding in ("utf-8", "gb18030"):
        try:
            return value.decode(encoding)
        except UnicodeDecodeError:
            continue
    return value.decode("cp1252", "replace")


def ole10_native(raw: bytes) -> tuple[str, bytes]:
    """The label and the bytes of a packaged file (the ``\\x01Ole10Native`` stream of an OLE Package)."""
    try:
        position = 6  # total size (4), then 2 bytes of flags
        strings = []
        for _ in range(2):  # label, then the original path
            end = raw.index(b"\0", position)
            strings.append(raw[position:end])
            position = end + 1
        position += 4  # reserved
        size = struct.unpack_from("<I", raw, position)[0]
        position += 4 + size  # the temporary path
        size = struct.unpack_from("<I", raw, position)[0]
        return decode_property(strings[0]), raw[position + 4 : position + 4 + size]
    except (ValueError, struct.error):
        return "", b""


def ole_objects(ole: Any, out: ContainerCollector, under: tuple[str, ...], prefix: str = "") -> None:
    """Embedded OLE objects, one storage each, in ``under`` (Word: ``ObjectPool``; Excel: the root,
    storages named ``MBD…``): files go to the pipeline, the rest is listed as unread.

    An object holding a package (``Package``: an embedded docx/xlsx/pptx) or a
    packaged file (``\x01Ole10Native``) is handed on; one that is a
    document's own storage (a Word or Excel object, an equation) cannot be
    scanned as a file and raises the unread-object notice, so the document
    is not passed over it.
    """
    depth = len(under) + 1
    entries = ole.listdir(streams=True, storages=True)
    storages = sorted({tuple(entry[:depth]) for entry in entries if len(entry) > depth
                       and tuple(entry[: len(under)]) == under and entry[len(under)].startswith(prefix)})
    for storage in storages:
        streams = {entry[depth] for entry in entries if tuple(entry[:depth]) == storage and len(entry) == depth + 1}
        name, path = storage[-1], "/".join(storage)
        if "Package" in streams:
            data = ole.openstream([*storage, "Package"]).read()
            if out.may_embed(name):
                out.embed(f"{name}.zip" if data[:2] == b"PK" else name, data, part="embedded", source=f"嵌入对象 {name}")
        elif "\x01Ole10Native" in streams:
            label, data = ole10_native(ole.openstream([*storage, "\x01Ole10Native"]).read())
            if data and out.may_embed(label or name):
                out.embed(label or name, data, part="embedded", source=f"嵌入对象 {label or name}")
        else:
            out.notice(NoticeKind.UNREAD_EMBEDDED, part="embedded", source=path,
                       detail=f"嵌入对象 {name}（{'、'.join(sorted(streams))}）未能读取")
            out.cover(path, "embedded", "unread", "embedded OLE object")


_PNG, _PNG_END, _JPEG = b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82", b"\xff\xd8\xff"
MAX_CARVED = 200  # pictures taken from one stream; a document with more is a picture album


def carve_pictures(data: bytes, out: ContainerCollector, source: str) -> None:
    """PNG and JPEG pictures kept whole inside a stream, found by their signatures, for OCR.

    Word keeps a document's pictures in its ``Data`` and ``WordDocument``
    streams and Excel in its drawing group, each inside OfficeArt records
    that hold the file unchanged; the file's own structure (PNG chunks, JPEG
    segments) says where it ends, so no OfficeArt parsing is needed.
    """
    officeart_blips(data, out, source)  # the vector pictures (named as unread) and DIB bitmaps
    position, found = 0, 0
    while found < MAX_CARVED:
        starts = [index for index in (data.find(_PNG, position), data.find(_JPEG, position)) if index >= 0]
        if not starts:
            return
        start = min(starts)
        if data.startswith(_PNG, start):
            end = data.find(_PNG_END, start)
            end, suffix = (end + len(_PNG_END) if end >= 0 else -1), ".png"
        else:
            end, suffix = _jpeg_end(data, start), ".jpg"
        if end < 0:
            position = start + 3
            continue
        picture = data[start:end]
        position = end
        if len(picture) >= MIN_PICTURE_BYTES:
            found += 1
            out.images.append(ImageRef(name=f"{source}/图片{found}{suffix}", data=picture, source=source))


def _jpeg_end(data: bytes, start: int) -> int:
    """Where the JPEG starting at ``start`` ends: its segments walked to the scan, then the end marker."""
    position = start + 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return -1
        marker = data[position + 1]
        if marker == 0xD9:
            return position + 2
        if marker == 0xDA:  # the entropy-coded scan: 0xFF bytes in it are stuffed, so the first FFD9 ends it
            end = data.find(b"\xff\xd9", position + 2)
            return end + 2 if end >= 0 else -1
        if 0xD0 <= marker <= 0xD7 or marker in (0x01, 0xFF):
            position += 1 if marker == 0xFF else 2
            continue
        position += 2 + struct.unpack_from(">H", data, position + 2)[0]
    return -1


def short_streams(ole: Any) -> list[str]:
    """Streams whose bytes end before their declared size (a cut-off file): olefile reads them short, silently."""
    names = []
    for path in ole.listdir(streams=True, storages=False):
        name = "/".join(path)
        try:
            if len(ole.openstream(path).read()) < ole.get_size(name):
                names.append(name)
        except (OSError, ValueError, IndexError, struct.error):
            names.append(name)
    return names


def unwrap_object(data: bytes) -> tuple[str, bytes]:
    """The file inside an embedded OLE object's storage: (its label or "", its bytes).

    An Office document embedded in another is a compound file holding the
    document's package (``Package``: a docx/xlsx/pptx), a packaged file
    (``\x01Ole10Native``: any file dropped into the document), or the
    document itself (a .doc/.xls object); the last is returned as it is.
    """
    import olefile

    if not data.startswith(b"\xd0\xcf\x11\xe0"):
        return "", data
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("Package"):
                return "", ole.openstream("Package").read()
            if ole.exists("\x01Ole10Native"):
                return ole10_native(ole.openstream("\x01Ole10Native").read())
            if ole.exists("CONTENTS"):  # a PDF or another file kept whole by its server
                return "", ole.openstream("CONTENTS").read()
    except (OSError, ValueError, IndexError, struct.error):
        pass
    return "", data
