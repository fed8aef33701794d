"""One worker process of the local pool: builds its settings once, then scans its tasks one at a time.

The parent (:mod:`scanner.batch.pool`) starts it with :func:`worker_main`.
A worker has two threads: the main one scans, the *courier* takes tasks off
the pipe as they come and sends finished results that are due, so the
parent never waits on a busy worker's pipe.  Which task the worker is on,
and since when, it writes to a small shared-memory *slot* before each file
(no message): the parent reads it to apply the time limit to that file
alone and to blame the right file when a worker dies.

Test hook (inert unless set): ``SECSCAN_TEST_HOOK`` in the parent's
environment, e.g. ``hang:slow.txt,crash:bad.txt,oom:big.txt,segv:x.txt``,
makes a worker hang / ``os._exit`` / allocate until its memory limit / crash
with SIGSEGV when it is given an input with that base name; ``deaf:x`` makes
its courier stop reading the pipe, and ``mute:x`` makes the courier fail
(as a MemoryError would), once it has received a message holding that
input.  It exists so the isolation can be tested without real pathological
files.
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
import signal
import threading
import time
from collections import deque
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any

from scanner.batch.messages import (
    Assignment,
    Done,
    Errored,
    Failed,
    OutOfMemory,
    Ready,
    Reply,
    pack,
    pack_one,
)
from scanner.batch.task import SettingsSpec, Task, scan_task
from scanner.limits import limit_memory, memory_limit_lifted

if TYPE_CHECKING:
    from scanner.pipeline import Settings

HOOK_ENV = "SECSCAN_TEST_HOOK"
IDLE = -1.0  # the slot's task id while a worker is between files
FLUSH_SECONDS = 0.02  # a finished result waits in a worker at most about this long
FLUSH_COUNT = 16  # ... or until this many are waiting
# The exit code of a worker whose courier thread died (MemoryError while
# receiving a message, say): the worker could take no more tasks, so it
# leaves and the parent replaces it rather than wait on it for ever.
COURIER_DIED = 86


# --- the test hook -----------------------------------------------------------------------------------


def hook_from_environment(environ: dict[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """``SECSCAN_TEST_HOOK=action:name,...`` as ``((action, name), ...)``; empty when unset."""
    value = (environ if environ is not None else os.environ).get(HOOK_ENV, "")
    pairs = []
    for item in value.split(","):
        action, _, name = item.strip().partition(":")
        if action in ("hang", "crash", "oom", "segv", "error", "deaf", "mute") and name:
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


# --- limits ------------------------------------------------------------------------------------------


# The address-space cap and its lifting for the OCR engine's load are scanner.limits', shared with ``scan FILE``.


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


# --- the slot ----------------------------------------------------------------------------------------


def set_slot(slot: Any, task_id: float, started: float) -> None:
    # The id is cleared first and written last: a reader that sees the same id
    # before and after reading the time has a time that belongs to that id.
    slot[0] = IDLE
    slot[1] = started
    slot[0] = task_id


def read_slot(slot: Any) -> tuple[int | None, float]:
    """The task id a worker is on (``None`` between files) and since when (``time.monotonic``)."""
    for _ in range(10):
        task_id, started = slot[0], slot[1]
        if slot[0] == task_id:
            return (None if task_id == IDLE else int(task_id)), started
    return None, 0.0


# --- sending and receiving ---------------------------------------------------------------------------


class Outbox:
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
        message = pack(self._items)
        self._items = []
        try:
            self._conn.send_bytes(message)
        except (OSError, ValueError):
            os._exit(1)  # the parent is gone


Inbox = SimpleQueue[list[Assignment] | None]


def _courier(conn: Any, inbox: Inbox, outbox: Outbox, hook: tuple[tuple[str, str], ...]) -> None:
    """A worker's second thread: takes the parent's tasks off the pipe as they come, and sends results that are due.

    Reading at once keeps the parent from ever blocking on a full pipe
    while the worker is busy (tasks may carry a crawled file's bytes).  If
    this thread fails (a message too big for the memory limit), the worker
    could take no more tasks: it exits with :data:`COURIER_DIED` and the
    parent replaces it.
    """
    try:
        _take_tasks(conn, inbox, outbox, hook)
    except BaseException:  # noqa: BLE001 -- whatever it was, a worker that cannot listen must go
        os._exit(COURIER_DIED)


def _take_tasks(conn: Any, inbox: Inbox, outbox: Outbox, hook: tuple[tuple[str, str], ...]) -> None:
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    deaf = False
    while True:
        if not deaf and poller.poll(FLUSH_SECONDS * 1000):
            try:
                tasks = conn.recv()
            except (EOFError, OSError):
                tasks = None
            if hook and tasks:
                deaf = _courier_hook(hook, tasks)
            inbox.put(tasks)
            if tasks is None:
                return
        elif deaf:
            time.sleep(FLUSH_SECONDS)
        outbox.flush(due_only=True)


def _courier_hook(hook: tuple[tuple[str, str], ...], tasks: list[Assignment]) -> bool:
    """The test hook's courier actions for a message just received: True to stop reading (``deaf``)."""
    names = {assignment.task.key.rstrip("/").rsplit("/", 1)[-1] for assignment in tasks}
    for action, target in hook:
        if target in names and action == "mute":
            raise MemoryError("test hook: the courier fails")
        if target in names and action == "deaf":
            return True
    return False


def worker_main(conn: Any, slot: Any, spec: SettingsSpec, max_memory_mb: int,
                hook: tuple[tuple[str, str], ...]) -> None:
    """A worker process's whole life (the target the pool starts it with)."""
    # The parent handles Ctrl-C and kills workers; a worker must not die half-way through a reply.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    from scanner.pipeline import build_settings

    try:
        settings = build_settings(spec)
    except Exception as error:  # noqa: BLE001 -- any failure, with its reason, goes to the parent
        conn.send_bytes(pack([pack_one(Failed(reason=f"{type(error).__name__}: {error}"))]))
        return
    _one_thread_per_worker()
    outbox = Outbox(conn)
    inbox: Inbox = SimpleQueue()
    if settings.ocr is not None:  # the engine loads on the first picture, outside the limit
        settings.ocr.loading = lambda: memory_limit_lifted(max_memory_mb)
    # started before the memory limit, so that its stack counts as the worker's idle size
    threading.Thread(target=_courier, args=(conn, inbox, outbox, hook), name="secscan-courier", daemon=True).start()
    limit_memory(max_memory_mb)
    conn.send_bytes(pack([pack_one(Ready(pid=os.getpid()))]))
    waiting: deque[Assignment] = deque()
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
        assignment = waiting.popleft()
        set_slot(slot, assignment.task_id, time.monotonic())
        started = time.perf_counter()
        try:
            result = _scan_in_worker(assignment, spec, settings, hook, started)
        except MemoryError:
            result = None  # leaving this clause frees the traceback, and what its frames hold
        if result is None:
            outbox.send_now(pack_one(OutOfMemory(task_id=assignment.task_id, seconds=time.perf_counter() - started,
                                                 rss_kb=_maxrss_kb())))
            os._exit(0)  # the heap may be fragmented or half-built: start afresh
        set_slot(slot, IDLE, 0.0)
        outbox.add(result)


def _scan_in_worker(assignment: Assignment, spec: SettingsSpec, settings: Settings,
                    hook: tuple[tuple[str, str], ...], started: float) -> bytes:
    """The pickled reply for one task: its result, or the error that stopped its scan.

    Pickled here, while the worker's slot names the task, so that a result
    which cannot be pickled is that file's failure.
    """
    task = assignment.task
    reply: Reply
    try:
        if hook:
            _apply_hook(hook, task)
        doc = spec.finish(scan_task(task, settings))
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 -- an extractor bug: reported with its reason, batch goes on
        reply = Errored(task_id=assignment.task_id, reason=f"{type(error).__name__}: {error}",
                        seconds=time.perf_counter() - started)
        return pack_one(reply)
    reply = Done(task_id=assignment.task_id, doc=doc, seconds=time.perf_counter() - started,
                 rss_kb=_maxrss_kb(), size=task.size)
    return pack_one(reply)
