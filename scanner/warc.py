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

WARC_SUFFIXES = (".warc", ".warc.gz")


class WarcError(ValueError):
    """The file is not a readable web archive."""


@dataclass(frozen=True, kw_only=True)
class WarcDocument:
    uri: str
    data: bytes
    content_type: str = ""


def is_warc(path: Path | str) -> bool:
    return str(path).lower().endswith(WARC_SUFFIXES)


def iter_warc(path: Path) -> Iterator[WarcDocument]:
    """The 200 responses in ``path``, in archive order.

    Raises :class:`WarcError` (naming the file) when the archive cannot be
    read; documents already yielded stay valid.
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
                yield WarcDocument(
                    uri=uri,
                    data=record.content_stream().read(),
                    content_type=record.http_headers.get_header("Content-Type") or "",
                )
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as error:
        raise WarcError(f"无法读取网页归档 / cannot read web archive {path}: {error}") from error
