"""``jsonl``: one compact JSON object per document per line.

Each line is :func:`scanner.report.json_report.document_to_dict` of one
document, so batch code can stream :func:`render_document` as files finish
and a reader can process a huge batch line by line.
"""

from __future__ import annotations

import json

from scanner.report.common import ReportOptions, documents_by_path
from scanner.report.json_report import document_to_dict, redact_document
from scanner.types import DocumentResult, ScanResult


def render(result: ScanResult, options: ReportOptions) -> str:
    return "".join(
        render_document(doc, context_chars=options.context_chars, redact=options.redact_excerpts)
        for doc in documents_by_path(result.documents)
    )


def render_document(doc: DocumentResult, *, context_chars: int | None = None, redact: bool = False) -> str:
    """One line (with its newline) for one document; ``redact``: ``--redact-excerpts``."""
    data = document_to_dict(doc, context_chars=context_chars)
    line = json.dumps(
        redact_document(data) if redact else data,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return line + "\n"
