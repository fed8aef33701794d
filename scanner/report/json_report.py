"""``json``: the machine-readable report; its shape is a contract other tools rely on.

Shape (keys sorted, ``ensure_ascii=False``)::

    {"version", "catalogue", "model", "documents": [document_to_dict(...)], "summary"}

plus ``"timestamp"`` only when :attr:`ReportOptions.timestamp` is given, and
``location.cell`` (``Sheet1!C12``) for a finding in a spreadsheet cell.  The
published schema is ``docs/schema/report-v1.schema.json``.
The values are :mod:`scanner.serial`'s (the same a cache entry or a journal
line holds); this module adds only presentation: the keys the contract
leaves out when empty, the risk rounded, findings in reading order with
their context window and spreadsheet cell, redaction.  Documents are sorted by path and findings in reading order, so the same
scan always renders to the same text.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.report.common import (
    ReportOptions,
    context_text,
    documents_by_path,
    ordered_findings,
    redact,
    sheet_cell,
    suppressed_total,
)
from scanner.serial import coverage_to_dict, finding_to_dict
from scanner.types import DocumentResult, Finding, ScanResult


def render(result: ScanResult, options: ReportOptions) -> str:
    payload: dict[str, Any] = {
        "version": result.version,
        "catalogue": result.catalogue_hash,
        "model": result.model_hash,
        "documents": [
            document_to_dict(doc, context_chars=options.context_chars)
            for doc in documents_by_path(result.documents)
        ],
        "summary": summary_with_suppressed(result),
    }
    if options.timestamp is not None:
        payload["timestamp"] = options.timestamp
    if options.redact_excerpts:
        for document in payload["documents"]:
            redact_document(document)
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def redact_document(document: dict[str, Any]) -> dict[str, Any]:
    """``--redact-excerpts`` in machine output: each finding's matched text masked wherever it is quoted.

    The text, and the context, message and evidence that may quote it, as
    the text and HTML reports mask them (:func:`~scanner.report.common.redact`);
    the location, rule and fingerprint stay, so a tool still knows where to look.
    """
    for finding in document.get("findings", ()):
        secret = str(finding.get("text") or "").strip()
        if not secret:
            continue
        hidden = redact(secret)
        finding["text"] = str(finding["text"]).replace(secret, hidden)
        for key in ("context", "message"):
            finding[key] = str(finding.get(key) or "").replace(secret, hidden)
        finding["evidence"] = [str(item).replace(secret, hidden) for item in finding.get("evidence", ())]
    return document


def document_to_dict(doc: DocumentResult, *, context_chars: int | None = None) -> dict[str, Any]:
    """One document as the contract's plain dict (shared with ``jsonl``).

    ``referrer`` (the page that linked to a crawled document) is added only
    when there is one, so file scans keep exactly the contract's keys;
    ``coverage`` (the ledger of the container's parts: name, kind, status
    read|partial|unread|listed, reason) only for formats that have parts.
    """
    data: dict[str, Any] = {
        "path": doc.path,
        "format": doc.format,
        "verdict": doc.verdict.value,
        "risk": round(float(doc.risk), 4),
        "sha256": doc.sha256,
        "title": doc.title,
        "findings": [_finding_to_dict(doc, f, context_chars) for f in ordered_findings(doc)],
        "errors": list(doc.errors),
    }
    if doc.referrer:
        data["referrer"] = doc.referrer
    if doc.coverage:
        data["coverage"] = [coverage_to_dict(entry) for entry in doc.coverage]
    if doc.suppressed:
        data["suppressed"] = doc.suppressed  # findings a baseline accepted, not listed
    return data


def summary_with_suppressed(result: ScanResult) -> dict[str, int]:
    """The verdict counts, plus ``suppressed`` (findings hidden by a baseline) when there are any."""
    summary = dict(result.summary)
    total = suppressed_total(result)
    if total:
        summary["suppressed"] = total
    return summary


def _finding_to_dict(doc: DocumentResult, finding: Finding, context_chars: int | None) -> dict[str, Any]:
    data = finding_to_dict(finding, context=context_text(doc, finding, context_chars))
    cell = sheet_cell(doc, finding)
    if cell is not None:  # a spreadsheet cell, when the result carries its text units
        data["location"]["cell"] = cell
    return data
