"""Private, authenticated storage in the user's cache directory.

Both caches (results, :mod:`scanner.cache`; compiled user lexicons,
:mod:`scanner.lexicon_cache`) hold what a scan extracted or what a unit
keeps secret, and decide what later scans report.  So they live in a
directory only the user can enter (0700), in files only the user can read
(0600, whatever the umask), and every entry carries an HMAC-SHA256 under a
random key kept in a 0600 file of that directory: an entry someone else
wrote or changed fails the check and is never believed.

A directory or key file that is not the user's own, or that others may
write, is refused with :class:`PrivateStoreError` rather than used.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

KEY_FILE = "key"
KEY_BYTES = 32
MAC_BYTES = hashlib.sha256().digest_size


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/secscan`` or ``~/.cache/secscan``: where both caches live."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "secscan"


class PrivateStoreError(OSError):
    """A cache directory or key file cannot be used safely; the message says why (Chinese / English)."""


def private_directory(directory: Path) -> Path:
    """``directory``, created 0700 if missing and tightened to 0700 if it is the user's own.

    Raises :class:`PrivateStoreError` when it cannot be created, is not a
    directory, belongs to someone else, or cannot be made private.
    """
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(directory)
    except OSError as error:
        raise PrivateStoreError(f"无法建立缓存目录 / cannot create cache directory {directory}: "
                                f"{error.strerror or error}") from error
    if not stat.S_ISDIR(info.st_mode):  # a link too: what it points to could change under the scan
        raise PrivateStoreError(f"缓存位置不是目录（或是符号链接） / cache location is not a directory "
                                f"(or is a symbolic link): {directory}")
    if info.st_uid != os.geteuid():
        raise PrivateStoreError(f"缓存目录属于其他用户，不使用 / cache directory belongs to another user: {directory}")
    if stat.S_IMODE(info.st_mode) != 0o700:
        try:
            os.chmod(directory, 0o700)
        except OSError as error:
            raise PrivateStoreError(f"无法把缓存目录设为仅本人可用 / cannot make cache directory private: "
                                    f"{directory}: {error.strerror or error}") from error
    return directory


def private_file(path: Path, *, create: bool = True) -> None:
    """Create ``path`` empty with mode 0600 if missing (unless not ``create``), and make an existing one 0600.

    Raises :class:`PrivateStoreError` for a link, a non-regular file or one
    owned by someone else.
    """
    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileNotFoundError:
        if create:
            raise PrivateStoreError(f"无法建立缓存文件 / cannot create cache file {path}") from None
        return
    except OSError as error:
        raise PrivateStoreError(f"无法打开缓存文件 / cannot open cache file {path}: {error.strerror or error}") from error
    try:
        _check_private(fd, path)
    finally:
        os.close(fd)


def private_wal_files(database: Path) -> None:
    """Make SQLite's ``-wal`` and ``-shm`` files beside ``database`` private like it (those that exist).

    SQLite gives them the database's mode; made sure of here, with the same
    checks as :func:`private_file`.  Raises :class:`PrivateStoreError`.
    """
    for suffix in ("-wal", "-shm"):
        private_file(database.with_name(database.name + suffix), create=False)


def _check_private(fd: int, path: Path) -> None:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise PrivateStoreError(f"缓存文件不是普通文件 / cache file is not a regular file: {path}")
    if info.st_uid != os.geteuid():
        raise PrivateStoreError(f"缓存文件属于其他用户 / cache file belongs to another user: {path}")
    if stat.S_IMODE(info.st_mode) != 0o600:
        os.fchmod(fd, 0o600)


def cache_key(directory: Path) -> bytes:
    """The directory's HMAC key, made (random, 0600) on first use.

    Raises :class:`PrivateStoreError` when the key file cannot be read or
    made, is not the user's own, or does not hold a key.
    """
    path = directory / KEY_FILE
    if not os.path.lexists(path):
        # Written whole under another name, then linked into place: a second
        # process starting at the same moment sees no key or the whole key,
        # never half of one (os.link fails if the first one got there first).
        temporary = directory / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, secrets.token_bytes(KEY_BYTES))
            finally:
                os.close(fd)
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        except OSError as error:
            raise PrivateStoreError(f"无法建立缓存密钥 / cannot create cache key {path}: "
                                    f"{error.strerror or error}") from error
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as error:
        raise PrivateStoreError(f"无法读取缓存密钥 / cannot read cache key {path}: {error.strerror or error}") from error
    try:
        _check_private(fd, path)
        key = os.read(fd, KEY_BYTES + 1)
    except OSError as error:
        raise PrivateStoreError(f"无法读取缓存密钥 / cannot read cache key {path}: {error.strerror or error}") from error
    finally:
        os.close(fd)
    if len(key) != KEY_BYTES:
        raise PrivateStoreError(f"缓存密钥已损坏 / cache key is damaged: {path}")
    return key


def mac(key: bytes, *parts: bytes) -> bytes:
    """HMAC-SHA256 of ``parts`` (each length-prefixed, so no two splits of the same bytes collide)."""
    digest = hmac.new(key, digestmod="sha256")
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def verify(key: bytes, tag: bytes, *parts: bytes) -> bool:
    """Whether ``tag`` is :func:`mac` of ``parts`` (in constant time)."""
    return hmac.compare_digest(tag, mac(key, *parts))


class Sealer:
    """:func:`mac` and :func:`verify` under one key, for a cache checking thousands of entries a run.

    HMAC (RFC 2104) with the key's inner and outer pads hashed once: a tag
    is then two copies of a prepared SHA-256 and the message hashed, where
    ``hmac.new`` (or ``hmac.digest``, through OpenSSL's provider look-up)
    prepared both pads again for every tag -- most of the time of checking
    a small cache entry.  The tags are :func:`mac`'s.
    """

    def __init__(self, key: bytes) -> None:
        block = hashlib.sha256().block_size
        if len(key) > block:
            key = hashlib.sha256(key).digest()
        key = key.ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))

    def mac(self, *parts: bytes) -> bytes:
        inner = self._inner.copy()
        update = inner.update  # each length and part fed as it is: no copy of the message is made
        for part in parts:
            update(len(part).to_bytes(8, "big"))
            update(part)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def verify(self, tag: bytes, *parts: bytes) -> bool:
        return hmac.compare_digest(tag, self.mac(*parts))
