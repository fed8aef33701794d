"""OCR readings kept across runs, in the batch cache's directory.

Reading a scanned page costs about a second of CPU and loading the engine
half a second more; the same picture comes back often (a unit's seal on
every notice, a scan attached to several pages of a site, every document of
a folder re-scanned after a rule changed, which misses the result cache).
So a reading is kept by what decides it: the SHA-256 of the image's bytes
and :attr:`~scanner.ocr.OcrReader.identity`, a digest of the engine (the
model files' hashes, the onnxruntime and rapidocr versions, the source of
the reading code) and of the reader's settings (confidence floor, pixel
budget, noise limit…).  A different model or setting has another identity
and never sees an old reading.

The store holds the text of the pictures, hidden ones included, so it
follows the result cache's rules (:mod:`scanner.sealing`): its directory is
0700, its database 0600, every entry carries an HMAC-SHA256 under the
directory's key, and an entry that fails the check is read again by the
engine (counted in :attr:`OcrStore.rejected`).  It is bounded: past
:data:`MAX_ENTRIES` readings the oldest written are dropped.

Each process opens its own connection on first use (batch workers get the
store pickled as its directory only) and writes each reading as it is made
(a reading costs a second, a commit a millisecond).  Any failure of the
database turns the store off for the rest of the process: the pictures are
then read by the engine, exactly as without a store.  JSON, never pickle: a
cache file must not be able to run code.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.ocr import CACHED_NAME, ImageReading, OcrLine
from scanner.sealing import (
    PrivateStoreError,
    cache_key,
    mac,
    private_directory,
    private_file,
    private_wal_files,
    verify,
)

DB_FILE = "ocr.sqlite3"
# About 1-5 kB a compressed page reading: at most ~100 MB on disk.
MAX_ENTRIES = 20_000

Stored = tuple[dict[str, Any], tuple[int, int]]  # (a reading as JSON values, the image's size in pixels)


@dataclass(kw_only=True)
class OcrStore:
    """Authenticated OCR readings in ``directory`` (the result cache's); see the module docstring.

    Never raises after construction: :meth:`get` misses and :meth:`put`
    does nothing once the store is off.
    """

    directory: Path
    max_entries: int = MAX_ENTRIES
    rejected: int = 0  # entries that failed the HMAC or content check (read again)
    hits: int = 0
    off: bool = False
    _db: sqlite3.Connection | None = field(default=None, repr=False)
    _key: bytes = field(default=b"", repr=False)

    def __getstate__(self) -> dict[str, Any]:
        # a worker opens its own connection (a connection cannot cross processes)
        return {"directory": self.directory, "max_entries": self.max_entries, "rejected": 0, "hits": 0,
                "off": False, "_db": None, "_key": b""}

    def get(self, image_sha256: str, identity: str) -> Stored | None:
        """The stored reading of this image under this engine and settings, or ``None``."""
        db = self._open()
        if db is None:
            return None
        key = f"{image_sha256}:{identity}"
        try:
            row = db.execute("SELECT reading, mac FROM readings WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            self._turn_off()
            return None
        if row is None:
            return None
        blob, tag = row
        if isinstance(blob, bytes) and isinstance(tag, bytes) and verify(self._key, tag, key.encode(), blob):
            try:
                data = json.loads(zlib.decompress(blob).decode("utf-8"))
                width, height = (int(side) for side in data["size"])
                reading = data["reading"]
                if isinstance(reading, dict) and width > 0 and height > 0:
                    self.hits += 1
                    return reading, (width, height)
            except (zlib.error, ValueError, KeyError, TypeError):
                pass
        self.rejected += 1
        return None

    def put(self, image_sha256: str, identity: str, reading: dict[str, Any], size: tuple[int, int]) -> None:
        """Keep ``reading`` (JSON values) of the image of ``size`` pixels; the oldest go past the bound."""
        db = self._open()
        if db is None:
            return
        key = f"{image_sha256}:{identity}"
        payload = json.dumps({"size": list(size), "reading": reading}, ensure_ascii=False, sort_keys=True)
        blob = zlib.compress(payload.encode("utf-8"), 3)
        try:
            db.execute("INSERT OR REPLACE INTO readings (key, reading, mac) VALUES (?, ?, ?)",
                       (key, blob, mac(self._key, key.encode(), blob)))
            # checked at every write: a count of 20,000 rows is a millisecond, a reading a second
            self._prune(db)
        except sqlite3.Error:
            self._turn_off()

    def _prune(self, db: sqlite3.Connection) -> None:
        (count,) = db.execute("SELECT count(*) FROM readings").fetchone()
        if count > self.max_entries:
            # INSERT OR REPLACE gives a rewritten entry a new rowid: the lowest are the oldest written
            db.execute("DELETE FROM readings WHERE rowid IN (SELECT rowid FROM readings ORDER BY rowid LIMIT ?)",
                       (count - self.max_entries,))

    def _open(self) -> sqlite3.Connection | None:
        if self.off:
            return None
        if self._db is not None:
            return self._db
        path = self.directory / DB_FILE
        try:
            private_directory(self.directory)
            self._key = cache_key(self.directory)
            private_file(path)
            self._db = _connect(path)
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError):
                self._turn_off()
                return None
            # not a database, or malformed: it is only a cache, start afresh once
            with contextlib.suppress(OSError):
                os.unlink(path)
            try:
                private_file(path)
                self._db = _connect(path)
            except (sqlite3.Error, PrivateStoreError):
                self._turn_off()
                return None
        except PrivateStoreError:
            self._turn_off()
            return None
        return self._db

    def _turn_off(self) -> None:
        self.off = True
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def close(self) -> None:
        self._turn_off()


def _connect(path: Path) -> sqlite3.Connection:
    """The database with its table, in autocommit mode.  Raises ``sqlite3.Error`` or :class:`PrivateStoreError`."""
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")  # workers of one batch read and write at once
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS readings (key TEXT PRIMARY KEY, reading BLOB NOT NULL, mac BLOB NOT NULL)")
        private_wal_files(path)
    except BaseException:
        db.close()
        raise
    return db


def reading_to_json(reading: ImageReading) -> dict[str, Any]:
    """A reading (pixel boxes, the image's name as :data:`~scanner.ocr.CACHED_NAME`) as JSON values, as kept in the store."""
    return {
        "problem": reading.problem,
        "seconds": reading.seconds,
        "lines": [[line.text, *line.box, line.confidence, line.seal] for line in reading.lines],
    }


def reading_from_json(data: dict[str, Any]) -> ImageReading:
    """The inverse of :func:`reading_to_json`.  Raises ``KeyError``, ``TypeError`` or ``ValueError`` when malformed."""
    lines = []
    for text, x0, y0, x1, y1, confidence, seal in data["lines"]:
        if not isinstance(text, str) or not isinstance(seal, bool):
            raise TypeError("malformed OCR line")
        box = (float(x0), float(y0), float(x1), float(y1))
        lines.append(OcrLine(text=text, box=box, confidence=float(confidence), image=CACHED_NAME, seal=seal))
    problem = data["problem"]
    if not isinstance(problem, str):
        raise TypeError("malformed OCR problem")
    return ImageReading(image=CACHED_NAME, lines=tuple(lines), problem=problem, seconds=float(data["seconds"]))
