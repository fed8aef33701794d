"""What the parent of a batch and its worker processes say to each other over their pipe.

Parent to worker: a list of :class:`Assignment` (several tasks to a
message, see :class:`~scanner.batch.worker.Outbox`), or ``None`` to stop.
Worker to parent: a list of pickled replies, each unpickled (and failing)
on its own, so that one result too big for the parent's memory is that
file's failure and not the whole message's (:func:`pack`, :func:`unpack`).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass

from scanner.batch.task import Task
from scanner.types import DocumentResult


@dataclass(frozen=True, kw_only=True)
class Assignment:
    """A task for a worker, with the id the parent knows it by."""

    task_id: int
    task: Task


@dataclass(frozen=True, kw_only=True)
class Ready:
    """The worker has built its settings and takes tasks."""

    pid: int


@dataclass(frozen=True, kw_only=True)
class Failed:
    """The worker could not build its settings: the batch cannot run."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class Done:
    """One task scanned."""

    task_id: int
    doc: DocumentResult
    seconds: float
    rss_kb: int  # the worker's peak resident size so far
    size: int  # bytes the input had


@dataclass(frozen=True, kw_only=True)
class Errored:
    """One task stopped by an exception in the scanner (a bug): reported with its reason, the batch goes on."""

    task_id: int
    reason: str
    seconds: float


@dataclass(frozen=True, kw_only=True)
class OutOfMemory:
    """The task ran out of the worker's memory limit; the worker exits after sending this."""

    task_id: int | None  # None: the parent could not tell which (a reply too big to unpickle)
    seconds: float
    rss_kb: int


Reply = Ready | Failed | Done | Errored | OutOfMemory


def pack_one(reply: Reply) -> bytes:
    """One reply, pickled on its own (an item of :func:`pack`)."""
    return pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)


def pack(items: list[bytes]) -> bytes:
    """One message from a worker: a list of replies already pickled by :func:`pack_one`."""
    return pickle.dumps(items, pickle.HIGHEST_PROTOCOL)


def unpack(item: bytes) -> Reply:
    """One item of a message from this batch's own worker (see :func:`pack`).

    Like ``Connection.recv()``, which reads the message around it: data
    pickled by a process this package started, over an anonymous pipe.  Never
    a file: nothing a user could swap is unpickled (tests/test_integrity.py).
    """
    return pickle.loads(item)
