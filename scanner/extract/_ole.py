"""Helpers for the compound-file (OLE2) formats: .doc, .xls, .ppt.

The container is read with olefile; what every format stores the same way
is read here: the SummaryInformation / DocumentSummaryInformation property
sets (title, author, keywords, company ...) as ``metadata`` units.
"""

from __future__ import annotations

import io
import struct
from typing import Any

from scanner.extract._common import ExtractError
from scanner.extract._container import ContainerCollector


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
