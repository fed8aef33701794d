"""The bottom of the batch package: what one input is, what comes back, and how one is scanned.

Everything above (the worker pool, the Dask engine, the run loop, the
command line) speaks these types; this module imports nothing of the
package (``tests/test_batch_imports.py``).  :class:`SettingsSpec`, what a
worker builds its settings from, is defined in :mod:`scanner.settings`,
below both this package and :mod:`scanner.pipeline` (which builds it), so
that neither imports the other in a circle; it is re-exported here.
:class:`LazySettings`, the parent's settings built only when needed, is
here for the same reason: it builds them with the pipeline, which
:mod:`scanner.settings` must not import.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self

from scanner.settings import Identity, SettingsSpec
from scanner.types import DocumentResult

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scanner.pipeline import Settings

__all__ = ["BatchError", "Completion", "Executor", "LazySettings", "SettingsSpec", "Task", "failed_document", "scan_task"]


class LazySettings:
    """A spec's :class:`~scanner.pipeline.Settings`, built the first time they are needed.

    A batch parent whose files are all in the result cache needs only the
    settings' :class:`Identity` (the cache key and the report name it); the
    catalogue, matcher and model (with the imports behind them, 39 % of
    the instructions a fully cached run's start-up took) are built by :meth:`get` only when
    the parent must use them: a file to scan (checked before any worker
    starts, so a bad rule file stops the run as it always did) or a
    failure to report.  Not a frozen dataclass: it keeps what it built.
    """

    def __init__(self, spec: SettingsSpec) -> None:
        self.spec = spec
        self._settings: Settings | None = None
        self._identity: Identity | None = None

    @property
    def identity(self) -> Identity:
        """The built settings' identity, or the spec's read from the files (:meth:`~scanner.settings.SettingsSpec.identity`)."""
        if self._identity is None:
            self._identity = self._settings.identity if self._settings is not None else self.spec.identity()
        return self._identity

    @property
    def built(self) -> bool:
        return self._settings is not None

    def get(self) -> Settings:
        """The settings, built now if not yet.  Raises what :func:`~scanner.pipeline.build_settings` raises."""
        if self._settings is None:
            from scanner.pipeline import build_settings

            self._settings = build_settings(self.spec)
        return self._settings


class BatchError(RuntimeError):
    """The batch as a whole cannot run (workers cannot start, bad input list)."""


# Not frozen: one is made per input (a frozen dataclass's __init__, object.__setattr__ per field, took
# three times as long: a few percent of a fully cached run of small files).  Nothing changes one.
@dataclass(kw_only=True, slots=True)
class Task:
    """One input.  ``key`` is its identity in the output (display path or URL).

    Exactly one of ``path`` (a file the worker reads), ``data`` (bytes from a
    crawl or a WARC record) or ``error`` (known to be unreadable before any
    scan, e.g. a damaged WARC file) is set.  ``spooled``: ``path`` is a
    temporary copy of a large WARC record (its identity is ``key``), removed
    once its result is in.
    """

    key: str
    path: str = ""
    data: bytes | None = None
    referrer: str = ""
    error: str = ""
    spooled: bool = False

    def discard(self) -> None:
        """Remove a spooled copy (its result is in, or the run is over); nothing for other tasks."""
        if self.spooled and self.path:
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        try:
            return os.path.getsize(self.path) if self.path else 0
        except OSError:
            return 0


@dataclass(frozen=True, kw_only=True)
class Completion:
    """What came back for one task: a result, or why there is none."""

    task_id: int
    task: Task
    doc: DocumentResult | None
    reason: str = ""
    kind: str = "done"  # done | timeout | memory | crash | error
    seconds: float = 0.0
    size: int | None = None  # bytes read, when the worker measured them


class Executor(Protocol):
    """Where the run loop (:func:`scanner.batch.run.run_batch`) has its tasks scanned.

    :class:`~scanner.batch.pool.WorkerPool` (local processes) and
    :class:`~scanner.batch.dask_engine.DaskExecutor` implement it.  The loop
    asks for a free slot, submits a task to it, and waits for completions;
    every submitted task comes back exactly once, as a result or a failure.
    """

    @property
    def replaced(self) -> int:
        """Workers replaced after a crash, timeout or memory failure."""

    @property
    def peak_rss_kb(self) -> int:
        """The largest peak memory a worker reported."""

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def idle_worker(self) -> object | None:
        """A slot that can take one more task now, or ``None`` when all are full."""

    @property
    def busy(self) -> int:
        """Tasks submitted (or requeued) and not yet completed."""

    def submit(self, worker: Any, task_id: int, task: Task) -> None:
        """Give ``task`` to the slot :meth:`idle_worker` returned."""

    def wait(self, extra: Sequence[int] = (), *, timeout: float | None = None) -> list[Completion]:
        """Block until something happens (or a descriptor in ``extra`` is readable); return what finished."""


def scan_task(task: Task, settings: Settings) -> DocumentResult:
    """Scan one task in this process (what a worker does, minus the isolation)."""
    from scanner.pipeline import scan_bytes, scan_file

    if task.error:
        return failed_document(task, task.error, settings)
    if task.data is not None:
        doc = scan_bytes(task.data, task.key, settings)
    else:
        doc = scan_file(Path(task.path), settings, display_path=task.key)
    return replace(doc, referrer=task.referrer) if task.referrer else doc


def failed_document(task: Task, reason: str, settings: Settings, *, sha256: str = "") -> DocumentResult:
    """A ``review`` result for an input that could not be scanned, with the reason as its error."""
    from scanner.pipeline import unread_document

    suffix = Path(task.key.split("?", 1)[0]).suffix.lower().lstrip(".")
    doc = unread_document(reason, settings, path=task.key, format=suffix or "unknown", sha256=sha256)
    return replace(doc, referrer=task.referrer)
