"""Incremental scans: results keyed by content hash and by what checked them.

A result is reusable only if the same bytes were checked by the same scanner
version, the same rule catalogue, the same model and the same options (allow
list, accepted baseline, thresholds).  :func:`settings_digest` folds all of
these into one string; the cache key is ``sha256(content) + ":" + digest``, so
a changed rule or a new model simply misses and old entries are never wrong.

Results are stored as JSON (never pickle: a cache file must not be able to
run code), zlib-compressed, in SQLite: safe for concurrent readers, and the
batch writes from one thread of the parent process only.

The same JSON helpers read a ``jsonl`` report line back into a
:class:`~scanner.types.DocumentResult` (for ``--resume``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.report.json_report import coverage_to_dict, finding_to_dict
from scanner.types import DocumentResult, Finding, Location, PartCoverage, Severity, TextUnit, Verdict

SCHEMA = 2  # 2: results carry the coverage ledger


class CacheError(OSError):
    """The cache database could not be opened or written."""


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/secscan`` or ``~/.cache/secscan``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "secscan"


def settings_digest(*, version: str, catalogue: str, model: str, options: Mapping[str, Any]) -> str:
    """One digest for everything besides the content that decides a result."""
    payload = json.dumps(
        {"schema": SCHEMA, "version": version, "catalogue": catalogue, "model": model, "options": options},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


class ResultCache:
    """A SQLite table of document results; open one per thread.

    Raises :class:`CacheError` when the database cannot be opened.
    """

    def __init__(self, directory: Path, digest: str) -> None:
        self.digest = digest
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(directory / "results.sqlite3", timeout=30)
            # WAL lets the feeder thread read while the parent writes.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, doc BLOB NOT NULL)")
            self._db.commit()
        except (OSError, sqlite3.Error) as error:
            raise CacheError(f"无法打开缓存 / cannot open cache in {directory}: {error}") from error
        self.directory = directory

    def _key(self, sha256: str) -> str:
        return f"{sha256}:{self.digest}"

    def get(self, sha256: str, *, path: str, referrer: str = "") -> DocumentResult | None:
        """The stored result for these bytes, re-labelled with ``path``; ``None`` on a miss."""
        try:
            row = self._db.execute("SELECT doc FROM results WHERE key = ?", (self._key(sha256),)).fetchone()
        except sqlite3.Error:
            return None  # a locked or damaged cache only costs a rescan
        if row is None:
            return None
        try:
            data = json.loads(zlib.decompress(row[0]).decode("utf-8"))
            stored = document_from_dict(data)
        except (zlib.error, ValueError, KeyError, TypeError):
            return None
        return _relabel(stored, path=path, referrer=referrer)

    def put(self, doc: DocumentResult) -> None:
        """Store ``doc`` under its own ``sha256`` (results without one are not stored)."""
        if not doc.sha256:
            return
        blob = zlib.compress(json.dumps(document_to_dict(doc), ensure_ascii=False).encode("utf-8"), 3)
        try:
            self._db.execute("INSERT OR REPLACE INTO results (key, doc) VALUES (?, ?)", (self._key(doc.sha256), blob))
        except sqlite3.Error as error:
            raise CacheError(f"无法写入缓存 / cannot write cache: {error}") from error

    def commit(self) -> None:
        try:
            self._db.commit()
        except sqlite3.Error as error:
            raise CacheError(f"无法写入缓存 / cannot write cache: {error}") from error

    def close(self) -> None:
        try:
            self._db.commit()
        finally:
            self._db.close()


def _relabel(doc: DocumentResult, *, path: str, referrer: str) -> DocumentResult:
    from dataclasses import replace

    return replace(doc, path=path, referrer=referrer)


# --- JSON round trip of a DocumentResult --------------------------------------------------------------


def document_to_dict(doc: DocumentResult) -> dict[str, Any]:
    """Everything in a result, units included, as plain JSON values."""
    return {
        "path": doc.path,
        "format": doc.format,
        "verdict": doc.verdict.value,
        "risk": doc.risk,
        "findings": [finding_to_dict(finding, context=finding.context) for finding in doc.findings],
        "errors": list(doc.errors),
        "sha256": doc.sha256,
        "title": doc.title,
        "pages": doc.pages,
        "layers": list(doc.layers),
        "coverage": [coverage_to_dict(entry) for entry in doc.coverage],
        "units": [
            {
                "text": unit.text,
                "part": unit.part,
                "page": unit.page,
                "paragraph": unit.paragraph,
                "source": unit.source,
                "cell": list(unit.cell) if unit.cell is not None else None,
            }
            for unit in doc.units
        ],
        "referrer": doc.referrer,
    }


def document_from_dict(data: Mapping[str, Any]) -> DocumentResult:
    """The inverse of :func:`document_to_dict`; also reads a ``jsonl`` report line.

    Keys a report line does not carry (units, pages, layers) get their
    defaults.  Raises ``KeyError`` / ``ValueError`` on a malformed record.
    """
    return DocumentResult(
        path=str(data["path"]),
        format=str(data.get("format", "unknown")),
        verdict=Verdict(data["verdict"]),
        risk=float(data.get("risk", 0.0)),
        findings=tuple(_finding_from_dict(item) for item in data.get("findings", ())),
        errors=tuple(str(error) for error in data.get("errors", ())),
        sha256=str(data.get("sha256", "")),
        title=str(data.get("title", "")),
        pages=data.get("pages"),
        layers=tuple(data.get("layers", ())),
        coverage=tuple(
            PartCoverage(name=str(entry["name"]), kind=str(entry["kind"]), status=str(entry["status"]),
                         reason=str(entry.get("reason", "")))
            for entry in data.get("coverage", ())
        ),
        units=tuple(
            TextUnit(
                text=unit["text"],
                part=unit.get("part", "body"),
                page=unit.get("page"),
                paragraph=unit.get("paragraph"),
                source=unit.get("source", ""),
                cell=tuple(unit["cell"]) if unit.get("cell") is not None else None,  # type: ignore[arg-type]
            )
            for unit in data.get("units", ())
        ),
        referrer=str(data.get("referrer", "")),
    )


def _finding_from_dict(data: Mapping[str, Any]) -> Finding:
    location = data.get("location", {})
    return Finding(
        rule=data["rule"],
        category=data["category"],
        severity=Severity(data["severity"]),
        text=data.get("text", ""),
        context=data.get("context", ""),
        location=Location(
            part=location.get("part", "body"),
            page=location.get("page"),
            paragraph=location.get("paragraph"),
            start=int(location.get("start", 0)),
            end=int(location.get("end", 0)),
            source=location.get("source", ""),
            cell=location.get("cell", ""),
        ),
        message=data.get("message", ""),
        basis=data.get("basis", ""),
        evidence=tuple(data.get("evidence", ())),
        fingerprint=data.get("fingerprint", ""),
    )
