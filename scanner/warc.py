"""Web archives: a ``.warc`` / ``.warc.gz`` file scanned record by record.

Only ``response`` records with HTTP status 200 are documents: requests,
metadata, revisits and error pages are not what the site published.  Each
record's ``WARC-Target-URI`` is its path in the report.  warcio undoes the
HTTP chunked / gzip transfer encodings, so the bytes are the published file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

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
    # a record over iter_warc's spool_over, written to this file instead of held in memory (data is empty)
    spooled: Path | None = None
    error: str = ""  # why the record could not be kept (its copy could not be written); data is empty


def is_warc(path: Path | str) -> bool:
    return str(path).lower().endswith(WARC_SUFFIXES)


def iter_warc(path: Path, *, max_bytes: int = 0, spool_over: int = 0,
              spool_dir: Path | None = None) -> Iterator[WarcDocument]:
    """The 200 responses in ``path``, in archive order.

    Bodies are read a megabyte at a time.  With ``max_bytes``, a record
    whose body is longer is not kept: it comes with empty ``data`` and its
    size in ``oversize``, so the caller can report it while the other
    records are scanned.  With ``spool_dir``, a body longer than
    ``spool_over`` goes to a new file there (``spooled``; the caller removes
    it) instead of memory.  Raises :class:`WarcError` (naming the file) when
    the archive cannot be read; documents already yielded stay valid.
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
                body = record.content_stream()
                try:
                    data, spooled, oversize = _read_body(body, max_bytes=max_bytes, spool_over=spool_over,
                                                         spool_dir=spool_dir)
                except _SpoolError as error:
                    _skip(body)  # the archive's other records are still read
                    yield WarcDocument(uri=uri, data=b"", content_type=content_type, error=str(error))
                    continue
                yield WarcDocument(uri=uri, data=data, content_type=content_type, oversize=oversize, spooled=spooled)
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as error:
        raise WarcError(f"无法读取网页归档 / cannot read web archive {path}: {error}") from error


CHUNK = 1 << 20


class _SpoolError(Exception):
    """A record's temporary copy could not be written (disk full, no permission)."""


def _read_body(stream: Any, *, max_bytes: int, spool_over: int,
               spool_dir: Path | None) -> tuple[bytes, Path | None, int]:
    """``(data, spooled file, oversize)`` of one record body: see :func:`iter_warc`.

    Raises :class:`_SpoolError` when the copy cannot be written, and what
    reading the archive raises.
    """
    chunks: list[bytes] = []
    size = 0
    spool: IO[bytes] | None = None
    spooled: Path | None = None
    try:
        while block := stream.read(CHUNK):
            size += len(block)
            if max_bytes > 0 and size > max_bytes:
                size += _skip(stream)
                _discard(spool, spooled)
                return b"", None, size
            if spool is None and spool_dir is not None and size > spool_over:
                spool, spooled = _spooled(_open_spool, spool_dir)
                _spooled(spool.writelines, chunks)
                chunks = []
            if spool is not None:
                _spooled(spool.write, block)
            else:
                chunks.append(block)
        if spool is not None:
            _spooled(spool.close)  # its last write can fail here too (a full disk)
    except BaseException:
        _discard(spool, spooled)
        raise
    if spool is not None:
        return b"", spooled, 0
    return b"".join(chunks), None, 0


def _open_spool(spool_dir: Path) -> tuple[IO[bytes], Path]:
    handle, name = tempfile.mkstemp(dir=spool_dir, suffix=".record")  # 0600
    return os.fdopen(handle, "wb"), Path(name)


def _spooled(step: Any, *args: Any) -> Any:
    """``step(*args)``, with an ``OSError`` (disk full, no permission) raised as :class:`_SpoolError`."""
    try:
        return step(*args)
    except OSError as error:
        raise _SpoolError(
            f"无法暂存网页归档记录（{error.strerror or error}），未扫描 / cannot keep the WARC record: {error}"
        ) from error


def _discard(spool: IO[bytes] | None, spooled: Path | None) -> None:
    if spool is not None:
        with contextlib.suppress(OSError):
            spool.close()
    _remove(spooled)


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def _skip(stream: Any, chunk: int = CHUNK) -> int:
    """Read ``stream`` to its end a chunk at a time, holding none of it; the bytes it had."""
    skipped = 0
    while True:
        block = stream.read(chunk)
        if not block:
            return skipped
        skipped += len(block)
