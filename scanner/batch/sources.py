"""Where a batch's tasks come from: files (a WARC archive becomes one task per record), then a crawl."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.batch.task import Task

SPOOL_BYTES = 4 * 2**20  # a WARC record larger than this goes to a temporary file, not the parent's memory

if TYPE_CHECKING:
    from scanner.inputs import Uncovered


def file_tasks(paths: Iterable[str | Path], *, max_memory_mb: int = 0,
               spool_dir: Path | None = None) -> Iterator[Task]:
    """Tasks for files; a ``.warc`` / ``.warc.gz`` file becomes one task per 200 response record.

    A record larger than ``max_memory_mb`` (the workers' memory limit; 0: no
    limit) is not read into the parent: it becomes a task that is known to be
    unreadable, reported as ``review`` naming the record and the limit, and
    the archive's other records are scanned as usual.  With ``spool_dir``
    (workers on this machine), a record over :data:`SPOOL_BYTES` is copied
    there a megabyte at a time and its worker reads the copy, so the
    parent never holds a large record; the copy goes when its result is in
    (:meth:`~scanner.batch.task.Task.discard`).
    """
    from scanner.inputs import display_name
    from scanner.warc import WarcError, is_warc, iter_warc

    max_bytes = max_memory_mb * 1024 * 1024 if max_memory_mb > 0 else 0
    for path in paths:
        if is_warc(path):
            try:
                for record in iter_warc(Path(path), max_bytes=max_bytes, spool_over=SPOOL_BYTES,
                                        spool_dir=spool_dir):
                    if record.oversize:
                        yield Task(key=record.uri, error=oversize_reason(record.uri, record.oversize, max_memory_mb))
                    elif record.error:
                        yield Task(key=record.uri, error=record.error)
                    elif record.spooled is not None:
                        yield Task(key=record.uri, path=str(record.spooled), spooled=True)
                    else:
                        yield Task(key=record.uri, data=record.data)
            except WarcError as error:
                yield Task(key=display_name(path), error=str(error))
        else:
            yield Task(key=display_name(path), path=os.path.abspath(path))


def oversize_reason(name: str, size: int, max_memory_mb: int) -> str:
    """Why an input larger than the workers' memory limit was not scanned (its ``unreadable`` finding says it)."""
    return (f"网页归档记录 {name} 有 {size / 2**20:.1f} MB，超过工作进程内存上限 {max_memory_mb} MB，未扫描"
            f" / WARC record {name} ({size} bytes) is larger than the worker memory limit ({max_memory_mb} MB)")


class Sources:
    """Files, the inputs the walk could not cover, then the crawl, as one stream of tasks (with the crawl's statistics).

    With ``spool``, large WARC records are copied to a private temporary
    folder (mode 0700, it holds page contents) that :meth:`close` removes.
    """

    def __init__(self, files: Sequence[str | Path], crawler: Any | None, *, max_memory_mb: int = 0,
                 spool: bool = False, uncovered: Sequence[Uncovered] = ()) -> None:
        self.files = files
        self.crawler = crawler
        self.max_memory_mb = max_memory_mb
        self.uncovered = uncovered
        self._spool_dir = Path(tempfile.mkdtemp(prefix="secscan-warc-")) if spool else None

    def __iter__(self) -> Iterator[Task]:
        for chunk in self.chunks(1):
            yield from chunk

    def chunks(self, size: int) -> Iterator[list[Task]]:
        """The same tasks in lists of up to ``size``, for the feeder to hash and look up together.

        Files come a list at a time (all known from the start); a WARC
        record (its bytes held in memory), an input the walk could not cover
        and a crawled page (the next may take seconds) come one at a time.
        """
        from scanner.inputs import display_name

        chunk: list[Task] = []
        for task in file_tasks(self.files, max_memory_mb=self.max_memory_mb, spool_dir=self._spool_dir):
            if task.data is not None:
                if chunk:
                    yield chunk
                    chunk = []
                yield [task]
                continue
            chunk.append(task)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        for item in self.uncovered:  # review, with the reason: never passed over in silence
            yield [Task(key=display_name(item.path), error=item.reason)]
        if self.crawler is not None:
            for task in self.crawler:
                yield [task]

    @property
    def stats(self) -> dict[str, int]:
        return dict(self.crawler.stats) if self.crawler is not None else {}

    def close(self) -> None:
        if self._spool_dir is not None:
            shutil.rmtree(self._spool_dir, ignore_errors=True)
            self._spool_dir = None
