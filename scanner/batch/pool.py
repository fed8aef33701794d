"""The local engine: ``jobs`` worker processes this module manages itself, each under a time and memory limit.

Not a ``ProcessPoolExecutor``, which cannot kill one hung task.  A worker
whose input runs past the time limit is killed; a worker that dies or runs
out of its memory limit is replaced.  The input is reported as ``review``
with the reason, so one pathological file cannot stall or kill the batch.

Small files take about a millisecond each, as little as a round trip to the
parent costs, so tasks go to a worker and results come back several files to
a message (see :class:`~scanner.batch.worker.Outbox` and
:attr:`WorkerPool.depth`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import selectors
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any, Self

from scanner.batch.messages import Assignment, Done, Errored, Failed, OutOfMemory, Ready, unpack
from scanner.batch.task import BatchError, Completion, SettingsSpec, Task
from scanner.batch.worker import COURIER_DIED, IDLE, hook_from_environment, read_slot, worker_main
from scanner.inputs import DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from multiprocessing.context import ForkContext, ForkServerContext, SpawnContext

MAX_DEPTH = 32  # tasks in flight per local worker, for files of a millisecond or less
REQUEUE_LIMIT = 3  # times a task is sent again after workers died with no file to blame
# A worker takes its messages off the pipe as they come (its courier thread):
# one that has not taken a message in this long (or the file time limit, if
# longer) has stopped listening.
SEND_TIMEOUT = 30.0
# Bytes of crawled pages / WARC records queued for one worker at most (plus
# one task): a message must fit in the worker's memory limit with room for
# the scan.
IN_FLIGHT_BYTES = 32 * 2**20


class _Sender(threading.Thread):
    """Writes a worker's messages in a thread of its own, so that the parent's loop never blocks on its pipe.

    :attr:`since` says since when the message being written has waited
    (``0.0``: none): the pool replaces a worker that takes longer than
    :data:`SEND_TIMEOUT` to take one (its receiving thread died, or it is
    stuck), and killing that worker ends the blocked write.
    """

    def __init__(self, conn: Any) -> None:
        super().__init__(name="secscan-sender", daemon=True)
        self._conn = conn
        self._messages: SimpleQueue[bytes | None] = SimpleQueue()
        self._lock = threading.Lock()
        self._waiting = 0  # messages put and not yet written
        self._since = 0.0
        self.failed = False  # a write failed: the worker is gone (its sentinel says so)

    @property
    def since(self) -> float:
        with self._lock:
            return self._since if self._waiting else 0.0

    def put(self, message: bytes) -> None:
        with self._lock:
            if not self._waiting:
                self._since = time.monotonic()
            self._waiting += 1
        self._messages.put(message)

    def stop(self) -> None:
        self._messages.put(None)

    def run(self) -> None:
        while True:
            message = self._messages.get()
            if message is None:
                return
            try:
                if not self.failed:
                    self._conn.send_bytes(message)
            except (OSError, ValueError):
                self.failed = True
            with self._lock:
                self._waiting -= 1
                self._since = time.monotonic()  # the next message's wait starts now


@dataclass(kw_only=True)
class _Worker:
    process: Any
    conn: Any
    slot: Any  # shared [task id, started]: see scanner.batch.worker.set_slot
    sender: _Sender
    ready: bool = False
    # Tasks sent and not answered, in the order the worker takes them.
    queue: deque[Assignment] = field(default_factory=deque)
    unsent: list[Assignment] = field(default_factory=list)  # sent together at the next wait
    heard: float = 0.0  # when the worker last sent something, or was given work while idle

    def current(self) -> tuple[int | None, float]:
        """The task the worker is on, if it is one of this worker's, and since when."""
        task_id, started = read_slot(self.slot)
        if task_id is not None and any(queued.task_id == task_id for queued in self.queue):
            return task_id, started
        return None, 0.0

    def deadline(self, timeout: float) -> float:
        if not self.queue or timeout <= 0:
            return float("inf")
        task_id, started = self.current()
        # between files a worker answers within FLUSH_SECONDS; silence means it is stuck
        return (started if task_id is not None else self.heard) + timeout

    def send_deadline(self, send_timeout: float) -> float:
        since = self.sender.since
        return since + send_timeout if since else float("inf")

    @property
    def queued_bytes(self) -> int:
        return sum(len(queued.task.data) for queued in self.queue if queued.task.data is not None)


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
        send_timeout: float | None = None,
    ) -> None:
        self.spec = spec
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.max_memory_mb = max_memory_mb
        # Never shorter than the time limit of a file: a worker deep in one long C call (its courier
        # waiting for the GIL) is the file timeout's to stop, and that blames the file rightly.
        self.send_timeout = send_timeout if send_timeout is not None else max(SEND_TIMEOUT, timeout)
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
        self.requeued: list[Assignment] = []
        self._requeues: Counter[int] = Counter()
        # Tasks refused without sending (bytes over the memory limit): answered at the next wait.
        self._refused: list[Completion] = []
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
            target=worker_main,
            args=(child_conn, slot, self.spec, self.max_memory_mb, self.hook),
            daemon=True,
            name="secscan-worker",
        )
        process.start()
        child_conn.close()
        sender = _Sender(parent_conn)
        sender.start()
        worker = _Worker(process=process, conn=parent_conn, slot=slot, sender=sender)
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
            worker.sender.put(pickle.dumps(None))  # after whatever it is still sending: then stop
            worker.sender.stop()
        deadline = time.monotonic() + 2.0
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(1.0)
            worker.sender.join(1.0)  # a write to a killed worker fails at once
            self._forget(worker)
            worker.conn.close()
        self.workers = []
        self._selector.close()
        self._selector = selectors.DefaultSelector()

    def idle_worker(self) -> _Worker | None:
        """A ready worker with room in its queue; ``None`` while tasks wait to be sent again (they go first)."""
        if not self.workers:
            self.workers = [self._start() for _ in range(self.jobs)]
        self._resubmit()
        return None if self.requeued else self._least_busy()

    def _least_busy(self) -> _Worker | None:
        depth = self.depth
        best = None
        for worker in self.workers:
            if not worker.ready or len(worker.queue) >= depth or worker.queued_bytes >= IN_FLIGHT_BYTES:
                continue
            if best is None or len(worker.queue) < len(best.queue):
                best = worker
        return best

    @property
    def busy(self) -> int:
        return sum(len(w.queue) for w in self.workers) + len(self.requeued) + len(self._refused)

    def submit(self, worker: _Worker, task_id: int, task: Task) -> None:
        """Give ``task`` to ``worker``: sent with the others given to it before the next :meth:`wait`.

        Bytes larger than the memory limit are never sent (the worker could
        not even receive them): the task comes back from :meth:`wait` as a
        memory failure, without costing a worker.
        """
        limit = self.max_memory_mb * 2**20
        if task.data is not None and self.max_memory_mb > 0 and len(task.data) > limit:
            self._refused.append(Completion(task_id=task_id, task=task, doc=None, kind="memory",
                                            reason=f"{self._memory_reason()}: {len(task.data)} bytes"))
            return
        if not worker.queue:
            worker.heard = time.monotonic()
        assignment = Assignment(task_id=task_id, task=task)
        worker.queue.append(assignment)
        worker.unsent.append(assignment)

    def _resubmit(self) -> None:
        """Hand the tasks of a worker that died between files to the others, as room allows."""
        while self.requeued:
            worker = self._least_busy()
            if worker is None:
                return
            queued = self.requeued.pop(0)
            self.submit(worker, queued.task_id, queued.task)

    def _send(self) -> None:
        for worker in self.workers:
            if worker.unsent:
                # Plain pickle: Connection.send's ForkingPickler is built per call,
                # and an Assignment holds only numbers, strings and bytes.
                message = pickle.dumps(worker.unsent, pickle.HIGHEST_PROTOCOL)
                worker.unsent = []
                worker.sender.put(message)  # a dead worker shows up in wait() as a crash

    def wait(self, extra: Sequence[int] = (), *, timeout: float | None = None) -> list[Completion]:
        """Send what was submitted, then block until something happens; return what finished (maybe nothing).

        Returns early when a worker becomes ready, results arrive, a worker
        dies, a time limit passes, ``timeout`` passes or a descriptor in
        ``extra`` is readable.
        """
        self._resubmit()
        self._send()
        now = time.monotonic()
        deadline = min((min(w.deadline(self.timeout), w.send_deadline(self.send_timeout)) for w in self.workers),
                       default=float("inf"))
        if self._refused:
            deadline = now
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
        done, self._refused = self._refused, []
        for index, worker in enumerate(list(self.workers)):
            if id(worker) in ready:
                pipe, ended = ready[id(worker)]
                done.extend(self._receive(index, worker, pipe_ready=pipe, ended=ended))
        now = time.monotonic()
        for index, worker in enumerate(list(self.workers)):
            if now >= worker.deadline(self.timeout):
                done.extend(self._fail(index, worker, "timeout", f"超时 / timed out after {self.timeout:g} s"))
            elif now >= worker.send_deadline(self.send_timeout):
                done.extend(self._fail(index, worker, "crash", (
                    f"工作进程不再接收任务 / worker stopped taking tasks (nothing read for {self.send_timeout:g} s)")))
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
                head = worker.queue[0].task_id if worker.queue else None
                return out + self._fail(index, worker, "memory", self._memory_reason(), blame=head)
            worker.heard = time.monotonic()
            for item in items:
                try:
                    reply = unpack(item)
                except MemoryError:  # one result too big to unpickle: that file's failure
                    reply = OutOfMemory(task_id=worker.queue[0].task_id if worker.queue else None, seconds=0.0,
                                        rss_kb=0)
                if isinstance(reply, Ready):
                    worker.ready = True
                elif isinstance(reply, Failed):
                    raise BatchError(f"工作进程无法启动 / worker could not start: {reply.reason}")
                elif not worker.queue or reply.task_id != worker.queue[0].task_id:
                    continue  # not the task it was given next (cannot happen: it takes them in order)
                elif isinstance(reply, Done):
                    self.peak_rss_kb = max(self.peak_rss_kb, reply.rss_kb)
                    self._seconds += (reply.seconds - self._seconds) * 0.05
                    out.append(Completion(task_id=reply.task_id, task=worker.queue.popleft().task, doc=reply.doc,
                                          seconds=reply.seconds, size=reply.size))
                elif isinstance(reply, Errored):
                    out.append(Completion(task_id=reply.task_id, task=worker.queue.popleft().task, doc=None,
                                          kind="error", reason=f"扫描出错 / scanner error: {reply.reason}",
                                          seconds=reply.seconds))
                else:
                    self.peak_rss_kb = max(self.peak_rss_kb, reply.rss_kb)
                    return out + self._fail(index, worker, "memory", self._memory_reason(), seconds=reply.seconds,
                                            blame=reply.task_id)
        if ended and self.workers[index] is worker:
            worker.process.join(0.1)
            if not worker.ready:
                raise BatchError(f"工作进程无法启动 / worker could not start (exit code {worker.process.exitcode})")
            received = _largest_unstarted(worker) if worker.process.exitcode == COURIER_DIED else None
            if received is not None:
                # it died taking a message off the pipe: the biggest task in it is what did not fit
                out.extend(self._fail(index, worker, "memory", self._memory_reason() + "（接收任务时 / while receiving)",
                                      blame=received))
            elif worker.queue:
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
        for queued in worker.queue:
            if task_id is None:
                self._requeues[queued.task_id] += 1
            if queued.task_id == task_id or (task_id is None and self._requeues[queued.task_id] >= REQUEUE_LIMIT):
                out.append(Completion(task_id=queued.task_id, task=queued.task, doc=None, kind=kind, reason=reason,
                                      seconds=seconds))
            else:
                self.requeued.append(queued)
        worker.queue.clear()
        worker.unsent = []
        self._replace(index, worker)
        return out

    def _replace(self, index: int, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(2.0)
        worker.sender.stop()
        worker.sender.join(1.0)  # its write, if one was blocked, failed when the worker died
        self._forget(worker)
        worker.conn.close()
        self.workers[index] = self._start()
        self.replaced += 1


def _largest_unstarted(worker: _Worker) -> int | None:
    """The id of the largest crawled page / WARC record queued for ``worker`` and not begun; ``None`` if none."""
    current, _started = worker.current()
    waiting = [queued for queued in worker.queue if queued.task.data is not None and queued.task_id != current]
    if not waiting:
        return None
    return max(waiting, key=lambda queued: len(queued.task.data or b"")).task_id


def _exit_text(code: int | None) -> str:
    if code == COURIER_DIED:
        return "its receiving thread died"
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


