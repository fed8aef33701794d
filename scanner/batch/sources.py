"""Where a batch's tasks come from: files (a WARC archive becomes one task per record), then a crawl."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from scanner.batch.task import Task


def file_tasks(paths: Iterable[Path]) -> Iterator[Task]:
    """Tasks for files; a ``.warc`` / ``.warc.gz`` file becomes one task per 200 response record."""
    from scanner.pipeline import display_name
    from scanner.warc import WarcError, is_warc, iter_warc

    for path in paths:
        if is_warc(path):
            try:
                for record in iter_warc(path):
                    yield Task(key=record.uri, data=record.data)
            except WarcError as error:
                yield Task(key=display_name(path), error=str(error))
        else:
            yield Task(key=display_name(path), path=os.path.abspath(path))




class Sources:
    """Files, then the crawl, as one stream of tasks (with the crawl's statistics)."""

    def __init__(self, files: list[Path], crawler: Any | None) -> None:
        self.files = files
        self.crawler = crawler

    def __iter__(self) -> Iterator[Task]:
        yield from file_tasks(self.files)
        if self.crawler is not None:
            yield from self.crawler

    @property
    def stats(self) -> dict[str, int]:
        return dict(self.crawler.stats) if self.crawler is not None else {}


