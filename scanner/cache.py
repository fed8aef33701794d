"""Incremental scans: results keyed by content, name hint and what checked them.

A result is reusable only if the same bytes, under a name with the same
extension, were checked by the same scanner version and code, the same
effective rule catalogue (after the configuration's ``disable``,
``severity`` and ``unit_rule``, with the user's lexicons), the same model and
the same options (allow list, accepted baseline, threshold, OCR on or off).
:func:`settings_digest` folds all of these but the content and the name into
one string; the entry key is ``sha256(content) : name hint : digest``.  The
name hint is the lower-case extension, the only thing extraction takes from
the name (:func:`scanner.extract.sniff.sniff`): the sniffed kind is a
function of the bytes and that hint under the same code, so ``page.html`` and
``page.txt`` with the same bytes never share an entry, and a changed rule or
model simply misses.

The cache holds the extracted text of every document it has seen (hidden
layers included), so it is private (:mod:`scanner.sealing`): the directory
is 0700, the database 0600, and every entry carries an HMAC-SHA256 under the
cache's own random key.  An entry that fails the check (written or changed by
someone else) is rescanned and counted in :attr:`CacheStats.rejected`.

A cache that cannot be used costs only a rescan, never the batch:
:func:`open_cache` sets a damaged database aside and starts afresh, and runs
without a cache (with a warning) when the directory cannot be used; a read or
write that fails during the run (a full disk, a database damaged meanwhile)
turns the cache off for the rest of the run with a warning.  Results are then
exactly those of an uncached run.

Results are stored in :mod:`scanner.serial`'s form as JSON (never pickle: a
cache file must not be able to run code), zlib-compressed, in SQLite: safe
for concurrent readers, and the batch writes from one thread of the parent
process only (each thread opens its own connection with
:meth:`ResultCache.reader`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.sealing import PrivateStoreError, cache_key, mac, private_directory, private_file, verify
from scanner.sealing import default_cache_dir as default_cache_dir  # where both caches live (re-exported)
from scanner.serial import document_from_dict, document_to_dict
from scanner.types import DocumentResult

SCHEMA = 3  # 2: results carry the coverage ledger; 3: keys carry the name hint, entries an HMAC
DB_FILE = "results.sqlite3"
# Rejected entries named one by one on stderr; the rest are only counted.
NAMED_REJECTIONS = 5

Warn = Callable[[str], None]


class CacheError(OSError):
    """The cache database could not be opened or written."""


class CacheDamaged(CacheError):
    """The cache database is not a database or is malformed (it is set aside, see :func:`open_cache`)."""


def settings_digest(*, version: str, catalogue: str, model: str, options: Mapping[str, Any]) -> str:
    """One digest for everything besides the content and the name that decides a result."""
    payload = json.dumps(
        {"schema": SCHEMA, "version": version, "catalogue": catalogue, "model": model, "options": options},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def name_hint(name: str) -> str:
    """What extraction takes from a document's name: its lower-case extension (URL query cut off)."""
    from scanner.extract.sniff import suffix_of

    return suffix_of(name.split("?", 1)[0].lower())


def entry_key(sha256: str, name: str, digest: str) -> str:
    """The cache key of a document with these bytes (``sha256``) and name under settings ``digest``."""
    return f"{sha256}:{name_hint(name)}:{digest}"


@dataclass(kw_only=True)
class CacheStats:
    """What went wrong with the cache in one run (for the batch summary)."""

    rejected: int = 0  # entries whose HMAC or content did not check out: rescanned
    problems: list[str] = field(default_factory=list)  # warnings given (set aside, turned off, ...)


@dataclass(kw_only=True)
class _Shared:
    """What the connections of one cache (one per thread) share."""

    directory: Path
    digest: str
    key: bytes
    warn: Warn | None
    stats: CacheStats = field(default_factory=CacheStats)
    off: bool = False  # a failure turned the cache off for the rest of the run
    lock: threading.Lock = field(default_factory=threading.Lock)

    def say(self, message: str) -> None:
        with self.lock:
            self.stats.problems.append(message)
        if self.warn is not None:
            self.warn(message)


