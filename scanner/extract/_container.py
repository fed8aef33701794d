"""Documents inside documents: the collector that hands them to the pipeline, and their bounds.

Archives, mail and OLE containers do not read their members themselves:
they put each member into :attr:`Extraction.embedded` and the pipeline
scans it with the same stages, recursively (see
:func:`scanner.pipeline.analyse`).  What a hostile container may cost is
bounded three ways for the whole tree under one scanned file (issue #22):

- depth: a member more than :data:`MAX_DEPTH` containers down is not read;
- members: at most :data:`MAX_MEMBERS` documents in the whole tree;
- bytes: at most :data:`MAX_EXPANDED_BYTES` decompressed for the whole tree,
  checked *while* decompressing (a zip bomb stops at the bound, it is never
  inflated first).

A bound that is hit is an error naming what was not read, so the document
is ``review``, never ``pass``.  The budget lives in a :class:`ContextVar`
that :func:`scanner.extract.extract_bytes` renews for each top-level file,
so it spans that file's extraction and the pipeline's recursion into it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from scanner.extract._common import Collector
from scanner.types import Embedded

MAX_DEPTH = 5
MAX_MEMBERS = 2_000
MAX_EXPANDED_BYTES = 256 * 2**20


@dataclass
class Budget:
    """What is left to expand under one top-level file."""

    members: int = MAX_MEMBERS
    bytes: int = MAX_EXPANDED_BYTES


_BUDGET: ContextVar[Budget | None] = ContextVar("secscan_container_budget", default=None)


def new_budget() -> Budget:
    """Start the budget of a new top-level file (and return it)."""
    budget = Budget(members=MAX_MEMBERS, bytes=MAX_EXPANDED_BYTES)
    _BUDGET.set(budget)
    return budget


def budget() -> Budget:
    """The budget of the file being scanned (a new one if extraction started elsewhere)."""
    current = _BUDGET.get()
    return current if current is not None else new_budget()


def too_deep(name: str) -> str:
    return f"“{name}”嵌套超过 {MAX_DEPTH} 层，未读取 / {name!r} is nested more than {MAX_DEPTH} containers deep: not read"


def over_members(name: str) -> str:
    return (
        f"所含文件超过 {MAX_MEMBERS} 个，自“{name}”起未读取 "
        f"/ more than {MAX_MEMBERS} embedded files: {name!r} and the rest not read"
    )


def over_bytes(name: str) -> str:
    megabytes = MAX_EXPANDED_BYTES // 2**20
    return (
        f"解压后总大小超过 {megabytes} MB，“{name}”未读取（可能是压缩炸弹） "
        f"/ more than {megabytes} MB expanded: {name!r} not read (possible decompression bomb)"
    )


@dataclass
class ContainerCollector(Collector):
    """A :class:`Collector` that bounds the documents it hands on in :attr:`Collector.embedded`."""

    member_bytes: int = 0  # expanded so far by this container

    def room(self) -> int:
        """How many more bytes this container may expand (never negative)."""
        return max(0, budget().bytes - self.member_bytes)

    def may_embed(self, name: str) -> bool:
        """False (with the error recorded) when ``name`` may not be expanded at all."""
        if self.depth + 1 > MAX_DEPTH:
            self.error(too_deep(name))
        elif len(self.embedded) >= budget().members:
            self.error(over_members(name))
        elif self.room() <= 0:
            self.error(over_bytes(name))
        else:
            return True
        self.cover(name, "member", "unread", "bound")
        return False

    def embed(self, name: str, data: bytes, *, part: str = "attachment", source: str = "", page: int | None = None) -> None:
        """Hand ``data`` (already bounded by :meth:`room`) to the pipeline as a member named ``name``."""
        if len(data) > self.room():
            self.error(over_bytes(source or name))
            self.cover(source or name, "member", "unread", "bound")
            return
        self.member_bytes += len(data)
        self.embedded.append(Embedded(name=name, data=data, part=part, source=source or name, page=page))
        self.cover(source or name, "member", "read")
        self.extra_layers.add(part)
