"""Scans in the batch machinery's isolated workers, for a long-running service.

:class:`ScanRunner` owns one :class:`~scanner.batch.WorkerPool` and drives it
from a thread of its own, as :func:`scanner.batch.run_batch` drives it for a
batch: each upload is a :class:`~scanner.batch.Task` scanned in a worker
process under the per-file time and memory limits.  A file that hangs,
crashes its worker or runs out of memory comes back ``review`` with the
reason (:func:`~scanner.batch.failed_document`), the worker is replaced, and
the service goes on.  Callers get a :class:`concurrent.futures.Future`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import deque
from concurrent.futures import Future
from typing import TYPE_CHECKING

from scanner.batch import BatchError, SettingsSpec, Task, WorkerPool, failed_document
from scanner.types import DocumentResult

if TYPE_CHECKING:
    from scanner.pipeline import Settings

log = logging.getLogger("secscan.service")


class ScanRunner:
    """Scan tasks in ``jobs`` worker processes; :meth:`submit` returns a future of the document result."""

    def __init__(self, spec: SettingsSpec, settings: Settings, *, jobs: int, timeout: float,
                 max_memory_mb: int) -> None:
        self.spec = spec
        self.settings = settings  # the parent's, for results of files no worker could scan
        self._pool_args = {"jobs": jobs, "timeout": timeout, "max_memory_mb": max_memory_mb}
        self._incoming: deque[tuple[Task, Future[DocumentResult]]] = deque()
        self._lock = threading.Lock()
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="secscan-scan-runner", daemon=True)
        # task id -> (task, future) for everything handed to the pool and not yet answered
        self._open: dict[int, tuple[Task, Future[DocumentResult]]] = {}
        self.completed = 0
        self.failures = 0

    def start(self) -> None:
        self._thread.start()

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` was called: results from now on are "the service is stopping", not scans."""
        return self._stopping

    def submit(self, task: Task) -> Future[DocumentResult]:
        future: Future[DocumentResult] = Future()
        with self._lock:
            if self._stopping:
                raise RuntimeError("scan runner stopped")
            self._incoming.append((task, future))
        self._wake()
        return future

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
        self._wake()
        self._thread.join(10)
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            while os.read(self._wake_read, 4096):
                pass

    def _run(self) -> None:
        while not self._stopping:
            try:
                self._drive(WorkerPool(self.spec, **self._pool_args))  # type: ignore[arg-type]
            except BatchError as error:  # workers cannot start: fail what waits, try again with a new pool
                log.error("scan workers failed: %s", error)
                self._fail_all(f"扫描进程无法启动 / scan workers could not start: {error}")
                threading.Event().wait(2.0)

    def _drive(self, pool: WorkerPool) -> None:
        waiting: deque[tuple[int, Task]] = deque()
        next_id = 0
        with pool:
            while True:
                with self._lock:
                    stopping = self._stopping
                    while self._incoming:
                        task, future = self._incoming.popleft()
                        self._open[next_id] = (task, future)
                        waiting.append((next_id, task))
                        next_id += 1
                if stopping:
                    self._fail_all("服务正在停止 / the service is stopping")
                    return
                while waiting and (worker := pool.idle_worker()) is not None:
                    pool.submit(worker, *waiting.popleft())
                for completion in pool.wait([self._wake_read], timeout=5.0):
                    entry = self._open.pop(completion.task_id, None)
                    doc = completion.doc
                    if doc is None:
                        self.failures += 1
                        doc = failed_document(completion.task, completion.reason, self.settings)
                    self.completed += 1
                    if entry is not None and not entry[1].done():
                        entry[1].set_result(doc)
                self._drain()

    def _fail_all(self, reason: str) -> None:
        """Every task not yet answered gets a ``review`` result naming ``reason``."""
        with self._lock:
            pending = list(self._incoming) + list(self._open.values())
            self._incoming.clear()
            self._open.clear()
        for task, future in pending:
            if not future.done():
                future.set_result(failed_document(task, reason, self.settings))
