"""The result cache's SQLite database: its tables (older schemas dropped), a damaged one set aside, stored blobs.

:mod:`scanner.cache` keeps authenticated results and the stat index in it;
this module only opens it (WAL, so the feeder thread reads while the parent
writes; the WAL files made private like the database), says whether an
error means the file is damaged, moves a damaged one aside, and packs the
JSON it stores (compressed above :data:`SMALL_ENTRY` bytes).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
import zlib
from pathlib import Path
from typing import Any

from scanner.sealing import PrivateStoreError, private_wal_files

DB_FILE = "results.sqlite3"
SMALL_ENTRY = 1024  # bytes of JSON below which an entry is stored uncompressed


class CacheError(OSError):
    """The cache database could not be opened or written."""


class CacheDamaged(CacheError):
    """The cache database is not a database or is malformed (it is set aside, see :func:`scanner.cache.open_cache`)."""


def connect(path: Path) -> sqlite3.Connection:
    """Open the database and its tables.  Raises :class:`CacheDamaged` or :class:`CacheError`."""
    try:
        db = sqlite3.connect(path, timeout=30)
    except sqlite3.Error as error:
        raise CacheError(f"无法打开缓存 / cannot open cache {path}: {error}") from error
    try:
        # WAL lets the feeder thread read while the parent writes.
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        columns = [row[1] for row in db.execute("PRAGMA table_info(entries)")]
        if columns and "brief" not in columns:
            # schema 3 and 4: their keys were made under another SCHEMA, so none of their entries can be a hit
            db.execute("DROP TABLE entries")
        # the report line printed for the result (variant, path, referrer it was printed for, the result's
        # brief) is optional
        db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, doc BLOB NOT NULL, mac BLOB NOT NULL, "
                   "variant TEXT, path TEXT, referrer TEXT, line BLOB, line_mac BLOB, brief TEXT)")
        # the stat index: a file's stamp when it was hashed, and the hash (scanner.batch.stamps)
        db.execute("CREATE TABLE IF NOT EXISTS files (path BLOB PRIMARY KEY, stamp TEXT NOT NULL, "
                   "sha256 TEXT NOT NULL, mac BLOB NOT NULL)")
        db.execute("DROP TABLE IF EXISTS results")  # schema 2 and before: unauthenticated entries
        db.commit()
    except sqlite3.Error as error:
        db.close()
        kind = CacheDamaged if is_damage(error) else CacheError
        raise kind(f"无法打开缓存 / cannot open cache {path}: {error}") from error
    try:
        private_wal_files(path)
    except PrivateStoreError as error:
        db.close()
        raise CacheError(str(error)) from error
    return db


def is_damage(error: sqlite3.Error) -> bool:
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


def pack(data: bytes) -> bytes:
    """What is stored for ``data`` (JSON): as it is when small, else zlib-compressed (its first byte is never ``{``)."""
    return data if len(data) < SMALL_ENTRY else zlib.compress(data, 3)


def unpack(blob: bytes) -> bytes:
    """The inverse of :func:`pack`.  Raises ``zlib.error`` for a blob that is neither."""
    return blob if blob[:1] == b"{" else zlib.decompress(blob)


_DECODER = json.JSONDecoder()


def read_json(blob: bytes) -> Any:
    """The JSON value a stored blob holds.  Raises ``ValueError`` (or ``zlib.error``) when it holds none.

    ``raw_decode`` on the text, not ``json.loads`` on the bytes: loads' encoding sniffing and
    white-space checks took as long as the parse itself for a small entry (the blob starts
    with its value; anything after it is refused here).
    """
    text = unpack(blob).decode("utf-8")
    value, end = _DECODER.raw_decode(text)
    if end != len(text):
        raise ValueError("data after the stored value")
    return value


def stored_json(blob: bytes) -> Any:
    """An entry's stored JSON, for tools and tests that look into the database."""
    return json.loads(unpack(blob))
