"""Feeding the workers: walks the inputs ahead of the parent's loop, answering from --resume and the cache.

Inputs that come in chunks (:meth:`scanner.batch.sources.Sources.chunks`:
the files named or walked, which are all known at the start) are hashed and
looked up in the cache a chunk at a time -- one query and one hand-over to
the main thread for up to :data:`scanner.cache.CHUNK` files.  A file whose
stamp (:mod:`scanner.batch.stamps`) is the one the cache's stat index
recorded is not read: its hash is the recorded one.  Any other
iterable of tasks (a crawl, whose next page may take seconds) is fed one
task at a time, so no task waits for the ones behind it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from scanner.batch.journal import InputKey, Journal, input_identity, resumed_as
from scanner.batch.stamps import Hashed, Recorded, hash_input
from scanner.batch.task import Task
from scanner.types import Brief, DocumentResult

FEEDER_LIMIT = 256  # inputs the feeder thread walks ahead of the parent's loop
FEEDER_BYTES = 32 * 2**20  # ... and bytes of crawled pages / WARC records it holds for it
# Answers (cached, resumed) gathered before the main thread is woken for them.  Waking it for each
# one made the two threads hand the GIL to each other per file: in a fully cached run of tiny files
# the wake-up writes took more time than the lookups.  A task to scan or the end always wakes it,
# and the parent's loop looks for answers at least every FEEDER_POLL seconds anyway.
WAKE_EVERY = 128
FEEDER_POLL = 0.05
END = object()  # the feeder's last item: every input has been walked


# Not frozen: one is made per input, and a frozen dataclass's __init__ (object.__setattr__ per field)
# took three times as long -- a few percent of a fully cached run of small files.
@dataclass(kw_only=True, slots=True)
class Fed:
    """One input as the feeder hands it on: a task to scan, or a result it already has (or its brief).

    A cached result comes as ``brief`` and ``line`` alone when the run keeps
    no results and has the line to write (the feeder was told not to decode).
    """

    order: int  # the input's place in the output
    task: Task | None = None  # to be scanned
    doc: DocumentResult | None = None  # known already
    source: str = "task"  # task | cached | resumed
    key: InputKey | None = None  # what the journal keys it by
    line: bytes | None = None  # a cached result's stored report line for this run's output (LineOutput.variant)
    brief: Brief | None = None  # what the summary needs of a cached result not decoded
    name: str = ""  # the path the result is reported under (Task.key)
    # (path, stamp): the file's stamp when it was hashed now, for the stat index to record with key.sha256
    record: tuple[str, str] | None = None

    @property
    def known(self) -> bool:
        """Its result is known already (cached, resumed): nothing to scan."""
        return self.doc is not None or self.brief is not None


class Feeder(threading.Thread):
    """Walks the inputs ahead of the workers: drops what --resume has, answers what the cache has."""

    def __init__(self, tasks: Iterable[Task], *, journal: Journal | None, cache: Any, variant: str = "",
                 decode: bool = True, rehash: bool = False) -> None:
        super().__init__(name="secscan-feeder", daemon=True)
        self._tasks = tasks
        self._journal = journal
        self._cache = cache  # the parent's ResultCache (or None): this thread opens its own reader of it
        self._variant = variant  # the output whose stored lines the cache should return with its results
        self._decode = decode  # False: a cached result with its line comes as its brief, not read back
        self._rehash = rehash  # every file read and hashed, whatever its stamp (scan --rehash)
        # The main thread takes everything pending at once, and is woken only
        # when pending goes from empty to not empty: a lock round trip and a
        # wake-up per batch of files, not per file.  At most FEEDER_LIMIT items
        # wait on each side.
        self._pending: deque[Any] = deque()
        self._pending_bytes = 0
        self._announced = False  # the main thread has been woken for what is pending
        self._ready: deque[Any] = deque()  # the main thread's side
        self._cond = threading.Condition()
        self._halt = threading.Event()
        self.wake_fd, self._wake_write = os.pipe()
        os.set_blocking(self.wake_fd, False)
        os.set_blocking(self._wake_write, False)
        self.error: BaseException | None = None

    def run(self) -> None:
        from scanner.cache import CHUNK, CacheError

        cache = None
        if self._cache is not None:
            try:
                cache = self._cache.reader()
            except CacheError:
                cache = None  # every file is scanned: only slower
        chunks = getattr(self._tasks, "chunks", None)
        try:
            batches: Iterator[list[Task]] = chunks(CHUNK) if chunks is not None else ([task] for task in self._tasks)
            seen: set[str] = set()
            order = 0
            for batch in batches:
                if self._halt.is_set():
                    break  # the run is over (an error, Ctrl-C): walk no further
                self._put_all(self._feed(batch, order, seen, cache))
                order += len(batch)
        except BaseException as error:  # noqa: BLE001 -- handed to the main thread, which re-raises it
            self.error = error
        finally:
            if cache is not None:
                cache.close()
            self._put_all([END])

    def _feed(self, batch: list[Task], order: int, seen: set[str], cache: Any) -> list[Any]:
        """What the batch of tasks (the first one's place in the input being ``order``) becomes, in order."""
        from scanner.cache import Lookup

        fresh: list[tuple[int, Task, str]] = []  # order, task, identity: the inputs not seen before
        for place, task in enumerate(batch, start=order):
            # resolving links costs a stat per path component (~50 µs a file): only the journal needs it,
            # and the walk has already named each real file once
            if self._journal is not None:
                identity = input_identity(task)
            else:
                identity = task.key if task.spooled or not task.path else task.path
            if identity in seen:
                task.discard()
                continue  # the same input twice (a WARC revisit, a file named twice, spelled two ways)
            seen.add(identity)
            fresh.append((place, task, identity))
        # the bytes are hashed once here (or their hash known from the stat index), for the journal's key
        # and the cache's
        if self._journal is None and cache is None:
            hashes = [Hashed(sha256="")] * len(fresh)  # nothing would look the hash up
        else:
            recorded = self._recorded(cache)
            hashes = [hash_input(task, recorded=recorded) for _place, task, _identity in fresh]
        out: list[Fed | None] = []
        # index in out, order, task, key, stamp to record: asked together
        looked_up: list[tuple[int, int, Task, InputKey, tuple[str, str] | None]] = []
        for (place, task, identity), hashed in zip(fresh, hashes):
            sha256 = hashed.sha256
            key = InputKey(path=identity, sha256=sha256)
            record = (task.path, hashed.stamp) if hashed.stamp and cache is not None else None
            if self._journal is not None:
                done = self._journal.lookup(key)
                if done is not None:
                    task.discard()
                    out.append(Fed(order=place, doc=resumed_as(done, task), source="resumed", key=key))
                    continue
            if cache is not None and sha256 and not task.error:
                looked_up.append((len(out), place, task, key, record))
                out.append(None)  # a place kept in the order: filled below
                continue
            out.append(Fed(order=place, task=task, key=key, record=record))
        if looked_up:
            hits = cache.get_many([Lookup(sha256=key.sha256, path=task.key, referrer=task.referrer)
                                   for _index, _place, task, key, _record in looked_up], variant=self._variant,
                                  decode=self._decode)
            for (index, place, task, key, record), hit in zip(looked_up, hits):
                if hit is None:
                    out[index] = Fed(order=place, task=task, key=key, record=record)
                else:
                    task.discard()
                    out[index] = Fed(order=place, doc=hit.doc, source="cached", key=key, line=hit.line,
                                     brief=hit.brief, name=task.key, record=record)
        return out

    def _recorded(self, cache: Any) -> Recorded | None:
        """The stat index to ask before a large file is read (``None``: no cache, or ``--rehash``)."""
        from scanner.cache import StampLookup

        if cache is None or self._rehash:
            return None
        return lambda task, stamp: cache.known_hash(StampLookup(path=task.path, stamp=stamp, name=task.key))

    def _put_all(self, items: list[Any]) -> None:
        """Hand ``items`` to the main thread, in order, under one lock (waiting while too much is pending)."""
        wake = False
        with self._cond:
            for item in items:
                size = len(item.task.data) if isinstance(item, Fed) and item.task is not None and item.task.data else 0
                # at most FEEDER_LIMIT items and FEEDER_BYTES of crawled pages / records wait (one always may)
                while self._pending and (len(self._pending) >= FEEDER_LIMIT
                                         or self._pending_bytes + size > FEEDER_BYTES):
                    if self._halt.is_set():
                        return
                    if wake:  # what is pending already must reach the main thread before it can make room
                        self._wake()
                        wake = False
                    self._cond.wait(0.2)
                self._pending.append(item)
                self._pending_bytes += size
                urgent = not isinstance(item, Fed) or item.task is not None  # work for a worker, or the end
                if not self._announced and (urgent or len(self._pending) >= WAKE_EVERY):
                    self._announced = wake = True
        if wake:
            self._wake()

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):  # the pipe is full of wake-ups already
            os.write(self._wake_write, b"x")

    def get(self) -> Any:
        """The next item, or ``None`` when none is ready yet (main thread only)."""
        if not self._ready:
            with self._cond:
                if not self._pending:
                    return None
                self._ready, self._pending = self._pending, self._ready
                self._pending_bytes = 0  # what was pending is the main thread's now, bounded the same way
                self._announced = False
                self._cond.notify()
        return self._ready.popleft()

    def drain_wake(self) -> None:
        try:
            while os.read(self.wake_fd, 4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def stop(self) -> None:
        self._halt.set()
        self.join(5.0)
        for fd in (self.wake_fd, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)

    def extra(self, tasks: Iterable[Task]) -> dict[str, Any]:
        stats = getattr(tasks, "stats", None)
        return {"crawl": dict(stats)} if stats else {}


