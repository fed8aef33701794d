"""What an input's bytes hash to, without reading a file that has not changed since it was hashed.

The cache and the ``--resume`` journal know an input by the SHA-256 of its
bytes, which the parent computes before anything is looked up.  Reading
every byte of a website each night to learn that nothing changed is most of
a re-run's cost: the cache therefore keeps a *stat index*
(:meth:`scanner.cache.ResultCache.known_hashes`), as git's index, rsync's
quick check and backup tools do: for each file path, the **stamp** it had
when it was hashed -- device, inode, size, modification and status-change
times in nanoseconds -- and the hash, under the cache's HMAC.  A file whose
stamp is the one recorded is not read; any other is read and hashed.  Only
files of at least :data:`STAMPED_FROM` bytes are looked up (and recorded):
a smaller one is read and hashed in less time than the look-up takes.

Why a stamp cannot hide a change: writing to a file, truncating it,
replacing it (a new inode, or the same inode number reused) or restoring
its modification time with ``touch -d`` all set its status-change time
(``ctime``), which only the kernel sets, to the present.  What is left is a
change in the same tick of the file system's clock as the stamp was taken
(ext3 and FAT keep times to 1 and 2 seconds): a stamp is recorded only when
both times are older than :data:`RACY_SECONDS` before the file was hashed,
so a later write cannot fall into the recorded tick ("racily clean" in
git's terms, here simply not recorded: the next run hashes the file again).
``scan --rehash`` reads and hashes every file whatever its stamp, for a file
system whose times cannot be trusted.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass

from scanner.batch.task import Task

SMALL_FILE = 1 << 20  # hashed from one read; larger files are streamed
# A stamp is recorded only when the file's times are this much older than the moment it was hashed:
# more than the coarsest file-system clock in use (FAT: 2 s), with a second to spare for the clock
# of a file server.
RACY_SECONDS = 3
# Files at least this large are looked up in the stat index before they are read: reading and hashing
# 16 KB from the page cache took 17 µs here, a look-up (query and HMAC) about 5 (a file on a disk not
# yet in memory costs far more to read, and the same to stat).
STAMPED_FROM = 16 * 1024

# The stat index's answer for a task's file and its stamp now: the hash recorded with that stamp, or None.
Recorded = Callable[[Task, str], "str | None"]


# Not frozen (as feeder.Fed): one is made per input
@dataclass(kw_only=True, slots=True)
class Hashed:
    """An input's hash as the parent read it now, and the stamp to record for it (``""``: none to record)."""

    sha256: str  # "" when the parent could not read it (the worker reports why)
    stamp: str = ""


def stamp_of(info: os.stat_result) -> str:
    """A regular file's stamp: device, inode, size, modification and status-change times (ns)."""
    return f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"


def stamped(task: Task) -> bool:
    """A task whose bytes are a file of the user's (not a crawled page, a WARC record or its spooled copy)."""
    return bool(task.path) and task.data is None and not task.spooled and not task.error


def hash_input(task: Task, *, recorded: Recorded | None = None) -> Hashed:
    """SHA-256 of the task's bytes as the parent reads them now, with the stamp to record for a file.

    ``recorded``: the stat index; a file of at least :data:`STAMPED_FROM`
    bytes whose stamp it knows is not read.  A pipe or device is not read
    (it would block, or never end): the worker reports it as unreadable.
    The stamp comes from the open file before it is read, and is given to
    record only when the file's times are older than :data:`RACY_SECONDS`
    before that moment.
    """
    if task.data is not None:
        return Hashed(sha256=hashlib.sha256(task.data).hexdigest())
    if not task.path or task.error:
        return _UNREAD
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer (fstat then says what it is)
        fd = os.open(task.path, _OPEN_FLAGS)
    except (OSError, ValueError):
        return _UNREAD
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return _UNREAD
        if info.st_size < STAMPED_FROM:  # most of a website: read, no stamp (see STAMPED_FROM)
            return Hashed(sha256=_file_sha256(fd, info.st_size))
        return _large_file(task, fd, info, recorded)
    except OSError:
        return _UNREAD
    finally:
        os.close(fd)


_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_UNREAD = Hashed(sha256="")  # not read here (the worker says why); never changed by anyone


def _large_file(task: Task, fd: int, info: os.stat_result, recorded: Recorded | None) -> Hashed:
    """A file of at least :data:`STAMPED_FROM` bytes: its recorded hash if its stamp is known, else read now."""
    hashed_at = time.time_ns()  # before a byte is read: a later write cannot fall into a stamp older than this
    stamp = stamp_of(info) if stamped(task) else ""
    if stamp and recorded is not None:
        known = recorded(task, stamp)
        if known is not None:
            return Hashed(sha256=known)  # unchanged since it was hashed: not read
    sha256 = _file_sha256(fd, info.st_size)
    settled = max(info.st_mtime_ns, info.st_ctime_ns) < hashed_at - RACY_SECONDS * 1_000_000_000
    return Hashed(sha256=sha256, stamp=stamp if settled else "")


def _file_sha256(fd: int, size: int) -> str:
    """The hash of the file just opened at ``fd``, ``size`` bytes long when it was stat'ed."""
    if size <= SMALL_FILE:
        # one read, no buffered file object (its 256 KB buffer cost more than the hash)
        data = os.read(fd, size + 1)
        if len(data) <= size:
            return hashlib.sha256(data).hexdigest()
        os.lseek(fd, 0, os.SEEK_SET)  # it grew while it was read: streamed from the start
    with os.fdopen(fd, "rb", closefd=False) as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
