"""``scan`` in batch mode: the command line's request turned into a run, and the report after it."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from scanner.batch.journal import jsonl_line
from scanner.batch.run import BatchOptions, BatchOutcome, LineOutput, run_batch
from scanner.batch.sources import Sources
from scanner.batch.task import BatchError, SettingsSpec
from scanner.inputs import BatchRequest, Uncovered, iter_file_names
from scanner.serial import VERSION as SERIAL_VERSION

if TYPE_CHECKING:
    from scanner.batch.task import LazySettings
    from scanner.pipeline import Settings
    from scanner.report import ReportOptions

FLUSH_SECONDS = 0.2  # a streamed jsonl line waits at most about this long before it is written out


def read_file_list(name: str, stdin: IO[str] | None = None) -> list[Path]:
    """Paths from a file (one a line; blank lines and ``#`` comments ignored); ``-`` reads stdin.

    Raises :class:`BatchError` when the list cannot be read.
    """
    from scanner.userfiles import UserFileError, read_user_file

    try:
        if name == "-":
            text = (stdin or sys.stdin).read()
        else:  # a regular file of bounded size: /dev/zero is refused, not read until memory runs out
            text = read_user_file(Path(name), what="文件列表 / file list").decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, UserFileError) as error:
        raise BatchError(f"无法读取文件列表 / cannot read file list {name}: {error}") from error
    return [Path(line.strip()) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]



def run_cli_batch(request: BatchRequest, spec: SettingsSpec, settings: Settings | LazySettings, *,
                  stdout: IO[bytes]) -> BatchOutcome:
    """Run ``scan`` in batch mode; a jsonl report is written line by line as files finish.

    ``settings`` may be lazy (:class:`~scanner.batch.task.LazySettings`): a fully cached run never builds them.
    Raises :class:`BatchError` (bad file list, workers cannot start),
    :class:`~scanner.crawl.CrawlError` (bad URL) or ``OSError`` (output).
    """
    from scanner.cache import default_cache_dir
    from scanner.warc import is_warc

    paths = list(request.paths)
    if request.from_file:
        paths.extend(read_file_list(request.from_file))
    if not paths and not request.crawl_url:
        raise BatchError("请给出要扫描的文件或目录 / give files or directories to scan (or --crawl URL)")
    uncovered: list[Uncovered] = []
    files = list(iter_file_names(paths, include=request.include, exclude=request.exclude,
                            follow_symlinks=request.follow_symlinks, uncovered=uncovered))
    crawler = None
    if request.crawl_url:
        from scanner.crawl import Crawler, CrawlOptions

        crawler = Crawler(request.crawl_url, CrawlOptions(
            max_depth=request.max_depth, max_pages=request.max_pages,
            delay=request.delay, concurrency=request.crawl_concurrency, crawl_timeout=request.crawl_timeout,
        ))
    warcs = any(is_warc(f) for f in files)  # once: a look at each name, 5 µs a file
    total = None if crawler is not None or warcs else len(files) + len(uncovered)
    options = BatchOptions(
        jobs=request.jobs or os.cpu_count() or 1,
        timeout=request.timeout,
        max_memory_mb=request.max_memory,
        cache_dir=None if request.no_cache else (request.cache_dir or default_cache_dir()),
        rehash=request.rehash,
        resume=request.resume,
        engine=request.engine,
        address=request.address,
    )
    target: IO[bytes] | None = None
    owned = False
    if request.fmt == "jsonl" and not request.streams_to_journal():
        if request.output is not None:
            target, owned = open(request.output, "wb"), True  # noqa: SIM115 -- closed in the finally below
        else:
            target = stdout

    flushed = time.monotonic()

    def write(line: bytes) -> None:
        nonlocal flushed
        if target is not None:
            target.write(line)
            # Lines reach a reader within FLUSH_SECONDS; a flush per line was a system call per
            # file, a tenth of a fully cached run.
            if time.monotonic() - flushed >= FLUSH_SECONDS:
                target.flush()
                flushed = time.monotonic()

    # the cache keeps each result's line under this name: format, redaction and the serial form decide it
    lines = None if target is None else LineOutput(
        variant=f"jsonl/serial-{SERIAL_VERSION}/redact-{int(request.redact)}",
        render=lambda doc: jsonl_line(doc, redact=request.redact),
        write=write,
    )

    # the html report shows the text and -v explains it (the dropped candidates); the others need only the findings
    spec = replace(spec, keep_text=request.fmt == "html" or request.explain)
    # large WARC records are spooled for local workers only: a Dask worker elsewhere could not read the copy
    sources = Sources(files, crawler, max_memory_mb=request.max_memory, uncovered=uncovered,
                      spool=request.engine == "local" and warcs)
    try:
        return run_batch(sources, spec, settings, options, total=total, lines=lines,
                         keep_documents=request.keep_documents or request.fmt != "jsonl")
    finally:
        sources.close()
        if target is not None:
            target.flush()
        if owned and target is not None:
            target.close()


def write_batch_report(outcome: BatchOutcome, request: BatchRequest, options: ReportOptions | None, *,
                       stdout: IO[bytes], stderr: IO[str] | None = None) -> None:
    """The report after a batch: jsonl is already written; the others are rendered as usual (``options`` given).

    The run's statistics (timings, cache hits, slowest files) go to stderr
    and never into the report: the same input and version must give a
    byte-identical report, run after run.
    Raises ``OSError`` when the report cannot be written.
    """
    if request.fmt != "jsonl":
        from scanner.output import write_report

        if options is None:
            raise ValueError(f"a {request.fmt} report needs its options")
        write_report(outcome.result, request.fmt, options, request.output, stdout=stdout)
    (stderr or sys.stderr).write(outcome.summary.text())
