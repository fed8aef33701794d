"""Incremental scans: results keyed by content, name hint and what checked them.

A result is reusable only if the same bytes, under a name with the same
extension, were checked by the same scanner version and code, the same
effective rule catalogue (after the configuration's ``disable``,
``severity`` and ``unit_rule``, with the user's lexicons), the same model and
the same options (allow list, accepted baseline, threshold, OCR on or off,
the OCR models).
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
cache file must not be able to run code), zlib-compressed when larger than
:data:`SMALL_ENTRY` (a two-line notice took longer to inflate than to
read), in SQLite: safe for concurrent readers, and the batch writes from one
thread of the parent process only (each thread opens its own connection
with :meth:`ResultCache.reader`).

Beside a result the cache keeps the line a streamed report (``jsonl``)
printed for it, under the name of that output's format and options (its
*variant*) and the path and referrer it was printed for, under an HMAC of
its own.
A re-run with the same output writes the stored line as it is
(:meth:`ResultCache.get_many` returns it with the result) instead of encoding
the result again.  With the line the cache keeps the result's
:class:`~scanner.types.Brief` (verdict, findings' categories, errors) under
the same tag, which is all a streamed run's summary and exit code need: asked
not to ``decode``, a hit with its line is written out and counted without the
result being read back at all.  :meth:`ResultCache.get_many` looks up a
chunk of inputs in one query.

The same database holds the *stat index* (:mod:`scanner.batch.stamps`): for
each file path, the stamp (device, inode, size, times) it had when it was
hashed and the hash, under the same key's HMAC, so that a re-run does not
read a file that has not changed (:meth:`ResultCache.known_hashes`).  A
file's hash does not depend on the settings, so the index is shared by
every settings digest.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.cache_db import DB_FILE as DB_FILE  # the database's name in the cache directory (re-exported)
from scanner.cache_db import CacheDamaged as CacheDamaged
from scanner.cache_db import CacheError as CacheError
from scanner.cache_db import connect, is_damage, pack, read_json, unpack
from scanner.cache_db import set_aside as set_aside
from scanner.cache_db import stored_json as stored_json  # for tools and tests that look into the database
from scanner.sealing import PrivateStoreError, Sealer, cache_key, private_directory, private_file
from scanner.sealing import default_cache_dir as default_cache_dir  # where both caches live (re-exported)
from scanner.serial import brief_from_dict, brief_to_dict, document_from_dict, document_to_dict
from scanner.types import Brief, DocumentResult, Verdict

# 2: results carry the coverage ledger; 3: keys carry the name hint, entries an HMAC;
# 4: scanner.serial's stored form, small entries not compressed, report lines kept beside results;
# 5: each kept line with the result's brief
SCHEMA = 5
CHUNK = 128  # keys looked up in one query (SQLite allows at least 999 parameters)
# Rejected entries named one by one on stderr; the rest are only counted.
NAMED_REJECTIONS = 5

Warn = Callable[[str], None]


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
    lowered = name.split("?", 1)[0].lower()
    tail = lowered.rpartition("/")[2]
    if tail and tail != ".":  # the usual name: suffix_of's rule on its last component, without splitting the rest
        dot = tail.rfind(".")
        return tail[dot:] if 0 < dot < len(tail) - 1 else ""
    from scanner.extract.sniff import suffix_of

    return suffix_of(lowered)


def entry_key(sha256: str, name: str, digest: str) -> str:
    """The cache key of a document with these bytes (``sha256``) and name under settings ``digest``."""
    return f"{sha256}:{name_hint(name)}:{digest}"


# Not frozen (as batch.feeder.Fed): one is made per input looked up
@dataclass(kw_only=True, slots=True)
class Lookup:
    """One input to look up: the hash of its bytes, and the path and referrer it is reported under."""

    sha256: str
    path: str
    referrer: str = ""


# Not frozen (as batch.feeder.Fed): one is made per hit
@dataclass(kw_only=True, slots=True)
class Hit:
    """A stored result, re-labelled with the lookup's path; ``line``: its report line for the variant asked, if kept.

    ``doc`` is ``None`` only when the lookup asked not to decode and the line
    was kept: ``brief`` then says what the summary needs.
    """

    doc: DocumentResult | None
    line: bytes | None = None  # UTF-8, as it was written
    brief: Brief | None = None


@dataclass(frozen=True, kw_only=True)
class StampLookup:
    """A file to find in the stat index: its path, its stamp now, and the name it is reported under."""

    path: str
    stamp: str
    name: str


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
        self._sealer = Sealer(_shared.key)  # one per connection, so one per thread
        self._db = connect(directory / DB_FILE)

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
        (hit,) = self.get_many([Lookup(sha256=sha256, path=path, referrer=referrer)])
        return None if hit is None else hit.doc

    def get_many(self, lookups: list[Lookup], *, variant: str = "", decode: bool = True) -> list[Hit | None]:
        """The stored result of each lookup (``None`` on a miss), in order, one query per :data:`CHUNK` keys.

        With ``variant``, a hit also carries the report line kept for that
        output, when it was printed for the same path and referrer; without
        ``decode``, such a hit carries the result's brief instead of the
        result (a hit without a line is always decoded).  Nothing is used
        before its HMAC is checked: an entry (or its line) that fails is a
        miss, counted and reported.
        """
        hits: list[Hit | None] = [None] * len(lookups)
        if self._shared.off or not lookups:
            return hits
        keys = [entry_key(lookup.sha256, lookup.path, self.digest) for lookup in lookups]
        rows: dict[str, tuple[Any, ...]] = {}
        try:
            for start in range(0, len(keys), CHUNK):
                wanted = list(dict.fromkeys(keys[start:start + CHUNK]))
                rows.update((row[0], row) for row in self._db.execute(
                    "SELECT key, doc, mac, variant, path, referrer, line, line_mac, brief FROM entries "
                    f"WHERE key IN ({', '.join('?' * len(wanted))})",
                    wanted,
                ))
        except sqlite3.Error as error:
            self._fail(error, "读取")
            return hits
        for index, (lookup, key) in enumerate(zip(lookups, keys)):
            row = rows.get(key)
            if row is not None:
                hits[index] = self._check(lookup, key, variant, row, decode=decode)
        return hits

    def _check(self, lookup: Lookup, key: str, variant: str, row: tuple[Any, ...], *, decode: bool) -> Hit | None:
        """The hit a row makes once its HMACs check out, else ``None`` (counted and reported).

        A usable line's tag covers the line and the result's brief; the
        result's own tag is checked whenever the result is read back.
        """
        _key, blob, tag, line_variant, line_path, line_referrer, line_blob, line_tag, brief_text = row
        if type(blob) is not bytes or type(tag) is not bytes:
            self._reject(lookup.path)
            return None
        sealer = self._sealer
        usable = (line_blob is not None and variant and line_variant == variant and line_path == lookup.path
                  and line_referrer == lookup.referrer)
        sound = not usable or (type(line_blob) is bytes and type(line_tag) is bytes and type(brief_text) is str
                               and sealer.verify(line_tag, *_line_parts(key, variant, line_path, line_referrer,
                                                                        line_blob, brief_text)))
        if sound and (decode or not usable):
            sound = sealer.verify(tag, key.encode(), blob)
        stored = None
        line = None
        if sound:  # nothing is read from the row before this point
            try:
                line = unpack(line_blob) if usable else None
                if usable and not decode:  # the key the tag covers holds the hash: nothing more to compare
                    return Hit(doc=None, line=line, brief=read_brief(brief_text))
                stored = document_from_dict(read_json(blob))
            except (zlib.error, ValueError, KeyError, TypeError):
                stored = None
        if stored is None or stored.sha256 != lookup.sha256:
            self._reject(lookup.path)  # a result or line someone changed: the whole entry is not believed
            return None
        if stored.path != lookup.path or stored.referrer != lookup.referrer:
            stored = replace(stored, path=lookup.path, referrer=lookup.referrer)
        return Hit(doc=stored, line=line)

    def known_hash(self, lookup: StampLookup) -> str | None:
        """The hash recorded for a file that still has the stamp recorded with it, else ``None``.

        A recorded stamp that is not the file's stamp now is a miss (the file
        is read again); a row with the file's stamp is used only once its
        HMAC checks out, else it is a miss, counted and reported with the
        rejected entries.
        """
        if self._shared.off:
            return None
        name = os.fsencode(lookup.path)
        try:
            row = self._db.execute("SELECT stamp, sha256, mac FROM files WHERE path = ?", (name,)).fetchone()
        except sqlite3.Error as error:
            self._fail(error, "读取")
            return None
        if row is None or row[0] != lookup.stamp:
            return None  # not recorded, or changed since: read and hashed again, whatever the row says
        stamp, sha256, tag = row
        if type(sha256) is str and type(tag) is bytes and self._sealer.verify(tag, *_file_parts(name, stamp, sha256)):
            return sha256
        self._reject(lookup.name)
        return None

    def record_hash(self, path: str, stamp: str, sha256: str) -> None:
        """Record that the file at ``path`` had ``stamp`` when its bytes hashed to ``sha256``."""
        if self._shared.off or not stamp or not sha256:
            return
        name = os.fsencode(path)
        try:
            self._db.execute("INSERT OR REPLACE INTO files (path, stamp, sha256, mac) VALUES (?, ?, ?, ?)",
                             (name, stamp, sha256, self._sealer.mac(*_file_parts(name, stamp, sha256))))
        except sqlite3.Error as error:
            self._fail(error, "写入")

    def put(self, doc: DocumentResult, *, line: tuple[str, bytes] | None = None) -> None:
        """Store ``doc`` under its own ``sha256`` and name (results without a hash are not stored).

        ``line``: ``(variant, text)``, the report line printed for ``doc``, kept beside it.
        """
        if not doc.sha256 or self._shared.off:
            return
        key = entry_key(doc.sha256, doc.path, self.digest)
        blob = pack(json.dumps(document_to_dict(doc), ensure_ascii=False).encode("utf-8"))
        tag = self._sealer.mac(key.encode(), blob)
        kept = self._sealed_line(key, doc, line) if line is not None else None
        variant, line_blob, line_tag, brief = kept if kept is not None else (None, None, None, None)
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO entries (key, doc, mac, variant, path, referrer, line, line_mac, brief) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, blob, tag, variant, doc.path if kept else None, doc.referrer if kept else None,
                 line_blob, line_tag, brief),
            )
        except sqlite3.Error as error:
            self._fail(error, "写入")

    def put_line(self, doc: DocumentResult, variant: str, text: bytes) -> None:
        """Keep ``text``, the report line printed for ``doc`` (a stored result) by output ``variant``.

        The stored result's own tag is checked again first: the line is kept
        only beside the result this cache wrote.
        """
        if not doc.sha256 or self._shared.off:
            return
        key = entry_key(doc.sha256, doc.path, self.digest)
        try:
            row = self._db.execute("SELECT doc, mac FROM entries WHERE key = ?", (key,)).fetchone()
            if row is None or type(row[0]) is not bytes or type(row[1]) is not bytes:
                return
            if not self._sealer.verify(row[1], key.encode(), row[0]):
                return  # changed since it was read: left for the next run to reject
            kept = self._sealed_line(key, doc, (variant, text))
            if kept is None:
                return
            # one line an entry, the last output's: a cache serves one kind of report run after run
            self._db.execute("UPDATE entries SET variant = ?, path = ?, referrer = ?, line = ?, line_mac = ?, "
                             "brief = ? WHERE key = ?", (variant, doc.path, doc.referrer, kept[1], kept[2], kept[3],
                                                         key))
        except sqlite3.Error as error:
            self._fail(error, "写入")

    def _sealed_line(self, key: str, doc: DocumentResult, line: tuple[str, bytes]) -> tuple[str, bytes, bytes, str] | None:
        """``(variant, stored line, its tag, brief)`` for ``doc``'s line (UTF-8 bytes)."""
        variant, text = line
        brief = stored_brief(Brief.of(doc))
        line_blob = pack(text)
        try:
            return variant, line_blob, self._sealer.mac(*_line_parts(key, variant, doc.path, doc.referrer,
                                                                     line_blob, brief)), brief
        except UnicodeEncodeError:
            return None  # a name no report could print either (display_name prevents it): not kept, only slower

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
        if is_damage(error):
            aside = set_aside(shared.directory)
            shared.say(f"缓存数据库已损坏（{error}），已移到 {aside}，本次其余文件不用缓存 / "
                       f"damaged cache set aside, running on without it")
        else:
            shared.say(f"无法{action}缓存（{error}），本次其余文件不用缓存，结果不受影响 / "
                       f"cache {'read' if action == '读取' else 'write'} failed, running on without it")


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


