"""What to scan: the files named on the command line, their names as reports show them, and the batch options as given.

Kept apart from :mod:`scanner.batch` so that ``scan draft.docx``, which is
scanned in-process, never imports the worker machinery (multiprocessing,
selectors, pickle: 15-20 ms of a cold start).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIMEOUT = 60.0
# OCR of one A4 page at 200 dpi takes the engine ~1 GB of address space
# (bench/bench_ocr.py: 967 MB peak); text formats stay far below
DEFAULT_MAX_MEMORY_MB = 1500


@dataclass(frozen=True, kw_only=True)
class Uncovered:
    """An input the scan did not cover, and why (``中文原因 / English reason``).

    A directory that cannot be listed, a symbolic link not followed: each
    becomes a ``review`` result naming it, in every output format, so a
    batch never ends "0 to review" over what it did not read (issue #21).
    """

    path: Path
    reason: str


def unlisted_reason(error: OSError) -> str:
    what = error.strerror or str(error)
    return f"目录无法列出（{what}），其中的文件未经审查 / cannot list directory ({what}): its files were not scanned"


def link_reason(target: str) -> str:
    return (
        f"符号链接指向扫描目录之外（{target}），未跟随，未经审查；如需扫描请加 --follow-symlinks "
        f"/ symbolic link leads out of the scanned tree ({target}): not followed"
    )


def display_name(path: str | os.PathLike[str]) -> str:
    """A path as text that every report can hold.

    A name that is not valid UTF-8 (a GBK-named file from an old Windows
    share) arrives with surrogate escapes, which JSON, HTML and docx cannot
    encode.  Each such component is decoded as GB18030 (a superset of GBK)
    where it is valid GB18030, so the clerk reads 机密文件.txt; bytes valid in
    neither are shown as ``\\xNN``.
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, arrived as surrogate escapes
        return "/".join(_component_name(part) for part in os.fsencode(text).split(b"/"))
    return text  # valid UTF-8 on disk, so each component decodes back to itself (nearly every name)


def _component_name(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def iter_files(
    paths: Iterable[Path],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    follow_symlinks: bool = False,
    uncovered: list[Uncovered] | None = None,
) -> Iterator[Path]:
    """Files named directly, then every file under each directory, sorted.

    Symbolic links inside a directory are followed only where they stay in
    the tree being scanned (the directory given): a link to a file there is
    yielded (each real file once), a link to a directory there is not
    entered (its files are reached where they really are, and a loop is no
    loop).  A link leading out of the tree is not followed unless
    ``follow_symlinks`` (then its directory is walked too, each real
    directory once).  A broken link is yielded, so the pipeline reports it
    unreadable.  What is not followed, and every directory that cannot be
    listed, is appended to ``uncovered`` as an :class:`Uncovered`.

    ``include`` / ``exclude`` are glob patterns for files found under a
    directory, matched against the path relative to that directory (POSIX
    separators) and against the base name; a directory matching ``exclude``
    is not entered.  With ``include`` given, only matching files are kept.
    Files named directly are always yielded: the user asked for them.
    """
    for name in iter_file_names(paths, include=include, exclude=exclude, follow_symlinks=follow_symlinks,
                                uncovered=uncovered):
        yield Path(name)


def iter_file_names(
    paths: Iterable[Path],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    follow_symlinks: bool = False,
    uncovered: list[Uncovered] | None = None,
) -> Iterator[str]:
    """:func:`iter_files` as the names the file system gives (``str``), for a batch of many files.

    A ``Path`` a file took a third of walking a folder of small files.
    """
    seen: set[str] = set()
    skipped = uncovered if uncovered is not None else []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            yield from _walk(path, include, exclude, follow_symlinks, seen, skipped)
        else:
            key = _identity(path)
            if key not in seen:
                seen.add(key)
                yield os.fspath(path)


def _walk(top: Path, include: Sequence[str], exclude: Sequence[str], follow_symlinks: bool,
          seen: set[str], skipped: list[Uncovered]) -> Iterator[str]:
    """The files under ``top`` in :func:`os.walk`'s top-down order (each folder's files, then its folders).

    Walked with :func:`os.scandir` rather than ``os.walk``: a folder's
    listing says which entries are links (``d_type``), where ``os.walk``
    left an ``lstat`` a file to find out.
    """
    tree = _identity(top)
    entered = {tree}
    pending = [(os.fspath(top), "")]  # folders to list, the next last: (path, its path relative to top + "/")
    while pending:
        root, prefix = pending.pop()
        listing = _listing(root, skipped)
        if listing is None:
            continue
        dirs, files = listing
        kept = []
        for name, is_link in dirs:
            if _matches(prefix + name, name, exclude):
                continue
            candidate = os.path.join(root, name)
            if is_link:
                real = _identity(candidate)
                if not follow_symlinks:
                    if not _inside(real, tree):
                        skipped.append(Uncovered(path=Path(candidate), reason=link_reason(real)))
                    continue
                if real in entered:
                    continue  # a loop, or a directory already walked
                entered.add(real)
            kept.append((candidate, prefix + name + "/"))
        # A file's real path is its folder's plus its name unless it is a link itself:
        # one realpath() a folder, not one a file (it costs a stat per path component).
        real_root = _identity(root)
        for name, is_link in files:
            relative = prefix + name
            if exclude and _matches(relative, name, exclude):
                continue
            if include and not _matches(relative, name, include):
                continue
            candidate = os.path.join(root, name)
            if is_link:
                key = _identity(candidate)
                if not follow_symlinks and os.path.exists(key) and not _inside(key, tree):
                    skipped.append(Uncovered(path=Path(candidate), reason=link_reason(key)))
                    continue
            else:
                key = os.path.join(real_root, name)
            if key not in seen:
                seen.add(key)
                yield candidate
        pending.extend(reversed(kept))


def _listing(directory: str, skipped: list[Uncovered]) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]] | None:
    """A folder's (name, is a link) pairs, folders and the rest apart, sorted; ``None`` when it cannot be listed.

    Sorted the way ``os.walk`` does it: what leads to a folder (a link to
    one too) is a folder, anything else (a broken link, a link to a file) a
    file.  A folder that cannot be listed is appended to ``skipped``.
    """
    dirs: list[tuple[str, bool]] = []
    files: list[tuple[str, bool]] = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                try:
                    is_link = entry.is_symlink()
                except OSError:  # as os.path.islink: not known to be a link
                    is_link = False
                (dirs if is_dir else files).append((entry.name, is_link))
    except OSError as error:
        skipped.append(Uncovered(path=Path(error.filename or directory), reason=unlisted_reason(error)))
        return None
    dirs.sort()
    files.sort()
    return dirs, files