class ResultCache:
    """A SQLite table of authenticated document results; open one connection per thread.

    Raises :class:`CacheError` when the cache cannot be used safely
    (:class:`CacheDamaged` when its database is damaged).  After that, no
    method raises: a failure turns the cache off with a warning.
    """

    def __init__(self, directory: Path, digest: str, *, warn: Warn | None = None,
                 _shared: _Shared | None = None) -> None:
        if _shared is None:
            try:
                private_directory(directory)
                key = cache_key(directory)
                private_file(directory / DB_FILE)
            except PrivateStoreError as error:
                raise CacheError(str(error)) from error
            _shared = _Shared(directory=directory, digest=digest, key=key, warn=warn)
        self._shared = _shared
        self.directory = directory
        self.digest = digest
        self._db = _connect(directory / DB_FILE)

    @property
    def stats(self) -> CacheStats:
        return self._shared.stats

    def reader(self) -> ResultCache:
        """Another connection to the same cache (same key, statistics and state), for another thread.

        Raises :class:`CacheError` like the constructor.
        """
        return ResultCache(self.directory, self.digest, _shared=self._shared)

    def get(self, sha256: str, *, path: str, referrer: str = "") -> DocumentResult | None:
        """The stored result for these bytes under this name, re-labelled with ``path``; ``None`` on a miss.

        An entry that fails its HMAC check is a miss, counted and reported.
        """
        if self._shared.off:
            return None
        key = entry_key(sha256, path, self.digest)
        try:
            row = self._db.execute("SELECT doc, mac FROM entries WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as error:
            self._fail(error, "读取")
            return None
        if row is None:
            return None
        blob, tag = row
        stored = None
        if isinstance(blob, bytes) and isinstance(tag, bytes) and verify(self._shared.key, tag, key.encode(), blob):
            try:
                stored = document_from_dict(json.loads(zlib.decompress(blob).decode("utf-8")))
            except (zlib.error, ValueError, KeyError, TypeError):
                stored = None
        if stored is None or stored.sha256 != sha256:
            self._reject(path)
            return None
        return _relabel(stored, path=path, referrer=referrer)

    def put(self, doc: DocumentResult) -> None:
        """Store ``doc`` under its own ``sha256`` and name (results without a hash are not stored)."""
        if not doc.sha256 or self._shared.off:
            return
        key = entry_key(doc.sha256, doc.path, self.digest)
        blob = zlib.compress(json.dumps(document_to_dict(doc), ensure_ascii=False).encode("utf-8"), 3)
        tag = mac(self._shared.key, key.encode(), blob)
        try:
            self._db.execute("INSERT OR REPLACE INTO entries (key, doc, mac) VALUES (?, ?, ?)", (key, blob, tag))
        except sqlite3.Error as error:
            self._fail(error, "写入")

    def commit(self) -> None:
        if self._shared.off:
            return
        try:
            self._db.commit()
        except sqlite3.Error as error:
            self._fail(error, "写入")

    def close(self) -> None:
        try:
            if not self._shared.off:
                self._db.commit()
        except sqlite3.Error as error:
            self._fail(error, "写入")
        finally:
            self._db.close()

    def _reject(self, path: str) -> None:
        shared = self._shared
        with shared.lock:
            shared.stats.rejected += 1
            named = shared.stats.rejected <= NAMED_REJECTIONS
        if named and shared.warn is not None:
            shared.warn(f"缓存条目校验失败（可能被他人改动），已重新扫描 / cache entry failed its integrity check, "
                        f"rescanned: {path}")

    def _fail(self, error: sqlite3.Error, action: str) -> None:
        """Turn the cache off for the rest of the run; a damaged database is set aside first."""
        shared = self._shared
        with shared.lock:
            if shared.off:
                return
            shared.off = True
        if _is_damage(error):
            aside = set_aside(shared.directory)
            shared.say(f"缓存数据库已损坏（{error}），已移到 {aside}，本次其余文件不用缓存 / "
                       f"damaged cache set aside, running on without it")
        else:
            shared.say(f"无法{action}缓存（{error}），本次其余文件不用缓存，结果不受影响 / "
                       f"cache {'read' if action == '读取' else 'write'} failed, running on without it")


def _connect(path: Path) -> sqlite3.Connection:
    """Open the database and its table.  Raises :class:`CacheDamaged` or :class:`CacheError`."""
    try:
        db = sqlite3.connect(path, timeout=30)
    except sqlite3.Error as error:
        raise CacheError(f"无法打开缓存 / cannot open cache {path}: {error}") from error
    try:
        # WAL lets the feeder thread read while the parent writes.
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, doc BLOB NOT NULL, mac BLOB NOT NULL)")
        db.execute("DROP TABLE IF EXISTS results")  # schema 2 and before: unauthenticated entries
        db.commit()
    except sqlite3.Error as error:
        db.close()
        kind = CacheDamaged if _is_damage(error) else CacheError
        raise kind(f"无法打开缓存 / cannot open cache {path}: {error}") from error
    for suffix in ("-wal", "-shm"):  # SQLite gives them the database's mode; made sure of here
        try:
            private_file(path.with_name(path.name + suffix), create=False)
        except PrivateStoreError as error:
            db.close()
            raise CacheError(str(error)) from error
    return db


def _is_damage(error: sqlite3.Error) -> bool:
    """A database that is not one or is malformed (not: locked, read-only, full, I/O)."""
    return isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError)


def set_aside(directory: Path) -> Path:
    """Move a damaged database (and its WAL files) out of the way; return where it went."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = directory / f"{DB_FILE}.damaged-{stamp}-{os.getpid()}"
    for suffix in ("", "-wal", "-shm"):
        try:
            os.replace(directory / (DB_FILE + suffix), directory / (aside.name + suffix))
        except FileNotFoundError:
            continue
        except OSError:
            # cannot move it: remove it (it is only a cache)
            with contextlib.suppress(OSError):
                os.unlink(directory / (DB_FILE + suffix))
    return aside


def open_cache(directory: Path, digest: str, *, warn: Warn | None = None) -> ResultCache | None:
    """The cache in ``directory``, or ``None`` (after a warning) when it cannot be used.

    A damaged database is set aside and a new one started; a directory that
    is not the user's own, or cannot be written, means this run has no cache.
    Never raises.
    """
    def say(message: str) -> None:
        if warn is not None:
            warn(message)

    try:
        return ResultCache(directory, digest, warn=warn)
    except CacheDamaged as error:
        aside = set_aside(directory)
        say(f"缓存数据库已损坏（{error.__cause__ or error}），已移到 {aside}，重新建立 / damaged cache set aside")
        try:
            return ResultCache(directory, digest, warn=warn)
        except CacheError as again:
            say(f"{again}；本次不使用缓存，结果与不用缓存时相同 / running without the cache")
            return None
    except CacheError as error:
        say(f"{error}；本次不使用缓存，结果与不用缓存时相同 / running without the cache")
        return None


def _relabel(doc: DocumentResult, *, path: str, referrer: str) -> DocumentResult:
    from dataclasses import replace

    if doc.path == path and doc.referrer == referrer:
        return doc  # the same name as when it was stored (every re-run of a folder): no copy needed
    return replace(doc, path=path, referrer=referrer)
