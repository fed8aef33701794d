"""Write a rendered report where the user asked: stdout, a file, or a directory (batch html/docx)."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from scanner.report import RENDERERS, ReportOptions, render_batch
from scanner.types import ScanResult


def utf8(text: str) -> bytes:
    """``text`` as UTF-8; a lone surrogate that reached a report (the extractors remove those
    they make) becomes U+FFFD instead of failing the whole report."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        from scanner.extract._common import no_surrogates

        return no_surrogates(text).encode("utf-8")


class OutputError(OSError):
    """The report could not be written where asked."""


def write_report(
    result: ScanResult,
    fmt: str,
    options: ReportOptions,
    output: Path | None,
    *,
    stdout: IO[bytes],
) -> None:
    """Render ``result`` as ``fmt`` and write it.

    For ``html`` and ``docx`` with more than one document, ``output`` is a
    directory that receives an overview plus one report per document.
    Raises :class:`OutputError` (an ``OSError``) when it cannot write.
    """
    if fmt in ("html", "docx") and len(result.documents) > 1:
        if output is None:
            raise OutputError(f"批量生成 {fmt} 报告需要用 -o 指定输出目录 / -o DIR is required for a batch {fmt} report")
        output.mkdir(parents=True, exist_ok=True)
        for name, content in sorted(render_batch(result, fmt, options).items()):
            target = output / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content if isinstance(content, bytes) else utf8(content))
        return
    rendered = RENDERERS[fmt](result, options)
    data = rendered if isinstance(rendered, bytes) else utf8(rendered)
    if output is None:
        if fmt == "docx":
            raise OutputError("docx 报告需要用 -o 指定输出文件 / -o FILE is required for docx")
        stdout.write(data)
        stdout.flush()
    else:
        output.write_bytes(data)
