"""The run of one batch: the parent's loop over the feeder, an executor, the cache, the journal and the sink.

The data flow (:func:`run_batch`)::

    sources (files, WARC records, a crawl)          feeder thread (scanner.batch.feeder)
        -> skip what --resume already has            (journal)
        -> reuse what the cache already has          (content hash, a chunk of files per query)
        -> the rest to an executor                   (local worker pool, or Dask; made on the first task,
                                                      so a fully cached run starts no worker, imports no
                                                      worker code and connects to no cluster)
        -> each result: cache, journal, stream, progress  (parent, main thread)

        -> ScanResult sorted by input order + BatchSummary

A streamed report (:class:`LineOutput`, ``jsonl``) has its line kept in the
cache beside each result, so a cached result is written out as the stored
line, neither decoded for it nor encoded again.  A run that streams its
report and is not asked to keep the documents (``keep_documents=False``)
holds only the summary: the parent's memory does not grow with the number
of files, and a cached result with its line is counted from its brief
(:class:`~scanner.types.Brief`) without being read back.

The parent may be given :class:`~scanner.batch.task.LazySettings`: the cache
key needs only their identity (digests of the rule and model files), so a
fully cached run never builds a catalogue, a matcher or a model.  They are
built on the first input the cache does not have, before any worker starts
(a bad rule file stops the run there, as when the settings came built).
"""

from __future__ import annotations

import select
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

from scanner.batch.feeder import END, FEEDER_POLL, Fed, Feeder
from scanner.batch.journal import Journal
from scanner.batch.summary import BatchSummary
from scanner.batch.task import Completion, Executor, LazySettings, SettingsSpec, Task, failed_document
from scanner.inputs import DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMEOUT
from scanner.types import Brief, DocumentResult, ScanResult, Verdict

if TYPE_CHECKING:
    from scanner.pipeline import Settings


@dataclass(frozen=True, kw_only=True)
class BatchOptions:
    jobs: int = 1
    timeout: float = DEFAULT_TIMEOUT
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB
    cache_dir: Path | None = None  # None: no cache
    resume: Path | None = None  # a jsonl journal to continue and append to
    engine: str = "local"  # local | dask
    address: str = ""  # scheduler address for a distributed engine ("" starts a local cluster)
    progress: bool | None = None  # None: only on a terminal
    rehash: bool = False  # read and hash every file, whatever the stat index says (scanner.batch.stamps)


@dataclass(frozen=True, kw_only=True)
class BatchOutcome:
    result: ScanResult  # its documents only when the run kept them (run_batch's keep_documents)
    summary: BatchSummary

    @property
    def counts(self) -> dict[str, int]:
        """The verdict counts :attr:`ScanResult.summary` gives, whether or not the documents were kept."""
        return self.summary.counts()


# Called with each document as soon as it is known, and whether it was scanned
# in this run (False: taken from the --resume journal).
DocumentSink = Callable[[DocumentResult, bool], None]


@dataclass(frozen=True, kw_only=True)
class LineOutput:
    """A report streamed a line per document (``jsonl``): how a line is made, and where it goes.

    ``variant`` names the format and every option the line depends on: the
    cache keeps each result's line under it and hands a cached result back
    with its line for the same variant, path and referrer, which ``write``
    then gets as it is (the code's own version is in the cache's digest):
    the UTF-8 bytes of the line, never decoded and encoded again.
    """

    variant: str
    render: Callable[[DocumentResult], str]
    write: Callable[[bytes], None]


def make_executor(spec: SettingsSpec, options: BatchOptions) -> Executor:
    """The engine ``options`` asks for.  Raises :class:`~scanner.batch.task.BatchError` when it cannot be had."""
    if options.engine == "local":
        from scanner.batch.pool import WorkerPool

        return WorkerPool(spec, jobs=options.jobs, timeout=options.timeout, max_memory_mb=options.max_memory_mb)
    from scanner.batch.dask_engine import DaskExecutor

    return DaskExecutor(spec, address=options.address, jobs=options.jobs, timeout=options.timeout)


