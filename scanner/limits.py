"""Per-file resource limits for every entry point: ``scan FILE``, ``scan -`` and batch workers.

``scan FILE`` (the publisher's command) used to scan in its own process
with no memory bound: a 60 MB part of one-character paragraphs in a docx
took 1.6 GB.  Now the one document is scanned in a forked child (see
:func:`scan_in_child`) under the same limits as a batch worker:

* an address-space cap (``RLIMIT_AS``) of the child's idle size plus
  ``max_memory_mb`` — a scan that needs more gets ``MemoryError`` (or, in C
  code that aborts, dies), and the document is ``review`` naming the limit;
* a deadline the parent enforces with ``SIGKILL``, which also stops C code
  that never returns to the interpreter (a ``SIGALRM`` handler only runs
  between bytecodes);
* a crash of the child (a segfault in a parser) is ``review`` too, and the
  report is still written.

Forking costs a few milliseconds and copies nothing up front (the child
shares the parent's loaded rules and model), measured in ``bench/bench_bombs.py``.
Where ``fork`` does not exist the scan runs in-process with the
``SIGALRM`` time limit alone.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import resource
import select
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.pipeline import Settings
    from scanner.types import DocumentResult


def memory_reason(max_memory_mb: int) -> str:
    return f"内存超限：超过每个文件 {max_memory_mb} MB 的上限，未经完整审查 / memory limit exceeded ({max_memory_mb} MB)"


def time_reason(seconds: float) -> str:
    return f"超时：{seconds:g} 秒内未能读完，未经完整审查 / timed out after {seconds:g} s"


def limit_memory(max_memory_mb: int) -> None:
    """Cap this process's address space at its idle size plus ``max_memory_mb`` (0: no cap).

    The idle size (interpreter, scanner, model, shared libraries) is counted
    out so that the limit means "how much one input may take".
    """
    if max_memory_mb <= 0:
        return
    limit = address_space_bytes() + max_memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@contextlib.contextmanager
def memory_limit_lifted(max_memory_mb: int) -> Iterator[None]:
    """Lift the cap for the enclosed loading (the OCR engine), then cap again counting what it mapped as idle."""
    if max_memory_mb <= 0:
        yield
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        yield
    finally:
        limit_memory(max_memory_mb)


def address_space_bytes() -> int:
    """This process's virtual size (``VmSize``), 0 where ``/proc`` is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def scan_file_limited(path: Path, settings: Settings, *, keep_text: bool, timeout: float | None,
                      max_memory_mb: int) -> DocumentResult:
    """``scan FILE``: the one file scanned in a child under the per-file limits of a batch worker.

    ``keep_text``: the report needs every text unit (see :func:`for_report`).
    """
    from scanner import pipeline

    return scan_in_child(lambda: for_report(pipeline.scan_file(path, settings), keep_text),
                         name=pipeline.display_name(path), settings=settings, timeout=timeout,
                         max_memory_mb=max_memory_mb)


def for_report(document: DocumentResult, keep_text: bool) -> DocumentResult:
    """``document`` with only the text units its findings point into, or all of them with ``keep_text``.

    What the child sends back is pickled: a document's every unit cost a
    cold ``scan`` more than the fork itself.  The HTML report shows the whole
    text and ``scan -v`` matches it again (its dropped candidates), so they
    keep it; the other reports read only the units their findings are in.
    """
    if keep_text or not document.units:
        return document
    places: dict[tuple[object, ...], list[int]] = {}
    for index, unit in enumerate(document.units):
        places.setdefault((unit.part, unit.page, unit.paragraph, unit.source), []).append(index)
    kept = set()
    for finding in document.findings:
        at = finding.location
        for index in places.get((at.part, at.page, at.paragraph, at.source), ()):
            if document.units[index].text[at.start:at.end] == finding.text:
                kept.add(index)
                break
    return replace(document, units=tuple(document.units[index] for index in sorted(kept)))