def _inside(real: str, tree: str) -> bool:
    return real == tree or real.startswith(tree.rstrip(os.sep) + os.sep)


def _matches(relative: str, name: str, patterns: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(name, pattern)
        or fnmatch.fnmatchcase(relative, pattern.rstrip("/") + "/*")
        for pattern in patterns
    )


def _identity(path: str | Path) -> str:
    try:
        return os.path.realpath(path)
    except OSError:
        return str(path)


@dataclass(frozen=True, kw_only=True)
class BatchRequest:
    """The batch options of ``scan`` as given (see ``cli.py``)."""

    paths: tuple[Path, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    from_file: str | None = None
    crawl_url: str | None = None
    max_depth: int = 3
    max_pages: int = 1000
    delay: float = 0.5
    crawl_concurrency: int = 2
    jobs: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_memory: int = DEFAULT_MAX_MEMORY_MB
    no_cache: bool = False
    rehash: bool = False  # --rehash: every file read and hashed, whatever the cache's stat index says
    cache_dir: Path | None = None
    resume: Path | None = None
    engine: str = "local"
    address: str = ""
    fmt: str = "text"
    explain: bool = False  # -v: results keep their text, so the dropped candidates can be listed
    redact: bool = False  # --redact-excerpts: the jsonl lines written as files finish are masked too
    output: Path | None = None
    follow_symlinks: bool = False
    crawl_timeout: float = 3600.0
    # the caller wants the batch's results after it (--baseline-create); a report other than jsonl needs
    # them too (batch.command adds that), and a jsonl run without either keeps only its summary
    keep_documents: bool = True

    def is_batch(self) -> bool:
        """One plain file with no batch option is scanned in-process, as before; anything else is a batch."""
        from scanner.warc import is_warc

        if self.crawl_url or self.from_file or self.include or self.exclude or self.resume:
            return True
        if self.jobs is not None or self.engine != "local":
            return True
        return len(self.paths) > 1 or any(path.is_dir() or is_warc(path) for path in self.paths)

    def streams_to_journal(self) -> bool:
        """``--resume F --format jsonl -o F``: the journal is the report."""
        return bool(self.resume and self.output and _same_file(self.resume, self.output))


def _same_file(a: Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)
