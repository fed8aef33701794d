"""User lexicons compiled once: parsed rules, folded terms and the automaton, cached by content hash.

A unit's own list (国家秘密事项一览表, 工作秘密事项清单) can hold tens of
thousands of terms.  Parsing its YAML, folding every term as the normaliser
folds text, and building an Aho-Corasick automaton over them took most of a
cold ``scan FILE`` (0.9 s with 50,000 terms against 0.16 s without), on
every run.  Each of the three is a pure function of its input, so each is
kept, keyed by the SHA-256 of that input (and of the code that computes
it), in ``<cache dir>/compiled/``:

* ``rules-…``: a user rule file's parsed data, as JSON (only data JSON
  carries unchanged; :mod:`scanner.catalogue`);
* ``placement-…``: where each term of the user's rules goes, folded, as
  JSON (:mod:`scanner.user_terms`);
* ``automaton-…``: the user-only terms' automaton, in daachorse's own
  serialisation (a double array; never pickle) (:mod:`scanner.user_terms`).

The same integrity rules as the result cache (:mod:`scanner.sealing`): the
directory is 0700, each file 0600 and carries an HMAC-SHA256 under the
directory's own key, checked before anything is parsed or deserialised.  A
file that fails the check, or a directory that cannot be used, is simply a
miss: the value is computed again (and rewritten), so the cache can only
cost time, never change a result.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from scanner.sealing import (
    MAC_BYTES,
    PrivateStoreError,
    cache_key,
    default_cache_dir,
    mac,
    private_directory,
    verify,
)

MAGIC = b"secscan-compiled-1\n"
SUBDIRECTORY = "compiled"


def digest_of(*parts: str | bytes, items: Iterable[str] = ()) -> str:
    """SHA-256 (hex) of ``parts`` (each length-prefixed) and then ``items`` (as one JSON list: unambiguous, and
    encoded in C, which matters for 200,000 terms)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    digest.update(json.dumps(list(items), ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def fold_digest() -> str:
    """What folding a term depends on: the scanner's version, the normaliser's code and its fold table.

    (The compiled kernel folds exactly as the Python code does, which
    tests/test_kernel.py checks, so its presence is not part of this.)
    """
    import scanner.normalize as normalize
    from scanner import __version__
    from scanner.fold_table import FOLD_TABLE

    package = Path(normalize.__file__).resolve().parent
    parts: list[bytes] = [__version__.encode()]
    for path in (package / "normalize.py", package / "fold_table.py", package.parent / "lexicons" / FOLD_TABLE):
        try:
            parts.append(path.read_bytes())
        except OSError:
            parts.append(b"missing " + str(path).encode())
    return digest_of(*parts)


def library_digest(module: Any) -> str:
    """Stands for a compiled library's version: the size and time of its binary (reading its metadata costs 80 ms)."""
    try:
        info = os.stat(module.__file__)
    except (AttributeError, TypeError, OSError):
        return "unknown"
    return f"{info.st_size}:{info.st_mtime_ns}"


class CompiledStore:
    """Sealed files in ``directory/compiled`` (default: the user cache directory).

    Opened on first use; when the directory cannot be used safely the store
    stays closed and every lookup is a miss.  Never raises for the cache's
    own state.
    """

    def __init__(self, directory: Path | None = None) -> None:
        if directory is None:
            directory = default_cache_dir()
        self.directory = directory / SUBDIRECTORY
        self._key: bytes | None = None
        self._usable: bool | None = None
        self.hits = 0
        self.misses = 0

    def _open(self) -> bool:
        if self._usable is None:
            try:
                private_directory(self.directory.parent)
                private_directory(self.directory)
                self._key = cache_key(self.directory)
                self._usable = True
            except PrivateStoreError:
                self._usable = False
        return self._usable

    def _path(self, kind: str, key: str) -> Path:
        return self.directory / f"{kind}-{key}"

    def get(self, kind: str, key: str) -> bytes | None:
        """The payload stored under ``kind``/``key`` if its HMAC checks out, else ``None``."""
        if not self._open():
            return None
        assert self._key is not None
        try:
            fd = os.open(self._path(kind, key), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read()
        except OSError:
            return None
        finally:
            os.close(fd)
        head = len(MAGIC) + MAC_BYTES
        if not data.startswith(MAGIC) or len(data) < head:
            return None
        tag, payload = data[len(MAGIC):head], data[head:]
        if not verify(self._key, tag, kind.encode(), key.encode(), payload):
            return None
        return payload

    def put(self, kind: str, key: str, payload: bytes) -> None:
        """Store ``payload`` (atomically, 0600); a failure only means it is computed again next time."""
        if not self._open():
            return
        assert self._key is not None
        target = self._path(kind, key)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb", closefd=False) as handle:
                handle.write(MAGIC + mac(self._key, kind.encode(), key.encode(), payload) + payload)
            os.close(fd)
            fd = -1
            os.replace(temporary, target)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        finally:
            if fd >= 0:
                os.close(fd)

    def value(self, kind: str, key: str, make: Callable[[], Any]) -> Any:
        """The JSON value stored under ``kind``/``key``, or ``make()``'s, stored for next time.

        ``make`` may return ``None`` for "do not store".
        """
        payload = self.get(kind, key)
        if payload is not None:
            try:
                value = json.loads(payload.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                value = None
            else:
                self.hits += 1
                return value
        self.misses += 1
        value = make()
        if value is not None:
            self.put(kind, key, json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        return value

    def blob(self, kind: str, key: str, make: Callable[[], bytes], load: Callable[[bytes], Any]) -> Any:
        """``load`` of the bytes stored under ``kind``/``key``, or of ``make()``'s (stored for next time)."""
        payload = self.get(kind, key)
        if payload is not None:
            try:
                loaded = load(payload)
            except Exception:  # noqa: BLE001 -- an authenticated blob a library version cannot read: rebuilt
                loaded = None
            if loaded is not None:
                self.hits += 1
                return loaded
        self.misses += 1
        payload = make()
        self.put(kind, key, payload)
        return load(payload)