class _OnDemand:
    """An executor made when the first task needs a worker (:func:`make_executor`): until then there is none.

    Until then, waiting is waiting for the feeder's descriptors.
    Raises what ``make`` raises, from :meth:`idle_worker`.
    """

    def __init__(self, make: Callable[[], Executor]) -> None:
        self._make = make
        self._executor: Executor | None = None

    @property
    def replaced(self) -> int:
        return self._executor.replaced if self._executor is not None else 0

    @property
    def peak_rss_kb(self) -> int:
        return self._executor.peak_rss_kb if self._executor is not None else 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.__exit__(*exc)

    def idle_worker(self) -> object | None:
        if self._executor is None:
            executor = self._make()
            self._executor = executor.__enter__()
        return self._executor.idle_worker()

    @property
    def busy(self) -> int:
        return self._executor.busy if self._executor is not None else 0

    def submit(self, worker: Any, task_id: int, task: Task) -> None:
        if self._executor is None:
            raise RuntimeError("a task submitted to a slot no executor gave")
        self._executor.submit(worker, task_id, task)

    def wait(self, extra: Sequence[int] = (), *, timeout: float | None = None) -> list[Completion]:
        if self._executor is not None:
            return self._executor.wait(extra, timeout=timeout)
        if extra or timeout is not None:
            select.select(list(extra), [], [], timeout)
        return []


def run_batch(
    tasks: Iterable[Task],
    spec: SettingsSpec,
    settings: Settings | LazySettings,
    options: BatchOptions,
    *,
    total: int | None = None,
    sink: DocumentSink | None = None,
    lines: LineOutput | None = None,
    stderr: IO[str] | None = None,
    keep_documents: bool = True,
) -> BatchOutcome:
    """Scan every task and return the results in input order, streaming each to ``sink`` as it finishes.

    ``lines``: a streamed report, each document's line written as it finishes.
    ``settings``: built, or :class:`LazySettings` of ``spec`` (built only if an input is not in the cache).
    ``keep_documents=False``: the outcome's result holds no documents (its
    :attr:`BatchOutcome.counts` and summary say what they were), for a
    caller that has had each one from ``lines`` or ``sink``.

    Raises :class:`BatchError` when workers cannot start, whatever building
    lazy settings raises (:class:`~scanner.catalogue.CatalogueError`, ...)
    and whatever the task iterator raises (after stopping the workers).
    """
    from scanner import __version__
    from scanner.cache import open_cache, settings_digest
    from scanner.progress import Progress
    from scanner.wording import terminal_safe

    started = time.monotonic()
    summary = BatchSummary()
    identity = settings.identity
    digest = settings_digest(version=__version__, catalogue=identity.catalogue, model=identity.model,
                             options=spec.cache_options())
    journal = Journal(options.resume) if options.resume else None  # closed in the finally below
    stream = stderr if stderr is not None else sys.stderr

    def warn(message: str) -> None:  # from the feeder thread too: one write per line
        stream.write(terminal_safe(message) + "\n")

    # A cache that cannot be used (damaged, not the user's own, full) costs a rescan, never the batch.
    cache = open_cache(options.cache_dir, digest, warn=warn) if options.cache_dir else None
    if cache is not None and spec.ocr and not spec.ocr_cache and options.engine == "local":
        # the workers keep their OCR readings beside the results (scanner.ocr_cache): a picture seen in an
        # earlier run, or in another document, is not read again.  (Not on a Dask cluster: the
        # directory is this machine's.)
        spec = replace(spec, ocr_cache=str(options.cache_dir))
    progress = Progress(stream, total=total, force=bool(options.progress)) if options.progress is not False else None
    if progress is not None and not progress.enabled:
        progress = None  # not a terminal: nothing to count for it
    results: dict[int, DocumentResult] = {}
    last_commit = time.monotonic()

    def emit(fed: Fed, doc: DocumentResult | None, *, fresh: bool, seconds: float | None,
             scanned: bool = False) -> None:
        """Everything a known result goes to; ``scanned``: in this run by a worker, so into the cache too.

        ``doc`` is ``None`` only for a cached result that came as its brief
        and line (the feeder decodes whenever the journal, a sink or the
        outcome needs the result).
        """
        nonlocal last_commit
        line = fed.line
        if doc is not None:
            brief, name = Brief.of(doc), doc.path
            if keep_documents:
                results[fed.order] = doc
            if line is None and lines is not None:
                line = lines.render(doc).encode("utf-8")
        elif fed.brief is not None and line is not None:
            brief, name = fed.brief, fed.name
        else:
            raise RuntimeError("a cached result came neither read back nor with its brief and line")
        summary.add_brief(brief, name, seconds=seconds)
        if cache is not None and fed.record is not None and fed.key is not None:
            cache.record_hash(*fed.record, fed.key.sha256)  # the file is not read again while its stamp stays
        kept: tuple[str, bytes] | None = None  # (variant, line) to keep beside the result
        if lines is not None and line is not None:
            lines.write(line)
            kept = (lines.variant, line)
            if cache is not None and doc is not None and fed.source == "cached" and fed.line is None:
                cache.put_line(doc, *kept)  # stored before this output was asked for: kept for the next run
        if doc is not None:
            if cache is not None and scanned:
                cache.put(doc, line=kept)
            if fresh and journal is not None and fed.key is not None:
                journal.write(doc, fed.key)
            if sink is not None:
                sink(doc, fresh)
        if progress is not None:
            progress.advance(findings=len(brief.categories), flagged=brief.verdict is not Verdict.PASS)
        if cache is not None and time.monotonic() - last_commit > 1.0:
            cache.commit()
            last_commit = time.monotonic()

    # a cached result is read back only for what needs more than its brief and line
    decode = keep_documents or journal is not None or sink is not None or lines is None
    feeder = Feeder(tasks, journal=journal, cache=cache, variant=lines.variant if lines is not None else "",
                    decode=decode, rehash=options.rehash)
    completed = False
    try:
        executor = _OnDemand(lambda: make_executor(spec, options))
        feeder.start()
        with executor:
            _drive(executor, feeder, settings, summary, emit)
        summary.workers_replaced = executor.replaced
        summary.peak_worker_rss_kb = executor.peak_rss_kb
        completed = feeder.error is None
    finally:
        feeder.stop()
        if progress is not None:
            progress.close()
        if journal is not None:
            journal.close(compact=completed)  # inputs scanned again leave their old lines until now
        if cache is not None:
            cache.close()
            summary.cache_rejected = cache.stats.rejected
            summary.cache_problems = list(cache.stats.problems)
    if feeder.error is not None:
        raise feeder.error
    summary.elapsed = time.monotonic() - started
    summary.extra.update(feeder.extra(tasks))
    documents = [results[order] for order in sorted(results)]
    return BatchOutcome(result=identity.result(documents), summary=summary)


