"""What to scan: the files named on the command line, and the batch options as given.

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


def iter_files(
    paths: Iterable[Path],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Iterator[Path]:
    """Files named directly, then every file under each directory, sorted.

    Symbolic links to directories are not followed (no loops); a link to a
    file is yielded, so a broken link is reported as unreadable by the
    pipeline rather than silently skipped.  Each real file is yielded once.

    ``include`` / ``exclude`` are glob patterns for files found under a
    directory, matched against the path relative to that directory (POSIX
    separators) and against the base name; a directory matching ``exclude``
    is not entered.  With ``include`` given, only matching files are kept.
    Files named directly are always yielded: the user asked for them.
    """
    seen: set[str] = set()
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            for root, dirs, files in os.walk(path, followlinks=False):
                relative_root = os.path.relpath(root, path)
                prefix = "" if relative_root == "." else relative_root.replace(os.sep, "/") + "/"
                dirs[:] = sorted(d for d in dirs if not _matches(prefix + d, d, exclude))
                # A file's real path is its folder's plus its name unless it is a link itself:
                # one realpath() a folder, not one a file (it costs a stat per path component).
                real_root = _identity(Path(root))
                for name in sorted(files):
                    relative = prefix + name
                    if exclude and _matches(relative, name, exclude):
                        continue
                    if include and not _matches(relative, name, include):
                        continue
                    candidate = os.path.join(root, name)
                    key = _identity(Path(candidate)) if os.path.islink(candidate) else os.path.join(real_root, name)
                    if key not in seen:
                        seen.add(key)
                        yield Path(candidate)
        else:
            key = _identity(path)
            if key not in seen:
                seen.add(key)
                yield path


def _matches(relative: str, name: str, patterns: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(name, pattern)
        or fnmatch.fnmatchcase(relative, pattern.rstrip("/") + "/*")
        for pattern in patterns
    )


def _identity(path: Path) -> str:
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
    cache_dir: Path | None = None
    resume: Path | None = None
    engine: str = "local"
    address: str = ""
    fmt: str = "text"
    output: Path | None = None

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
