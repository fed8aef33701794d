"""``scan --engine dask``: the same batch, with the scanning done on a Dask cluster.

Dask rather than Ray (see ``docs/distributed.md``): ``dask[distributed]``
is pure Python and installs in seconds from PyPI, runs a local cluster of
processes with no daemon to manage, and its futures fit the batch loop in
:mod:`scanner.batch.run` one for one.  Only the scanning moves: walking inputs,
the cache, the resume journal, streaming jsonl and the summary stay in the
parent, so the output is the same whichever engine ran.

Files are read by the workers, so every worker must see the same paths (a
shared file system); crawled pages and WARC records travel with the task.
Each worker process builds its :class:`~scanner.pipeline.Settings` once, on
its first task.  The scanner package must be installed on the workers.

Limits: a task that runs past ``--timeout`` is reported as timed out and
dropped from the batch, but Dask cannot kill a running task; memory limits
are Dask's own (``--memory-limit`` of ``dask worker``: the nanny restarts a
worker that exceeds it, and the task is reported as a crash).
"""

from __future__ import annotations

import multiprocessing.connection
import time
import uuid
from collections.abc import Sequence
from typing import Any, Self

from scanner.batch.task import BatchError, Completion, SettingsSpec, Task, scan_task
from scanner.types import DocumentResult


def _dask_scan(spec: SettingsSpec, task: Task) -> tuple[DocumentResult, float]:
    """Runs on a Dask worker: scan one task with that worker's settings."""
    from distributed import get_worker

    from scanner.pipeline import build_settings

    started = time.perf_counter()
    worker = get_worker()
    # One Settings per worker process, kept on the worker object (not a module global).
    built: dict[SettingsSpec, Any] = worker.__dict__.setdefault("_secscan_settings", {})
    settings = built.get(spec)
    if settings is None:
        settings = built[spec] = build_settings(spec)
    return spec.finish(scan_task(task, settings)), time.perf_counter() - started


class DaskExecutor:
    """The batch loop's :class:`~scanner.batch.task.Executor` on a Dask client.

    Raises :class:`~scanner.batch.task.BatchError` when dask is not installed or
    the scheduler cannot be reached.
    """

    def __init__(self, spec: SettingsSpec, *, address: str = "", jobs: int = 2, timeout: float = 0.0) -> None:
        try:
            import distributed  # noqa: F401  (checked here so the error names the extra)
        except ImportError as error:
            raise BatchError(
                "需要安装 Dask / --engine dask needs dask[distributed]: pip install 'secscan[distributed]'"
            ) from error
        self.spec = spec
        self.address = address
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.replaced = 0
        self.peak_rss_kb = 0
        self._client: Any = None
        self._cluster: Any = None
        self._running: dict[str, tuple[int, Task, float, Any]] = {}
        self._capacity = self.jobs * 2

    def __enter__(self) -> Self:
        from distributed import Client, LocalCluster

        try:
            if self.address:
                self._client = Client(self.address, timeout=30)
            else:
                self._cluster = LocalCluster(
                    n_workers=self.jobs, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as error:
            raise BatchError(f"无法连接 Dask 集群 / cannot reach Dask scheduler {self.address}: {error}") from error
        threads = sum(self._client.nthreads().values()) or self.jobs
        self._capacity = max(2, threads * 2)  # keep every worker busy while results travel back
        return self

    def __exit__(self, *exc: object) -> None:
        for _task_id, _task, _started, future in self._running.values():
            future.cancel()
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def idle_worker(self) -> bool | None:
        return True if len(self._running) < self._capacity else None

    @property
    def busy(self) -> int:
        return len(self._running)

    def submit(self, _slot: object, task_id: int, task: Task) -> None:
        key = f"secscan-{task_id}-{uuid.uuid4().hex}"
        future = self._client.submit(_dask_scan, self.spec, task, key=key, pure=False, retries=0)
        self._running[key] = (task_id, task, time.monotonic(), future)

    def wait(self, extra: Sequence[int] = (), *, timeout: float | None = None) -> list[Completion]:
        # Dask futures have no file descriptor to wait on: look every 20 ms.
        multiprocessing.connection.wait(list(extra), 0.02 if timeout is None else min(timeout, 0.02))
        done: list[Completion] = []
        now = time.monotonic()
        for key, (task_id, task, started, future) in list(self._running.items()):
            if future.done():
                del self._running[key]
                if future.status == "finished":
                    doc, seconds = future.result()
                    done.append(Completion(task_id=task_id, task=task, doc=doc, seconds=seconds))
                else:
                    error = future.exception()
                    done.append(Completion(
                        task_id=task_id, task=task, doc=None, kind="crash", seconds=now - started,
                        reason=f"解析进程崩溃 / worker crashed ({type(error).__name__}: {error})",
                    ))
            elif self.timeout > 0 and now - started > self.timeout:
                del self._running[key]
                future.cancel()
                done.append(Completion(
                    task_id=task_id, task=task, doc=None, kind="timeout", seconds=now - started,
                    reason=f"超时 / timed out after {self.timeout:g} s",
                ))
        return done
