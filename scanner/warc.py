"""Web archives: a ``.warc`` / ``.warc.gz`` file scanned record by record.

Only ``response`` records with HTTP status 200 are documents: requests,
metadata, revisits and error pages are not what the site published.  Each
record's ``WARC-Target-URI`` is its path in the report.  warcio undoes the
HTTP chunked / gzip transfer encodings, so the bytes are the published file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WARC_SUFFIXES = (".warc", ".warc.gz")


class WarcError(ValueError):
    """The file is not a readable web archive."""


@dataclass(frozen=True, kw_only=True)
class WarcDocument:
    uri: str
    data: bytes
    content_type: str = ""
    # bytes of a record over iter_warc's max_bytes: its data is then empty (the record was skipped, not read)
    oversize: int = 0


def is_warc(path: Path | str) -> bool:
    return str(path).lower().endswith(WARC_SUFFIXES)


def iter_warc(path: Path, *, max_bytes: int = 0) -> Iterator[WarcDocument]:
    """The 200 responses in ``path``, in archive order.

    With ``max_bytes``, a record whose body is longer is not held in memory:
    it comes with empty ``data`` and its size (at least ``max_bytes + 1``)
    in ``oversize``, so the caller can report it while the other records are
    scanned.  Raises :class:`WarcError` (naming the file) when the archive
    cannot be read; documents already yielded stay valid.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                if record.http_headers.get_statuscode() != "200":
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                content_type = record.http_headers.get_header("Content-Type") or ""
                stream = record.content_stream()
                data = stream.read(max_bytes + 1) if max_bytes > 0 else stream.read()
                if max_bytes > 0 and len(data) > max_bytes:
                    size = len(data) + _skip(stream)
                    yield WarcDocument(uri=uri, data=b"", content_type=content_type, oversize=size)
                    continue
                yield WarcDocument(uri=uri, data=data, content_type=content_type)
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as error:
        raise WarcError(f"无法读取网页归档 / cannot read web archive {path}: {error}") from error


def _skip(stream: Any, chunk: int = 1 << 20) -> int:
    """Read ``stream`` to its end a chunk at a time, holding none of it; the bytes it had."""
    skipped = 0
    while True:
        block = stream.read(chunk)
        if not block:
            return skipped
        skipped += len(block)
