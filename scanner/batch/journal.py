"""The jsonl lines a batch streams, and the ``--resume`` journal written and read back from them.

A journal line is a jsonl report line plus ``input``: the input's resolved
path (a URL for crawled pages and WARC records) and the SHA-256 of its bytes
as the parent read them.  That pair is the journal's key, so that

* the same file spelled relative in one run and absolute in the next (or
  through a symbolic link) is the same input, scanned once;
* a file changed since the interrupted run is scanned again: its bytes no
  longer have the hash its line was written for.

A line without ``input`` (a jsonl report of an older version given to
``--resume``) is keyed by its path resolved from the working directory and
its document's ``sha256``.  When inputs were scanned again, the superseded
lines are dropped at the end of the run (:meth:`Journal.close`), so the
journal -- which may be the report itself, ``--resume F -o F`` -- holds every
input exactly once.

A journal holds what the findings quote, like the result cache, so it is
private whatever the umask: the file is made (or tightened to) 0600, its
compacted copy too, and a folder it has to create is 0700.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from scanner.batch.task import Task
from scanner.types import DocumentResult


def jsonl_line(doc: DocumentResult, *, key: InputKey | None = None, redact: bool = False) -> str:
    """One jsonl report line (with newline) for ``doc``, plus its ``referrer`` and journal ``key`` when given.

    The one place batch output is formatted, so it follows the jsonl renderer
    (``redact``: ``--redact-excerpts``, never for the journal, which must hold the findings).
    """
    from scanner.report.json_report import document_to_dict, redact_document

    data = document_to_dict(doc)
    if redact:
        redact_document(data)
    if doc.referrer:
        data["referrer"] = doc.referrer
    if key is not None:
        data["input"] = {"path": key.path, "sha256": key.sha256}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


@dataclass(frozen=True, kw_only=True)
class InputKey:
    """What an input is, whatever it was called: its resolved path (or URL) and the hash of its bytes."""

    path: str
    sha256: str  # "" when the parent could not read it (the worker reports why)


def input_identity(task: Task) -> str:
    """The resolved path of a file task (symbolic links followed), else its key (a URL, a WARC record)."""
    if not task.path or task.spooled:
        return task.key
    try:
        return os.path.realpath(task.path)
    except OSError:
        return os.path.abspath(task.path)


class Journal:
    """A ``--resume`` journal: the results already had, by :class:`InputKey`, and the file new ones go to.

    Opening it cuts a torn last line (a run killed mid-write); that input is
    simply scanned again.  Raises ``OSError`` when the file cannot be read
    or opened for appending.
    """

    def __init__(self, path: Path, *, append: bool = True) -> None:
        from scanner.serial import document_from_dict

        self.path = path
        self._done: dict[str, tuple[str, DocumentResult]] = {}  # identity -> (sha256, document)
        self._lines = 0
        if path.exists():
            data = path.read_bytes()
            end = data.rfind(b"\n") + 1
            if end < len(data):
                with open(path, "r+b") as journal:
                    journal.truncate(end)
            for line in data[:end].splitlines():
                self._lines += 1
                try:
                    record = json.loads(line)
                    doc = document_from_dict(record)
                except (ValueError, KeyError, TypeError):
                    continue  # not a document line: that input is rescanned
                identity, sha256 = _key_of(record, doc)
                self._done[identity] = (sha256, doc)
        # open for the whole run, closed in close()
        self._file: IO[str] | None = _private_append(path) if append else None

    def __len__(self) -> int:
        return len(self._done)

    def documents(self) -> dict[str, DocumentResult]:
        """The documents the journal holds, by resolved path (or URL)."""
        return {identity: doc for identity, (_sha, doc) in self._done.items()}

    def lookup(self, key: InputKey) -> DocumentResult | None:
        """The journalled result for this input, if its bytes are still the ones it was scanned from."""
        entry = self._done.get(key.path)
        if entry is None or entry[0] != key.sha256:
            return None
        return entry[1]

    def write(self, doc: DocumentResult, key: InputKey) -> None:
        """Append ``doc``'s line at once (flushed: a killed run loses at most the line being written)."""
        if self._file is None:
            raise ValueError(f"journal {self.path} was opened for reading only")
        self._file.write(jsonl_line(doc, key=key))
        self._file.flush()
        self._lines += 1
        self._done[key.path] = (key.sha256, doc)

    def close(self, *, compact: bool = True) -> None:
        """Close the file; with ``compact``, drop lines superseded by a later one for the same input.

        The rewrite goes to a temporary file that replaces the journal, so an
        interruption leaves the old journal or the new one, never half of it.
        """
        if self._file is None:
            return
        self._file.close()
        if not compact or self._lines == len(self._done):
            return
        kept: dict[str, bytes] = {}
        with open(self.path, "rb") as journal:
            for line in journal:
                try:
                    record = json.loads(line)
                    identity, _sha = _key_of(record, None)
                except (ValueError, KeyError, TypeError):
                    continue
                kept.pop(identity, None)  # the later line wins, in its later place
                kept[identity] = line
        temporary = self.path.with_name(self.path.name + ".compact")
        try:
            with os.fdopen(_private_fd(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "wb") as out:
                out.writelines(kept.values())
            os.replace(temporary, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()


def _private_fd(path: Path, flags: int) -> int:
    """``path`` opened with ``flags``, made 0600 if new and tightened to 0600 if it was not.

    Raises ``OSError`` when it cannot be opened (a link is not followed).
    """
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        info = os.fstat(fd)
        # someone else's file (a shared report path) keeps its mode: only its owner may change it
        if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != 0o600:
            os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        raise
    return fd


def _private_append(path: Path) -> IO[str]:
    """The journal opened for appending, private (0600; a missing folder made 0700).  Raises ``OSError``."""
    missing = []
    folder = path.absolute().parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        try:
            made.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made meanwhile by someone else: theirs, left as it is
        os.chmod(made, 0o700)  # mkdir's mode is cut by the umask
    return os.fdopen(_private_fd(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "a", encoding="utf-8")


def _key_of(record: dict[str, Any], doc: DocumentResult | None) -> tuple[str, str]:
    """(identity, sha256) of a journal line: its ``input``, or for an older line its path and document hash."""
    given = record.get("input")
    if isinstance(given, dict) and isinstance(given.get("path"), str):
        return given["path"], str(given.get("sha256", ""))
    path = str(record["path"])
    identity = path if "://" in path else os.path.realpath(path)
    return identity, str(record.get("sha256", "")) if doc is None else doc.sha256


def read_journal(path: Path) -> dict[str, DocumentResult]:
    """The documents of an interrupted run's journal, by resolved path (or URL); a torn last line is cut off."""
    return Journal(path, append=False).documents()


def resumed_as(doc: DocumentResult, task: Task) -> DocumentResult:
    """A journalled result reported under this run's name for the input (it may be spelled differently)."""
    if doc.path == task.key and doc.referrer == task.referrer:
        return doc
    return replace(doc, path=task.key, referrer=task.referrer or doc.referrer)