def _built(settings: Settings | LazySettings) -> Settings:
    return settings.get() if isinstance(settings, LazySettings) else settings


def _drive(executor: Executor, feeder: Feeder, settings: Settings | LazySettings, summary: BatchSummary,
           emit: Callable[..., None]) -> None:
    """The parent's loop: hand tasks to idle workers, collect results, until everything is done."""
    held: Fed | None = None  # a task no worker had room for yet
    orders: dict[int, Fed] = {}  # task id -> the input it scans
    next_id = 0
    finished = False
    while True:
        while not finished:
            if held is None:
                item = feeder.get()
                if item is None:
                    break
            else:
                item, held = held, None
            if item is END:
                finished = True
                break
            if item.task is not None:
                _built(settings)  # checked in the parent before the first worker (started now) builds its own
                worker = executor.idle_worker()
                if worker is None:
                    held = item
                    break
                orders[next_id] = item
                executor.submit(worker, next_id, item.task)
                next_id += 1
            elif item.known:
                summary.cached += item.source == "cached"
                summary.resumed += item.source == "resumed"
                emit(item, item.doc, fresh=item.source == "cached", seconds=None)
        if finished and held is None and executor.busy == 0:
            return
        # The feeder's wake-ups matter only while a task could be handed out:
        # with one held back (every worker has its fill) they would only make
        # the parent spin, taking CPU from the workers.
        # (answers from the cache are announced in batches: look for them every FEEDER_POLL seconds)
        waiting_for_feeder = held is None and not finished
        for completion in executor.wait([feeder.wake_fd] if waiting_for_feeder else [],
                                        timeout=FEEDER_POLL if waiting_for_feeder else None):
            fed = orders.pop(completion.task_id)
            doc = completion.doc
            if doc is None:
                summary.failures[completion.kind] += 1
                doc = failed_document(completion.task, completion.reason, _built(settings))
            else:
                summary.scanned += 1
                summary.bytes_scanned += completion.task.size if completion.size is None else completion.size
            emit(fed, doc, fresh=True, seconds=completion.seconds, scanned=completion.doc is not None)
            completion.task.discard()
        feeder.drain_wake()
