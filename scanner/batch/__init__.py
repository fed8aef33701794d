"""Many inputs: walking, isolated workers, caching, resuming, streaming.

The package, from the bottom up (each module imports only those above it in
this list, ``tests/test_batch_imports.py`` checks it)::

    task.py         Task, SettingsSpec, Completion, scan_task, the Executor protocol
    messages.py     what the parent and its workers say to each other (dataclasses)
    worker.py       one worker process: limits, the courier thread, the test hook
    pool.py         the local engine: worker processes under time and memory limits
    dask_engine.py  the same on a Dask cluster (``--engine dask``)
    journal.py      jsonl lines and the ``--resume`` journal
    summary.py      what a batch did, for the closing summary
    feeder.py       walks the inputs ahead of the workers (resume, cache)
    sources.py      files, WARC records, a crawl as one stream of tasks
    run.py          run_batch: the parent's loop
    command.py      ``scan`` in batch mode

The names importers use are re-exported here, each loaded on first use:
``scan draft.docx`` imports :mod:`scanner.batch.task` (through
:mod:`scanner.pipeline`) and never the worker machinery (multiprocessing,
selectors, pickle: 15-20 ms of a cold start).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.batch.command import read_file_list, run_cli_batch, write_batch_report
    from scanner.batch.journal import jsonl_line, read_journal
    from scanner.batch.pool import MAX_DEPTH, REQUEUE_LIMIT, WorkerPool
    from scanner.batch.run import BatchOptions, BatchOutcome, DocumentSink, run_batch
    from scanner.batch.sources import file_tasks
    from scanner.batch.summary import BatchSummary
    from scanner.batch.task import (
        BatchError,
        Completion,
        Executor,
        SettingsSpec,
        Task,
        failed_document,
        scan_task,
    )
    from scanner.batch.worker import HOOK_ENV, IDLE, hook_from_environment
    from scanner.inputs import iter_files

_HOME = {
    "read_file_list": "command", "run_cli_batch": "command", "write_batch_report": "command",
    "jsonl_line": "journal", "read_journal": "journal",
    "MAX_DEPTH": "pool", "REQUEUE_LIMIT": "pool", "WorkerPool": "pool",
    "BatchOptions": "run", "BatchOutcome": "run", "DocumentSink": "run", "run_batch": "run",
    "file_tasks": "sources",
    "BatchSummary": "summary",
    "BatchError": "task", "Completion": "task", "Executor": "task", "SettingsSpec": "task", "Task": "task",
    "failed_document": "task", "scan_task": "task",
    "HOOK_ENV": "worker", "IDLE": "worker", "hook_from_environment": "worker",
}

__all__ = [
    "HOOK_ENV",
    "IDLE",
    "MAX_DEPTH",
    "REQUEUE_LIMIT",
    "BatchError",
    "BatchOptions",
    "BatchOutcome",
    "BatchSummary",
    "Completion",
    "DocumentSink",
    "Executor",
    "SettingsSpec",
    "Task",
    "WorkerPool",
    "failed_document",
    "file_tasks",
    "hook_from_environment",
    "iter_files",
    "jsonl_line",
    "read_file_list",
    "read_journal",
    "run_batch",
    "run_cli_batch",
    "scan_task",
    "write_batch_report",
]


def __getattr__(name: str) -> Any:
    if name == "iter_files":
        from scanner.inputs import iter_files

        return iter_files
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
