"""Rule and term data (YAML), shipped as package data; see scanner.catalogue.

Also the JSON tables ``scripts/build_tables.py`` derives from data, which a
cold ``scan`` reads instead of building them: :func:`read_table` and
:func:`table_bytes` are the one way they are read and written.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def read_table(name: str, format_version: int) -> dict[str, Any] | None:
    """The JSON table ``name`` shipped here, or ``None`` when it is missing, unreadable or of another format."""
    try:
        document = json.loads(resources.files(__name__).joinpath(name).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != format_version:
        return None
    return document


def table_bytes(document: dict[str, Any]) -> bytes:
    """``document`` (holding its ``format``) as a table file: UTF-8 JSON, keys in the order given."""
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
