"""Extraction: read every layer of a document into located text units.

:func:`extract_bytes` sniffs the real type from the content (the name is
only a hint), dispatches to one module per format and never raises for bad
content: anything it cannot read becomes an entry in
:attr:`Extraction.errors` of the form ``中文原因 / English reason``.

Extractor modules are imported on first use, so scanning a text file does
not pay for lxml or pdfminer.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from scanner.extract._common import ExtractError
from scanner.extract._container import ContainerCollector, new_budget
from scanner.extract.sniff import UNSUPPORTED_REASONS, drop_zip, sniff
from scanner.types import Extraction

# Sniffed kind -> module under scanner.extract exposing extract(data, out).
REGISTRY = {
    "docx": "docx",
    "xlsx": "xlsx",
    "pptx": "pptx",
    "pdf": "pdf",
    "html": "html",
    "text": "text",
    "ofd": "ofd",
    # containers: their members go to the pipeline as embedded documents
    "zip": "archive",
    "7z": "archive",
    "rar": "archive",
    "tar": "archive",
    "gzip": "archive",
    "doc": "doc",
    "xls": "xls",
    "ppt": "ppt",
    "rtf": "rtf",
    "odf": "odf",
    "wordml": "wordml",
    "mht": "mail",  # a web archive is a MIME message: its HTML and pictures are its parts
    "eml": "mail",
    "msg": "mail",
    "image": "image",
}

# File-name suffixes of the kinds above, for what only has a name (a crawl deciding which links
# are documents to fetch): the kind itself is always sniffed from the content.  Web pages are
# not listed: a crawl follows them as pages.
SUFFIXES = {
    "docx": (".docx", ".docm", ".dotx", ".dotm"),
    "xlsx": (".xlsx", ".xlsm", ".xltx", ".xltm"),
    "pptx": (".pptx", ".pptm", ".ppsx", ".potx"),
    "pdf": (".pdf",),
    "text": (".txt", ".csv", ".xml", ".json", ".md"),
    "ofd": (".ofd",),
    "zip": (".zip",),
    "7z": (".7z",),
    "rar": (".rar",),
    "tar": (".tar", ".tgz"),
    "gzip": (".gz",),
    "doc": (".doc", ".dot", ".wps", ".wpt"),
    "xls": (".xls", ".xlt", ".et", ".ett"),
    "ppt": (".ppt", ".pps", ".pot", ".dps", ".dpt"),
    "rtf": (".rtf",),
    "odf": (".odt", ".ods", ".odp", ".odg", ".ott", ".ots", ".otp", ".fodt", ".fods", ".fodp", ".fodg"),
    "wordml": (".xml",),
    "mht": (".mht", ".mhtml"),
    "eml": (".eml",),
    "msg": (".msg",),
    "image": (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"),
}


def readable_suffixes() -> frozenset[str]:
    """The suffixes of every kind the registry reads (a new kind added without suffixes fails a test)."""
    return frozenset(suffix for kind in REGISTRY for suffix in SUFFIXES.get(kind, ()))


# Start of the error recorded when an extractor fails in a way it did not
# foresee (a bug, not bad content): the fuzz harness treats it as a crash.
INTERNAL_FAILURE = "提取程序内部错误"

__all__ = ["REGISTRY", "SUFFIXES", "ExtractError", "extract_bytes", "extract_path", "readable_suffixes", "sniff"]


def extract_bytes(data: bytes, name: str = "") -> Extraction:
    """Everything readable in ``data``; ``name`` (path or URL) is an extension hint.

    Never raises for bad content: corrupt, truncated, encrypted, unsupported
    or partly readable input returns an :class:`Extraction` whose ``errors``
    say why, together with whatever could be read.
    """
    # a new top-level file: its tree of embedded documents gets a fresh budget
    new_budget()
    return extract_nested(data, name, 0)


def extract_nested(data: bytes, name: str, depth: int) -> Extraction:
    """:func:`extract_bytes` for a file found inside another (``depth`` > 0)."""
    kind = sniff(data, name)
    try:
        return _extract_kind(data, kind, depth)
    finally:
        drop_zip()  # the zip file sniffing opened, if the extractor did not take it


def _extract_kind(data: bytes, kind: str, depth: int) -> Extraction:
    if kind not in REGISTRY:
        return Extraction(format="unknown", errors=(UNSUPPORTED_REASONS[kind],))
    if not data.strip():
        return Extraction(format=kind, errors=("空文件，没有可审查的内容 / empty file",))
    module = importlib.import_module(f"scanner.extract.{REGISTRY[kind]}")
    out = ContainerCollector(format=kind, depth=depth)
    try:
        module.extract(data, out)
    except ExtractError as error:
        out.error(str(error))
    except RecursionError:
        out.error("文档结构嵌套过深，无法读取 / document structure is nested too deeply")
    except MemoryError:
        out.error("文档过大，读取时超过每个文件的内存上限（--max-memory），未能读完 "
                  "/ document too large: the per-file memory limit (--max-memory) was reached")
    except Exception as error:  # noqa: BLE001 - last line of defence, the reason is kept
        # A bug in an extractor must not abort a batch or let the document
        # pass: it becomes an error naming the exception.
        out.error(f"{INTERNAL_FAILURE}，未能读完 / extractor failed: {type(error).__name__}: {error}")
    return out.finish()


def extract_path(path: str | Path) -> Extraction:
    """Read and extract a file; an unreadable file becomes an error, not an exception."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return Extraction(format="unknown", errors=(f"无法读取文件 / cannot read file: {error.strerror or error}",))
    return extract_bytes(data, str(path))