def scan_in_child(
    scan: Callable[[], DocumentResult],
    *,
    name: str,
    settings: Settings,
    timeout: float | None,
    max_memory_mb: int,
) -> DocumentResult:
    """``scan()`` in a forked child under the limits; a limit hit or a crash is ``review`` naming it.

    Never raises for what the document does to the child.  ``name`` is the
    document's display path, for the result of a scan that did not finish.
    """
    from scanner.pipeline import ScanTimeout, time_limit, unread_document

    if not hasattr(os, "fork"):
        try:
            with time_limit(timeout):
                return scan()
        except ScanTimeout:
            return unread_document(time_reason(timeout or 0), settings, path=name)
    import gc

    import scanner.batch.messages  # noqa: F401 -- imported once, here, not again in the child and after it

    # Objects made so far are left out of the collector's passes, so the
    # child's collections do not write to (and copy) every page it shares
    # with the parent: a fork's cost is the pages the child touches.
    gc.freeze()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: scan, send the result, and leave without running the parent's cleanup
        os.close(read_end)
        _child(scan, write_end, settings, max_memory_mb)
    os.close(write_end)
    status: int | None = None
    try:
        reply = _collect(read_end, timeout)
        if reply is TIMED_OUT:
            _kill(pid)
        status = os.waitpid(pid, 0)[1]
    finally:
        os.close(read_end)
        if status is None:  # interrupted (Ctrl-C): the child must not outlive the command
            _kill(pid)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    return _outcome(reply, status, name=name, settings=settings, timeout=timeout, max_memory_mb=max_memory_mb)


TIMED_OUT = object()  # what _collect gives when the deadline passed


def _outcome(reply: object, status: int, *, name: str, settings: Settings, timeout: float | None,
             max_memory_mb: int) -> DocumentResult:
    """The document for what the child said (a :mod:`scanner.batch.messages` reply), or did not say."""
    from scanner.batch.messages import Done, Errored, OutOfMemory
    from scanner.pipeline import unread_document

    if isinstance(reply, Done):
        return reply.doc
    if isinstance(reply, OutOfMemory):
        return unread_document(memory_reason(max_memory_mb), settings, path=name)
    if reply is TIMED_OUT:
        return unread_document(time_reason(timeout or 0), settings, path=name)
    if isinstance(reply, Errored):  # a bug in the scanner: cli.py turns it into exit 3
        raise RuntimeError(reply.reason)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == INTERRUPTED:
        raise KeyboardInterrupt
    # died without a word: a parser crashed, or C code could not allocate under the cap
    reason = f"解析进程异常退出（{_exit_text(status)}），可能超过每个文件 {max_memory_mb} MB 的内存上限，未经完整审查 " \
             f"/ the scan process died ({_exit_text(status)})"
    return unread_document(reason, settings, path=name)


INTERRUPTED = 130  # the child's exit code for a KeyboardInterrupt inside the scan


def _child(scan: Callable[[], DocumentResult], write_end: int, settings: Settings, max_memory_mb: int) -> None:
    """Scan and write one reply (:mod:`scanner.batch.messages`, as a batch worker does) to ``write_end``; never returns."""
    from scanner.batch.messages import Done, Errored, OutOfMemory, pack_one

    code = 0
    started = time.perf_counter()
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        faulthandler.disable()  # a crash here is the parent's to report, as review
        if settings.ocr is not None:  # the engine loads on the first picture, outside the cap
            settings.ocr.loading = lambda: memory_limit_lifted(max_memory_mb)
        limit_memory(max_memory_mb)
        try:
            doc = scan()
            message = pack_one(Done(task_id=0, doc=doc, seconds=time.perf_counter() - started,
                                    rss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, size=0))
        except MemoryError:
            message = b""  # leaving the clause frees what the failed scan held
        if not message:
            message = pack_one(OutOfMemory(task_id=0, seconds=time.perf_counter() - started, rss_kb=0))
        _write_all(write_end, message)
    except MemoryError:
        with contextlib.suppress(BaseException):
            _write_all(write_end, pack_one(OutOfMemory(task_id=0, seconds=0.0, rss_kb=0)))
    except KeyboardInterrupt:
        code = INTERRUPTED
    except BaseException as error:  # noqa: BLE001 -- a bug, handed to the parent to raise (exit 3)
        code = 1
        with contextlib.suppress(BaseException):
            _write_all(write_end, pack_one(Errored(task_id=0, reason=f"{type(error).__name__}: {error}",
                                                   seconds=time.perf_counter() - started)))
    finally:
        os._exit(code)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _collect(read_end: int, timeout: float | None) -> object:
    """The child's reply, read until it closes the pipe; :data:`TIMED_OUT` at the deadline, ``None`` for none."""
    from scanner.batch.messages import unpack

    deadline = time.monotonic() + timeout if timeout else None
    chunks = []
    while True:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            return TIMED_OUT
        ready, _, _ = select.select([read_end], [], [], wait)
        if not ready:
            continue
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    try:
        return unpack(b"".join(chunks))
    except Exception:  # noqa: BLE001 -- no reply, or one cut short: the child died
        return None


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _exit_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"signal {signal.Signals(number).name}"
        except ValueError:
            return f"signal {number}"
    return f"exit code {os.WEXITSTATUS(status)}"
