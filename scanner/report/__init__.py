"""Report renderers: one pure function per output format.

``RENDERERS[name](result, options)`` returns ``str`` (text formats) or
``bytes`` (``docx``).  ``html`` and ``docx`` also render a batch into
several files: :func:`render_batch` returns ``{relative name: content}``
for an output directory.  Renderers never read files; everything comes
from the :class:`~scanner.types.ScanResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from importlib import import_module

from scanner.report.common import (
    CATEGORY_LABELS,
    PART_LABELS,
    SEVERITY_LABELS,
    VERDICT_LABELS,
    ReportOptions,
    location_label,
)
from scanner.types import ScanResult

Renderer = Callable[[ScanResult, ReportOptions], "str | bytes"]
BatchRenderer = Callable[[ScanResult, ReportOptions], "dict[str, str | bytes]"]


class _Lazy(Mapping[str, Callable[..., object]]):
    """Format name -> renderer function, importing its module on first use.

    A scan renders one format; importing every renderer up front cost the
    cold start about 110 ms, nearly all of it python-docx for the docx
    renderer (a JSON report does not need it).
    """

    def __init__(self, functions: dict[str, tuple[str, str]]) -> None:
        self._functions = functions  # name -> (module in scanner.report, function)

    def __getitem__(self, name: str) -> Callable[..., object]:
        module, function = self._functions[name]
        return getattr(import_module(f"scanner.report.{module}"), function)  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)


RENDERERS: Mapping[str, Renderer] = _Lazy({
    "json": ("json_report", "render"),
    "jsonl": ("jsonl_report", "render"),
    "text": ("text_report", "render"),
    "html": ("html_report", "render"),
    "docx": ("docx_report", "render"),
    "sarif": ("sarif_report", "render"),
})  # type: ignore[assignment]

# Formats whose render() returns bytes (write them in binary, never to a terminal).
BINARY_FORMATS = frozenset({"docx"})

# Formats that write a directory (overview + one file per document) for a batch.
BATCH_RENDERERS: Mapping[str, BatchRenderer] = _Lazy({
    "html": ("html_report", "render_batch"),
    "docx": ("docx_report", "render_batch"),
})  # type: ignore[assignment]


class UnknownFormatError(ValueError):
    """No renderer has that name."""


def render_batch(result: ScanResult, fmt: str, options: ReportOptions) -> dict[str, str | bytes]:
    """Files for an output directory; formats without a batch layout give one ``report.<fmt>``."""
    if fmt in BATCH_RENDERERS:
        return BATCH_RENDERERS[fmt](result, options)
    if fmt not in RENDERERS:
        raise UnknownFormatError(f"未知的报告格式 / unknown report format: {fmt}")
    return {f"report.{fmt}": RENDERERS[fmt](result, options)}


__all__ = [
    "BATCH_RENDERERS",
    "BINARY_FORMATS",
    "CATEGORY_LABELS",
    "PART_LABELS",
    "RENDERERS",
    "SEVERITY_LABELS",
    "VERDICT_LABELS",
    "ReportOptions",
    "UnknownFormatError",
    "location_label",
    "render_batch",
]
