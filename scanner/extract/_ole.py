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
