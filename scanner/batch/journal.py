"""The jsonl lines a batch streams, and the ``--resume`` journal read back from them."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.types import DocumentResult


def jsonl_line(doc: DocumentResult) -> str:
    """One jsonl report line (with newline) for ``doc``, plus its ``referrer`` when it has one.

    The one place batch output is formatted, so it follows the jsonl renderer.
    """
    from scanner.report.json_report import document_to_dict

    data = document_to_dict(doc)
    if doc.referrer:
        data["referrer"] = doc.referrer
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def read_journal(path: Path) -> dict[str, DocumentResult]:
    """The documents of an interrupted jsonl run, by path; a torn last line is cut off.

    A run killed half-way may leave a partial last line: the file is
    truncated after its last complete line so that appending continues
    cleanly, and that input is simply scanned again.
    """
    from scanner.cache import document_from_dict

    if not path.exists():
        return {}
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with open(path, "r+b") as journal:
            journal.truncate(end)
    done: dict[str, DocumentResult] = {}
    for line in data[:end].splitlines():
        try:
            doc = document_from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError):
            continue  # not a document line: that input is rescanned
        done[doc.path] = doc
    return done


