"""Many inputs: walking, isolated workers, caching, resuming, streaming.

The data flow of one batch run (:func:`run_batch`)::

    sources (files, WARC records, a crawl)          feeder thread
        -> skip what --resume already has            (journal)
        -> reuse what the cache already has          (content hash)
        -> the rest to a worker process              (time + memory limit)
        -> each result: cache, journal, stream, progress  (parent, main thread)
        -> ScanResult sorted by input order + BatchSummary

Workers are a small pool of processes this module manages itself (not a
``ProcessPoolExecutor``, which cannot kill one hung task): each worker builds
its :class:`~scanner.pipeline.Settings` once from a picklable
:class:`SettingsSpec`, then scans its inputs one at a time.  A worker whose
input runs past the time limit is killed; a worker that dies or runs out of
its memory limit is replaced.  The input is reported as ``review`` with the
reason, so one pathological file cannot stall or kill the batch.

Small files take about a millisecond each, as little as a round trip to the
parent costs, so tasks go to a worker and results come back several files to
a message (see :class:`_Outbox` and :func:`WorkerPool.depth`).  Which input a
worker is on, and since when, it writes to a small shared-memory slot before
each file (no message): the parent reads it to apply the time limit to that
file alone and to blame the right file when a worker dies.

Test hook (inert unless set): ``SECSCAN_TEST_HOOK`` in the parent's
environment, e.g. ``hang:slow.txt,crash:bad.txt,oom:big.txt,segv:x.txt``,
makes a worker hang / ``os._exit`` / allocate until its memory limit / crash
with SIGSEGV when it is given an input with that base name.  It exists so
the isolation can be tested without real pathological files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import pickle
import resource
import select
import selectors
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import IO, TYPE_CHECKING, Any, Self

from scanner.basis import UnitRule
from scanner.inputs import DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMEOUT, BatchRequest, Uncovered, iter_files
from scanner.types import DocumentResult, ScanResult, Verdict

if TYPE_CHECKING:
    from multiprocessing.context import ForkContext, ForkServerContext, SpawnContext

    from scanner.pipeline import Settings

HOOK_ENV = "SECSCAN_TEST_HOOK"
FEEDER_LIMIT = 256  # inputs the feeder thread walks ahead of the parent's loop


class BatchError(RuntimeError):
    """The batch as a whole cannot run (workers cannot start, bad input list)."""


# --- walking -----------------------------------------------------------------------------------------


def read_file_list(name: str, stdin: IO[str] | None = None) -> list[Path]:
    """Paths from a file (one a line; blank lines and ``#`` comments ignored); ``-`` reads stdin.

    Raises :class:`BatchError` when the list cannot be read.
    """
    try:
        text = (stdin or sys.stdin).read() if name == "-" else Path(name).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise BatchError(f"无法读取文件列表 / cannot read file list {name}: {error}") from error
    return [Path(line.strip()) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


# --- what one worker is asked to do ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Task:
    """One input.  ``key`` is its identity in the output (display path or URL).

    Exactly one of ``path`` (a file the worker reads), ``data`` (bytes from a
    crawl or a WARC record) or ``error`` (known to be unreadable before any
    scan, e.g. a damaged WARC file) is set.
    """

    key: str
    path: str = ""
    data: bytes | None = None
    referrer: str = ""
    error: str = ""

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        try:
            return os.path.getsize(self.path) if self.path else 0
        except OSError:
            return 0


@dataclass(frozen=True, kw_only=True)
class SettingsSpec:
    """The picklable options :func:`scanner.pipeline.build_settings` is called with.

    Workers get this, not a :class:`~scanner.pipeline.Settings` (which holds
    an automaton and a catalogue and is slow to pickle), and build their own.
    """

    extra_lexicons: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()
    severities: tuple[tuple[str, str], ...] = ()
    allow: tuple[str, ...] = ()
    review_threshold: float | None = None
    accepted: frozenset[str] = frozenset()
    unit_rule: UnitRule | None = None  # the unit's own regulation (scanner.basis)
    ocr: bool = True  # read pictures with OCR
    # Whether results carry the documents' text units.  Only the html report
    # shows them; without them a result is a fraction of the size to pickle
    # back to the parent and to hold there for the rest of a large batch.
    keep_text: bool = True

    @classmethod
    def from_settings_args(
        cls,
        *,
        extra_lexicons: Iterable[Path] = (),
        disabled: Iterable[str] = (),
        severities: Mapping[str, str] | None = None,
        allow: Iterable[str] = (),
        review_threshold: float | None = None,
        accepted: frozenset[str] = frozenset(),
        unit_rule: UnitRule | None = None,
        ocr: bool = True,
    ) -> SettingsSpec:
        """The spec for the same keyword arguments :func:`~scanner.pipeline.build_settings` takes."""
        return cls(
            extra_lexicons=tuple(str(Path(p).resolve()) for p in extra_lexicons),
            disabled=tuple(disabled),
            severities=tuple(sorted((severities or {}).items())),
            allow=tuple(allow),
            review_threshold=review_threshold,
            accepted=frozenset(accepted),
            unit_rule=unit_rule,
            ocr=ocr,
        )

    def build(self) -> Settings:
        from scanner.pipeline import build_settings

        return build_settings(
            extra_lexicons=[Path(p) for p in self.extra_lexicons],
            disabled=self.disabled,
            severities=dict(self.severities) or None,
            allow=self.allow,
            review_threshold=self.review_threshold,
            accepted=self.accepted,
            unit_rule=self.unit_rule,
            ocr=self.ocr,
        )

    def cache_options(self) -> dict[str, Any]:
        """What besides catalogue and model changes a result (lexicon contents are in the catalogue digest)."""
        return {
            "code": _code_digest(),
            "allow": sorted(self.allow),
            "review_threshold": self.review_threshold,
            "accepted": hashlib.sha256("\n".join(sorted(self.accepted)).encode()).hexdigest(),
            "text": self.keep_text,
            "ocr": self.ocr,
        }

    def finish(self, doc: DocumentResult) -> DocumentResult:
        """``doc`` as a worker sends it back: without its text units unless they are kept."""
        return doc if self.keep_text or not doc.units else replace(doc, units=())


def _code_digest() -> str:
    """A hash of the scanner's own source, so a cache never outlives a code change within one version."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        try:
            digest.update(source.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()[:16]


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


# --- the test hook -----------------------------------------------------------------------------------


def hook_from_environment(environ: dict[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """``SECSCAN_TEST_HOOK=action:name,...`` as ``((action, name), ...)``; empty when unset."""
    value = (environ if environ is not None else os.environ).get(HOOK_ENV, "")
    pairs = []
    for item in value.split(","):
        action, _, name = item.strip().partition(":")
        if action in ("hang", "crash", "oom", "segv", "error") and name:
            pairs.append((action, name))
    return tuple(pairs)


def _apply_hook(hook: tuple[tuple[str, str], ...], task: Task) -> None:
    name = task.key.rstrip("/").rsplit("/", 1)[-1]
    for action, target in hook:
        if target != name:
            continue
        if action == "hang":
            time.sleep(3600)
        elif action == "crash":
            os._exit(70)
        elif action == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        elif action == "oom":
            hog = []
            while True:  # until the worker's RLIMIT_AS says no
                hog.append(bytearray(64 << 20))
        elif action == "error":
            raise RuntimeError("test hook error")


# --- worker processes --------------------------------------------------------------------------------


def _limit_memory(max_memory_mb: int) -> None:
    """Cap the worker's address space at its idle size plus ``max_memory_mb``.

    The idle size (interpreter, scanner, model, shared libraries) is counted
    out so that the limit means "how much one input may take".
    """
    if max_memory_mb <= 0:
        return
    idle = _address_space_bytes()
    limit = idle + max_memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@contextlib.contextmanager
def _memory_limit_lifted(max_memory_mb: int) -> Iterator[None]:
    """Lift the address-space cap for the enclosed loading, then cap again counting what it mapped as idle."""
    if max_memory_mb <= 0:
        yield
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        yield
    finally:
        _limit_memory(max_memory_mb)


def _address_space_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _worker_main(conn: Any, slot: Any, spec: SettingsSpec, max_memory_mb: int,
                 hook: tuple[tuple[str, str], ...]) -> None:
    # The parent handles Ctrl-C and kills workers; a worker must not die half-way through a reply.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    try:
        settings = spec.build()
    except Exception as error:  # noqa: BLE001 -- any failure, with its reason, goes to the parent
        conn.send_bytes(_message(("failed", f"{type(error).__name__}: {error}")))
        return
    _one_thread_per_worker()
    outbox = _Outbox(conn)
    inbox: SimpleQueue[list[tuple[int, Task]] | None] = SimpleQueue()
    if settings.ocr is not None:  # the engine loads on the first picture, outside the limit
        settings.ocr.loading = lambda: _memory_limit_lifted(max_memory_mb)
    # started before the memory limit, so that its stack counts as the worker's idle size
    threading.Thread(target=_courier, args=(conn, inbox, outbox), name="secscan-courier", daemon=True).start()
    _limit_memory(max_memory_mb)
    conn.send_bytes(_message(("ready", os.getpid())))
    waiting: deque[tuple[int, Task]] = deque()
    while True:
        if not waiting:
            try:
                tasks = inbox.get_nowait()
            except Empty:
                outbox.flush()  # nothing left to do: the parent gets everything finished so far
                tasks = inbox.get()
            if tasks is None:
                outbox.flush()
                return
            waiting.extend(tasks)
            continue
        task_id, task = waiting.popleft()
        _set_slot(slot, task_id, time.monotonic())
        started = time.perf_counter()
        try:
            result = _scan_in_worker(task_id, task, spec, settings, hook, started)
        except MemoryError:
            result = None  # leaving this clause frees the traceback, and what its frames hold
        if result is None:
            outbox.send_now(pickle.dumps(("memory", task_id, time.perf_counter() - started, _maxrss_kb())))
            os._exit(0)  # the heap may be fragmented or half-built: start afresh
        _set_slot(slot, IDLE, 0.0)
        outbox.add(result)


def _scan_in_worker(task_id: int, task: Task, spec: SettingsSpec, settings: Settings,
                    hook: tuple[tuple[str, str], ...], started: float) -> bytes:
    """The pickled reply for one task: its result, or the error that stopped its scan.

    Pickled here, while the worker's slot names the task, so that a result
    which cannot be pickled is that file's failure.
    """
    try:
        if hook:
            _apply_hook(hook, task)
        doc = spec.finish(scan_task(task, settings))
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 -- an extractor bug: reported with its reason, batch goes on
        return pickle.dumps(("error", task_id, f"{type(error).__name__}: {error}", time.perf_counter() - started))
    return pickle.dumps(("done", task_id, doc, time.perf_counter() - started, _maxrss_kb(), task.size),
                        pickle.HIGHEST_PROTOCOL)


IDLE = -1.0  # the slot's task id while a worker is between files
FLUSH_SECONDS = 0.02  # a finished result waits in a worker at most about this long
FLUSH_COUNT = 16  # ... or until this many are waiting
MAX_DEPTH = 32  # tasks in flight per local worker, for files of a millisecond or less
REQUEUE_LIMIT = 3  # times a task is sent again after workers died with no file to blame


def _message(item: tuple[Any, ...]) -> bytes:
    """One message from a worker: a list of pickled items, each unpickled (and failing) on its own."""
    return pickle.dumps([pickle.dumps(item, pickle.HIGHEST_PROTOCOL)], pickle.HIGHEST_PROTOCOL)


def _from_worker(item: bytes) -> Any:
    """One item of a message from this batch's own worker (see :func:`_message`).

    Like ``Connection.recv()``, which reads the message around it: data
    pickled by a process this module started, over an anonymous pipe.  Never
    a file: nothing a user could swap is unpickled (tests/test_integrity.py).
    """
    return pickle.loads(item)


def _set_slot(slot: Any, task_id: float, started: float) -> None:
    # The id is cleared first and written last: a reader that sees the same id
    # before and after reading the time has a time that belongs to that id.
    slot[0] = IDLE
    slot[1] = started
    slot[0] = task_id


def _read_slot(slot: Any) -> tuple[int | None, float]:
    """The task id a worker is on (``None`` between files) and since when (``time.monotonic``)."""
    for _ in range(10):
        task_id, started = slot[0], slot[1]
        if slot[0] == task_id:
            return (None if task_id == IDLE else int(task_id)), started
    return None, 0.0


class _Outbox:
    """A worker's finished results, sent several to a message.

    Sent when the worker runs out of tasks, when :data:`FLUSH_COUNT` are
    waiting, or :data:`FLUSH_SECONDS` after the oldest was finished (the
    courier thread sees to that while the next file takes long or hangs, so a
    finished result is never held back by a slow one).
    """

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._items: list[bytes] = []
        self._oldest = 0.0
        self._lock = threading.Lock()

    def add(self, item: bytes) -> None:
        with self._lock:
            now = time.monotonic()
            if not self._items:
                self._oldest = now
            self._items.append(item)
            if len(self._items) >= FLUSH_COUNT or now - self._oldest >= FLUSH_SECONDS:
                self._send()

    def flush(self, *, due_only: bool = False) -> None:
        with self._lock:
            if self._items and (not due_only or time.monotonic() - self._oldest >= FLUSH_SECONDS):
                self._send()

    def send_now(self, item: bytes) -> None:
        """Send ``item`` at once, after everything waiting (best effort: the worker is about to exit)."""
        with self._lock, contextlib.suppress(Exception):
            self._items.append(item)
            self._send()

    def _send(self) -> None:
        message = pickle.dumps(self._items, pickle.HIGHEST_PROTOCOL)
        self._items = []
        try:
            self._conn.send_bytes(message)
        except (OSError, ValueError):
            os._exit(1)  # the parent is gone


def _courier(conn: Any, inbox: SimpleQueue[list[tuple[int, Task]] | None], outbox: _Outbox) -> None:
    """A worker's second thread: takes the parent's tasks off the pipe as they come, and sends results that are due.

    Reading at once keeps the parent from ever blocking on a full pipe
    while the worker is busy (tasks may carry a crawled file's bytes).
    """
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    while True:
        if poller.poll(FLUSH_SECONDS * 1000):
            try:
                tasks = conn.recv()
            except (EOFError, OSError):
                tasks = None
            inbox.put(tasks)
            if tasks is None:
                return
        outbox.flush(due_only=True)


def _one_thread_per_worker() -> None:
    """The batch already runs one worker per core: numeric libraries must not start a thread per core each."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)


def _exit_with_parent() -> None:
    """Leave when the process that started this worker is gone (a killed batch leaves no hung workers)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="secscan-parent-watch", daemon=True).start()


def _maxrss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@dataclass(kw_only=True)
class _Worker:
    process: Any
    conn: Any
    slot: Any  # shared [task id, started]: see _set_slot
    ready: bool = False
    # Tasks sent and not answered, in the order the worker takes them.
    queue: deque[tuple[int, Task]] = field(default_factory=deque)
    unsent: list[tuple[int, Task]] = field(default_factory=list)  # sent together at the next wait
    heard: float = 0.0  # when the worker last sent something, or was given work while idle

    def current(self) -> tuple[int | None, float]:
        """The task the worker is on, if it is one of this worker's, and since when."""
        task_id, started = _read_slot(self.slot)
        if task_id is not None and any(queued == task_id for queued, _ in self.queue):
            return task_id, started
        return None, 0.0

    def deadline(self, timeout: float) -> float:
        if not self.queue or timeout <= 0:
            return float("inf")
        task_id, started = self.current()
        # between files a worker answers within FLUSH_SECONDS; silence means it is stuck
        return (started if task_id is not None else self.heard) + timeout


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


def _start_context(method: str) -> ForkServerContext | SpawnContext | ForkContext:
    """The multiprocessing context for ``method``.  Raises ``ValueError`` for an unknown method.

    Asked for by literal name: typeshed types ``get_context(str)`` as
    ``BaseContext``, which has no ``Process``.
    """
    if method == "forkserver":
        return multiprocessing.get_context("forkserver")
    if method == "spawn":
        return multiprocessing.get_context("spawn")
    if method == "fork":
        return multiprocessing.get_context("fork")
    raise ValueError(f"cannot find context for {method!r}")  # get_context's own message


class WorkerPool:
    """``jobs`` worker processes, each scanning its tasks one at a time under a time and memory limit.

    Raises :class:`BatchError` if a worker cannot start (bad settings).
    """

    def __init__(
        self,
        spec: SettingsSpec,
        *,
        jobs: int,
        timeout: float = DEFAULT_TIMEOUT,
        max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
        hook: tuple[tuple[str, str], ...] | None = None,
        start_method: str | None = None,
    ) -> None:
        self.spec = spec
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.max_memory_mb = max_memory_mb
        self.hook = hook_from_environment() if hook is None else hook
        method = start_method or ("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
        self._context = _start_context(method)
        if method == "forkserver":
            # Workers fork from a server that has the scanner imported already, so
            # replacing a killed worker costs a fork plus building settings.
            self._context.set_forkserver_preload(["scanner.pipeline"])
        self.workers: list[_Worker] = []
        # One selector for the whole run, over each worker's pipe and process
        # sentinel: multiprocessing.connection.wait() and Connection.poll()
        # build a new one on every call, which showed as a third of the
        # parent's CPU time, taken from the workers on a busy machine.
        self._selector = selectors.DefaultSelector()
        # Tasks that were waiting behind one that killed its worker: to be sent again.
        self.requeued: list[tuple[int, Task]] = []
        self._requeues: Counter[int] = Counter()
        self.replaced = 0
        self.peak_rss_kb = 0
        self._seconds = 0.01  # a running mean of the seconds a file takes: see depth

    def __enter__(self) -> Self:
        # Workers start on the first task, so a fully cached or resumed run starts none.
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def depth(self) -> int:
        """Tasks to keep in flight per worker: enough for about 50 ms of work.

        Results of small files come back in batches (see :class:`_Outbox`),
        so a worker needs that much queued not to run dry before the parent
        refills it; large files go two at a time, so that at the end of a
        run no worker waits behind another's queue of them.
        """
        return max(2, min(MAX_DEPTH, int(0.05 / self._seconds) + 1))

    def _start(self) -> _Worker:
        parent_conn, child_conn = self._context.Pipe(duplex=True)
        slot = self._context.RawArray("d", [IDLE, 0.0])
        process = self._context.Process(
            target=_worker_main,
            args=(child_conn, slot, self.spec, self.max_memory_mb, self.hook),
            daemon=True,
            name="secscan-worker",
        )
        process.start()
        child_conn.close()
        worker = _Worker(process=process, conn=parent_conn, slot=slot)
        self._selector.register(parent_conn.fileno(), selectors.EVENT_READ, (worker, True))
        self._selector.register(process.sentinel, selectors.EVENT_READ, (worker, False))
        return worker

    def _forget(self, worker: _Worker) -> None:
        """Stop watching ``worker`` (before its pipe is closed)."""
        for source in (worker.conn.fileno, lambda: worker.process.sentinel):
            with contextlib.suppress(KeyError, ValueError, OSError):  # already closed or never registered
                self._selector.unregister(source())

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        deadline = time.monotonic() + 2.0
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(1.0)
            self._forget(worker)
            worker.conn.close()
        self.workers = []
        self._selector.close()
        self._selector = selectors.DefaultSelector()

    def idle_worker(self) -> _Worker | None:
        if not self.workers:
            self.workers = [self._start() for _ in range(self.jobs)]
        depth = self.depth
        best = None
        for worker in self.workers:
            if worker.ready and len(worker.queue) < depth and (best is None or len(worker.queue) < len(best.queue)):
                best = worker
        return best

    @property
    def busy(self) -> int:
        return sum(len(w.queue) for w in self.workers) + len(self.requeued)

    def submit(self, worker: _Worker, task_id: int, task: Task) -> None:
        """Give ``task`` to ``worker``: sent with the others given to it before the next :meth:`wait`."""
        if not worker.queue:
            worker.heard = time.monotonic()
        worker.queue.append((task_id, task))
        worker.unsent.append((task_id, task))

    def _send(self) -> None:
        for worker in self.workers:
            if worker.unsent:
                # Plain pickle: Connection.send's ForkingPickler is built per call,
                # and a Task holds only strings and bytes.
                message = pickle.dumps(worker.unsent, pickle.HIGHEST_PROTOCOL)
                worker.unsent = []
                with contextlib.suppress(OSError, ValueError):  # a dead worker shows up in wait() as a crash
                    worker.conn.send_bytes(message)

    def wait(self, extra: Sequence[int] = (), *, timeout: float | None = None) -> list[Completion]:
        """Send what was submitted, then block until something happens; return what finished (maybe nothing).

        Returns early when a worker becomes ready, results arrive, a worker
        dies, a time limit passes, ``timeout`` passes or a descriptor in
        ``extra`` is readable.
        """
        self._send()
        now = time.monotonic()
        deadline = min((w.deadline(self.timeout) for w in self.workers), default=float("inf"))
        limit = None if deadline == float("inf") else deadline - now
        if timeout is not None:
            limit = timeout if limit is None else min(limit, timeout)
        for fd in extra:
            self._selector.register(fd, selectors.EVENT_READ, None)
        try:
            events = self._selector.select(None if limit is None else max(limit, 0.0))
        finally:
            for fd in extra:
                self._selector.unregister(fd)
        # worker -> (its pipe is readable, its process has ended)
        ready: dict[int, tuple[bool, bool]] = {}
        for key, _ in events:
            if key.data is not None:
                worker, is_pipe = key.data
                pipe, ended = ready.get(id(worker), (False, False))
                ready[id(worker)] = (pipe or is_pipe, ended or not is_pipe)
        done: list[Completion] = []
        for index, worker in enumerate(list(self.workers)):
            if id(worker) in ready:
                pipe, ended = ready[id(worker)]
                done.extend(self._receive(index, worker, pipe_ready=pipe, ended=ended))
        now = time.monotonic()
        for index, worker in enumerate(list(self.workers)):
            if now >= worker.deadline(self.timeout):
                done.extend(self._fail(index, worker, "timeout", f"超时 / timed out after {self.timeout:g} s"))
        return done

    def _receive(self, index: int, worker: _Worker, *, pipe_ready: bool, ended: bool) -> list[Completion]:
        """Handle what ``worker`` sent: one message when its pipe was readable
        (the selector reports the next one on the next wait), everything left
        once its process has ended (its sentinel was readable).

        The selector's word is taken for both: ``Process.is_alive()`` and
        ``Connection.poll()`` each build a selector of their own.
        """
        out: list[Completion] = []
        unread = pipe_ready  # a message is waiting: no need to poll for it
        while True:
            try:
                if not unread and (not ended or not worker.conn.poll()):
                    break
                unread = False
                items = worker.conn.recv()
            except (EOFError, OSError):
                break
            except MemoryError:  # the parent itself: a message too big to unpickle
                # its first result is the worker's oldest unanswered task, as one result a message had it
                head = worker.queue[0][0] if worker.queue else None
                return out + self._fail(index, worker, "memory", self._memory_reason(), blame=head)
            worker.heard = time.monotonic()
            for item in items:
                try:
                    message = _from_worker(item)
                except MemoryError:  # one result too big to unpickle: that file's failure
                    message = ("memory", worker.queue[0][0] if worker.queue else None, 0.0, 0)
                kind = message[0]
                if kind == "ready":
                    worker.ready = True
                elif kind == "failed":
                    raise BatchError(f"工作进程无法启动 / worker could not start: {message[1]}")
                elif not worker.queue or message[1] != worker.queue[0][0]:
                    continue  # not the task it was given next (cannot happen: it takes them in order)
                elif kind == "done":
                    _, task_id, doc, seconds, rss, size = message
                    self.peak_rss_kb = max(self.peak_rss_kb, rss)
                    self._seconds += (seconds - self._seconds) * 0.05
                    out.append(Completion(task_id=task_id, task=worker.queue.popleft()[1], doc=doc,
                                          seconds=seconds, size=size))
                elif kind == "error":
                    out.append(Completion(task_id=message[1], task=worker.queue.popleft()[1], doc=None, kind="error",
                                          reason=f"扫描出错 / scanner error: {message[2]}", seconds=message[3]))
                elif kind == "memory":
                    self.peak_rss_kb = max(self.peak_rss_kb, message[3])
                    return out + self._fail(index, worker, "memory", self._memory_reason(), seconds=message[2],
                                            blame=message[1])
        if ended and self.workers[index] is worker:
            worker.process.join(0.1)
            if not worker.ready:
                raise BatchError(f"工作进程无法启动 / worker could not start (exit code {worker.process.exitcode})")
            if worker.queue:
                out.extend(self._fail(index, worker, "crash",
                                      f"解析进程崩溃 / worker crashed ({_exit_text(worker.process.exitcode)})"))
            else:
                self._replace(index, worker)
        return out

    def _memory_reason(self) -> str:
        return f"内存超限 / memory limit exceeded ({self.max_memory_mb} MB)"

    def _fail(self, index: int, worker: _Worker, kind: str, reason: str, *, seconds: float | None = None,
              blame: int | None = None) -> list[Completion]:
        """Replace ``worker``; the file it was on fails with ``reason``, the rest of its queue is sent again.

        With no file to blame (the worker died between files), every task is
        sent again, up to :data:`REQUEUE_LIMIT` times each.
        """
        task_id, started = worker.current() if blame is None else (blame, worker.heard)
        # the blamed file's time since it started; with none to blame, since the worker was last heard
        if seconds is None:
            seconds = time.monotonic() - (started if task_id is not None else worker.heard)
        out = []
        for queued_id, task in worker.queue:
            if task_id is None:
                self._requeues[queued_id] += 1
            if queued_id == task_id or (task_id is None and self._requeues[queued_id] >= REQUEUE_LIMIT):
                out.append(Completion(task_id=queued_id, task=task, doc=None, kind=kind, reason=reason,
                                      seconds=seconds))
            else:
                self.requeued.append((queued_id, task))
        worker.queue.clear()
        worker.unsent = []
        self._replace(index, worker)
        return out

    def _replace(self, index: int, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(2.0)
        self._forget(worker)
        worker.conn.close()
        self.workers[index] = self._start()
        self.replaced += 1


def _exit_text(code: int | None) -> str:
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


# --- the run -----------------------------------------------------------------------------------------


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


@dataclass(kw_only=True)
class BatchSummary:
    """What a batch did, for the closing summary on stderr and the json report."""

    elapsed: float = 0.0
    scanned: int = 0
    cached: int = 0
    resumed: int = 0
    bytes_scanned: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # timeout / memory / crash / error
    verdicts: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    workers_replaced: int = 0
    peak_worker_rss_kb: int = 0
    busy_seconds: float = 0.0  # time workers spent on files: busy_seconds / elapsed = parallelism achieved
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. crawl statistics

    def add(self, doc: DocumentResult, *, seconds: float | None) -> None:
        self.verdicts[doc.verdict.value] += 1
        for finding in doc.findings:
            self.categories[finding.category] += 1
        for error in doc.errors:
            self.errors.append((doc.path, error))
        if seconds is not None:
            self.busy_seconds += seconds
            self.slowest.append((seconds, doc.path))
            self.slowest.sort(reverse=True)
            del self.slowest[5:]

    def to_dict(self) -> dict[str, Any]:
        return {
            "elapsed_seconds": round(self.elapsed, 3),
            "documents": sum(self.verdicts.values()),
            "scanned": self.scanned,
            "cached": self.cached,
            "resumed": self.resumed,
            "bytes_scanned": self.bytes_scanned,
            "verdicts": dict(sorted(self.verdicts.items())),
            "categories": dict(sorted(self.categories.items())),
            "failures": dict(sorted(self.failures.items())),
            "slowest": [{"path": path, "seconds": round(seconds, 3)} for seconds, path in self.slowest],
            "errors": [{"path": path, "error": error} for path, error in self.errors],
            "workers_replaced": self.workers_replaced,
            "busy_seconds": round(self.busy_seconds, 3),
            "peak_worker_rss_kb": self.peak_worker_rss_kb,
            **({"crawl": self.extra["crawl"]} if "crawl" in self.extra else {}),
        }

    def text(self) -> str:
        """The closing summary in Chinese, for stderr."""
        documents = sum(self.verdicts.values())
        lines = [
            (f"共 {documents} 个文档，用时 {self.elapsed:.1f} 秒"
             f"（扫描 {self.scanned}，缓存 {self.cached}，续扫跳过 {self.resumed}）"),
            "结论：" + "，".join(
                f"{label} {self.verdicts.get(key, 0)}"
                for key, label in (("block", "阻止发布"), ("review", "需人工审查"), ("pass", "可以发布"))
            ),
        ]
        if self.categories:
            lines.append("发现类别：" + "，".join(f"{name} {count}" for name, count in self.categories.most_common()))
        if self.failures:
            names = {"timeout": "超时", "memory": "内存超限", "crash": "进程崩溃", "error": "扫描出错"}
            lines.append("隔离处理：" + "，".join(f"{names.get(k, k)} {v}" for k, v in sorted(self.failures.items())))
        crawl = self.extra.get("crawl")
        if crawl:
            names = {"fetched": "已下载", "errors": "下载失败", "robots_disallowed": "robots.txt 禁止",
                     "offsite_skipped": "站外链接未跟随", "over_max_depth": "超出深度", "over_max_pages": "超出数量",
                     "media_skipped": "样式/图片/媒体未下载", "bad_links": "格式错误的链接已跳过",
                     "over_deadline": "超出总时限", "over_max_links": "超出链接上限", "page_cut": "页面过大只读取开头"}
            lines.append("抓取：" + "，".join(f"{names.get(k, k)} {v}" for k, v in sorted(crawl.items())))
        if self.slowest:
            lines.append("最慢的文件：")
            lines.extend(f"  {seconds:7.2f} 秒  {path}" for seconds, path in self.slowest)
        if self.errors:
            lines.append(f"错误（{len(self.errors)}）：")
            lines.extend(f"  {path}: {error}" for path, error in self.errors[:20])
            if len(self.errors) > 20:
                lines.append(f"  …… 另有 {len(self.errors) - 20} 条")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True, kw_only=True)
class BatchOutcome:
    result: ScanResult
    summary: BatchSummary


# Called with each document as soon as it is known, and whether it was scanned
# in this run (False: taken from the --resume journal).
DocumentSink = Callable[[DocumentResult, bool], None]


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


def jsonl_line(doc: DocumentResult) -> str:
    """One jsonl report line (with newline) for ``doc``, plus its ``referrer`` when it has one.

    The one place batch output is formatted, so it follows the jsonl renderer.
    """
    from scanner.report.json_report import document_to_dict

    data = document_to_dict(doc)
    if doc.referrer:
        data["referrer"] = doc.referrer
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def read_journal(path: Path) -> dict[str, DocumentResult]:
    """The documents of an interrupted jsonl run, by path; a torn last line is cut off.

    A run killed half-way may leave a partial last line: the file is
    truncated after its last complete line so that appending continues
    cleanly, and that input is simply scanned again.
    """
    from scanner.cache import document_from_dict

    if not path.exists():
        return {}
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with open(path, "r+b") as journal:
            journal.truncate(end)
    done: dict[str, DocumentResult] = {}
    for line in data[:end].splitlines():
        try:
            doc = document_from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError):
            continue  # not a document line: that input is rescanned
        done[doc.path] = doc
    return done


def run_batch(
    tasks: Iterable[Task],
    spec: SettingsSpec,
    settings: Settings,
    options: BatchOptions,
    *,
    total: int | None = None,
    sink: DocumentSink | None = None,
    stderr: IO[str] | None = None,
) -> BatchOutcome:
    """Scan every task and return the results in input order, streaming each to ``sink`` as it finishes.

    Raises :class:`BatchError` when workers cannot start, and whatever the
    task iterator raises (after stopping the workers).
    """
    from scanner import __version__
    from scanner.cache import ResultCache, settings_digest
    from scanner.pipeline import result_of
    from scanner.progress import Progress

    started = time.monotonic()
    summary = BatchSummary()
    digest = settings_digest(
        version=__version__,
        catalogue=settings.catalogue.digest,
        model=settings.model.digest if settings.model else "",
        options=spec.cache_options(),
    )
    resumed = read_journal(options.resume) if options.resume else {}
    # open for the whole run, closed in the finally below
    journal = open(options.resume, "a", encoding="utf-8") if options.resume else None  # noqa: SIM115
    cache = ResultCache(options.cache_dir, digest) if options.cache_dir else None
    stream = stderr if stderr is not None else sys.stderr
    progress = Progress(stream, total=total, force=bool(options.progress)) if options.progress is not False else None
    results: dict[int, DocumentResult] = {}
    last_commit = time.monotonic()

    def emit(order: int, doc: DocumentResult, *, fresh: bool, seconds: float | None) -> None:
        nonlocal last_commit
        results[order] = doc
        summary.add(doc, seconds=seconds)
        if fresh and journal is not None:
            journal.write(jsonl_line(doc))
            journal.flush()
        if sink is not None:
            sink(doc, fresh)
        if progress is not None:
            progress.advance(findings=len(doc.findings), flagged=doc.verdict is not Verdict.PASS)
        if cache is not None and time.monotonic() - last_commit > 1.0:
            cache.commit()
            last_commit = time.monotonic()

    feeder = _Feeder(tasks, resumed=resumed, cache_dir=options.cache_dir if cache else None, digest=digest)
    try:
        if options.engine == "local":
            executor: Any = WorkerPool(spec, jobs=options.jobs, timeout=options.timeout,
                                       max_memory_mb=options.max_memory_mb)
        else:
            from scanner.distributed import DaskExecutor

            executor = DaskExecutor(spec, address=options.address, jobs=options.jobs, timeout=options.timeout)
        feeder.start()
        with executor:
            _drive(executor, feeder, settings, summary, emit, cache)
        summary.workers_replaced = getattr(executor, "replaced", 0)
        summary.peak_worker_rss_kb = getattr(executor, "peak_rss_kb", 0)
    finally:
        feeder.stop()
        if progress is not None:
            progress.close()
        if journal is not None:
            journal.close()
        if cache is not None:
            cache.close()
    if feeder.error is not None:
        raise feeder.error
    summary.elapsed = time.monotonic() - started
    summary.extra.update(feeder.extra(tasks))
    documents = [results[order] for order in sorted(results)]
    return BatchOutcome(result=result_of(documents, settings), summary=summary)


def _drive(executor: Any, feeder: _Feeder, settings: Settings, summary: BatchSummary,
           emit: Callable[..., None], cache: Any) -> None:
    """The parent's loop: hand tasks to idle workers, collect results, until everything is done."""
    held: tuple[int, Task, str] | None = None
    orders: dict[int, int] = {}
    next_id = 0
    finished = False
    while True:
        requeued = getattr(executor, "requeued", [])
        while requeued:
            worker = executor.idle_worker()
            if worker is None:
                break
            task_id, task = requeued.pop(0)
            executor.submit(worker, task_id, task)
        while not finished and not requeued:
            if held is None:
                item = feeder.get()
                if item is None:
                    break
            else:
                item, held = held, None
            if item is _END:
                finished = True
                break
            kind, order, payload = item  # type: ignore[misc]
            if kind == "task":
                worker = executor.idle_worker()
                if worker is None:
                    held = item  # type: ignore[assignment]
                    break
                orders[next_id] = order
                executor.submit(worker, next_id, payload[0])
                next_id += 1
            else:
                summary.cached += kind == "cached"
                summary.resumed += kind == "resumed"
                emit(order, payload, fresh=kind == "cached", seconds=None)
        if finished and held is None and executor.busy == 0:
            return
        # The feeder's wake-ups matter only while a task could be handed out:
        # with one held back (every worker has its fill) they would only make
        # the parent spin, taking CPU from the workers.
        for completion in executor.wait([feeder.wake_fd] if held is None and not finished else []):
            order = orders.pop(completion.task_id)
            doc = completion.doc
            if doc is None:
                summary.failures[completion.kind] += 1
                doc = failed_document(completion.task, completion.reason, settings)
            else:
                summary.scanned += 1
                summary.bytes_scanned += completion.task.size if completion.size is None else completion.size
                if cache is not None:
                    cache.put(doc)
            emit(order, doc, fresh=True, seconds=completion.seconds)
        feeder.drain_wake()


_END = object()


class _Feeder(threading.Thread):
    """Walks the inputs ahead of the workers: drops what --resume has, answers what the cache has."""

    def __init__(self, tasks: Iterable[Task], *, resumed: dict[str, DocumentResult], cache_dir: Path | None,
                 digest: str) -> None:
        super().__init__(name="secscan-feeder", daemon=True)
        self._tasks = tasks
        self._resumed = resumed
        self._cache_dir = cache_dir
        self._digest = digest
        # The main thread takes everything pending at once, and is woken only
        # when pending goes from empty to not empty: a lock round trip and a
        # wake-up per batch of files, not per file.  At most FEEDER_LIMIT items
        # wait on each side.
        self._pending: deque[Any] = deque()
        self._ready: deque[Any] = deque()  # the main thread's side
        self._cond = threading.Condition()
        self._halt = threading.Event()
        self.wake_fd, self._wake_write = os.pipe()
        os.set_blocking(self.wake_fd, False)
        os.set_blocking(self._wake_write, False)
        self.error: BaseException | None = None

    def run(self) -> None:
        from scanner.cache import ResultCache

        cache = ResultCache(self._cache_dir, self._digest) if self._cache_dir else None
        seen: set[str] = set()
        try:
            for order, task in enumerate(self._tasks):
                if self._halt.is_set():
                    break  # the run is over (an error, Ctrl-C): walk no further
                if task.key in seen:
                    continue  # the same input twice (a WARC revisit, a repeated list entry)
                seen.add(task.key)
                if task.key in self._resumed:
                    self._put(("resumed", order, self._resumed[task.key]))
                    continue
                if cache is not None and not task.error:
                    hit = self._cached(cache, task)
                    if hit is not None:
                        self._put(("cached", order, hit))
                        continue
                self._put(("task", order, (task,)))
        except BaseException as error:  # noqa: BLE001 -- handed to the main thread, which re-raises it
            self.error = error
        finally:
            if cache is not None:
                cache.close()
            self._put(_END)

    @staticmethod
    def _cached(cache: Any, task: Task) -> DocumentResult | None:
        if task.data is not None:
            digest = hashlib.sha256(task.data).hexdigest()
        else:
            from scanner.pipeline import file_sha256, is_regular_file

            try:
                if not is_regular_file(task.path):
                    return None  # a pipe or device would block here: the worker reports it
                with open(task.path, "rb") as handle:
                    digest = file_sha256(handle)
            except OSError:
                return None  # the worker reports why it cannot be read
        return cache.get(digest, path=task.key, referrer=task.referrer)

    def _put(self, item: Any) -> None:
        with self._cond:
            while len(self._pending) >= FEEDER_LIMIT:
                if self._halt.is_set():
                    return
                self._cond.wait(0.2)
            wake = not self._pending
            self._pending.append(item)
        if wake:
            with contextlib.suppress(BlockingIOError, OSError):  # the pipe is full of wake-ups already
                os.write(self._wake_write, b"x")

    def get(self) -> Any:
        """The next item, or ``None`` when none is ready yet (main thread only)."""
        if not self._ready:
            with self._cond:
                if not self._pending:
                    return None
                self._ready, self._pending = self._pending, self._ready
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


# --- the command line's batch mode -------------------------------------------------------------------


class _Sources:
    """Files, the inputs the walk could not cover, then the crawl, as one stream of tasks (with the crawl's statistics)."""

    def __init__(self, files: list[Path], crawler: Any | None, uncovered: Sequence[Uncovered] = ()) -> None:
        self.files = files
        self.crawler = crawler
        self.uncovered = uncovered

    def __iter__(self) -> Iterator[Task]:
        from scanner.pipeline import display_name

        yield from file_tasks(self.files)
        for item in self.uncovered:  # review, with the reason: never passed over in silence
            yield Task(key=display_name(item.path), error=item.reason)
        if self.crawler is not None:
            yield from self.crawler

    @property
    def stats(self) -> dict[str, int]:
        return dict(self.crawler.stats) if self.crawler is not None else {}


def run_cli_batch(request: BatchRequest, spec: SettingsSpec, settings: Settings, *, stdout: IO[bytes]) -> BatchOutcome:
    """Run ``scan`` in batch mode; a jsonl report is written line by line as files finish.

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
    files = list(iter_files(paths, include=request.include, exclude=request.exclude,
                            follow_symlinks=request.follow_symlinks, uncovered=uncovered))
    crawler = None
    if request.crawl_url:
        from scanner.crawl import Crawler, CrawlOptions

        crawler = Crawler(request.crawl_url, CrawlOptions(
            max_depth=request.max_depth, max_pages=request.max_pages,
            delay=request.delay, concurrency=request.crawl_concurrency, crawl_timeout=request.crawl_timeout,
        ))
    total = None if crawler is not None or any(is_warc(f) for f in files) else len(files) + len(uncovered)
    options = BatchOptions(
        jobs=request.jobs or os.cpu_count() or 1,
        timeout=request.timeout,
        max_memory_mb=request.max_memory,
        cache_dir=None if request.no_cache else (request.cache_dir or default_cache_dir()),
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

    def sink(doc: DocumentResult, fresh: bool) -> None:
        if target is not None:
            target.write(jsonl_line(doc).encode("utf-8"))
            target.flush()

    spec = replace(spec, keep_text=request.fmt == "html")  # the only report that shows the text
    try:
        return run_batch(_Sources(files, crawler, uncovered), spec, settings, options, total=total, sink=sink)
    finally:
        if owned and target is not None:
            target.close()


def write_batch_report(outcome: BatchOutcome, request: BatchRequest, options: Any, *, stdout: IO[bytes],
                       stderr: IO[str] | None = None) -> None:
    """The report after a batch: jsonl is already written; the others are rendered as usual.

    The run's statistics (timings, cache hits, slowest files) go to stderr
    and never into the report: the same input and version must give a
    byte-identical report, run after run.
    Raises ``OSError`` when the report cannot be written.
    """
    from scanner.output import write_report

    if request.fmt != "jsonl":
        write_report(outcome.result, request.fmt, options, request.output, stdout=stdout)
    (stderr or sys.stderr).write(outcome.summary.text())