def _line_parts(key: str, variant: str, path: str, referrer: str, line: bytes, brief: str) -> tuple[bytes, ...]:
    """What a kept line's HMAC covers: the entry, the output, the name it was printed for, the line and the
    result's brief."""
    return key.encode(), b"line", variant.encode(), path.encode(), referrer.encode(), line, brief.encode()


# A result with a verdict and nothing else to count (most of a website) has the verdict alone as its brief.
_PLAIN_BRIEFS = {verdict.value: Brief(verdict=verdict) for verdict in Verdict}


def stored_brief(brief: Brief) -> str:
    """A brief as stored beside a line: the verdict's name alone when that is all, else its JSON."""
    if not (brief.categories or brief.errors or brief.suppressed):
        return brief.verdict.value
    return json.dumps(brief_to_dict(brief), ensure_ascii=False)


def read_brief(text: str) -> Brief:
    """The inverse of :func:`stored_brief`.  Raises ``ValueError`` / ``KeyError`` / ``TypeError`` when malformed."""
    plain = _PLAIN_BRIEFS.get(text)
    return plain if plain is not None else brief_from_dict(json.loads(text))


def _file_parts(path: bytes, stamp: str, sha256: str) -> tuple[bytes, ...]:
    """What a stat index row's HMAC covers: the file's path, its stamp and the hash of its bytes."""
    return b"file", path, stamp.encode(), sha256.encode()
