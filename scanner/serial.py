"""Results as plain JSON values and back: the one serialisation of a :class:`~scanner.types.DocumentResult`.

Everything that stores or reads a result uses it: the result cache
(:mod:`scanner.cache`), the ``--resume`` journal
(:mod:`scanner.batch.journal`), the review service's store
(:mod:`scanner.service.store`), ``clean``'s proof
(:mod:`scanner.clean.proof`) and the ``json``/``jsonl`` renderers, which add
only presentation on top (reading order, the risk rounded, the context
window, a spreadsheet cell, redaction).  One module, so that a field added
to a type is written and read back in one place, and the cache never imports
a renderer.

Two forms of a document:

* the **stored** form (:func:`document_to_dict`): every field not at its
  default, text units included, plus ``"serial": VERSION``;
* a **report line** (``json``/``jsonl``, the contract in
  ``docs/schema/report-v1.schema.json``): no ``serial``, no units; read back
  by the same :func:`document_from_dict` (``--resume`` reads a jsonl report),
  the missing keys getting their defaults.

A record of another serial version is refused (``ValueError``), never half
read: its reader rescans.  Version 1 is the shape stored before the version
was written, so a record without ``serial`` reads as version 1.

A type's fields are listed once each (:data:`LOCATION_FIELDS` and the
functions below); ``tests/test_serial.py`` checks that every field of each
type is listed, so a new field (a finding's ``box``, say) fails the tests
until it is one more line here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.types import (
    Brief,
    DocumentResult,
    Finding,
    Location,
    PartCoverage,
    Severity,
    TextUnit,
    Verdict,
    without_init,
)

VERSION = 1
# by value: a dict look-up, where calling the Enum took a fifth of reading a small result back
_VERDICTS = {verdict.value: verdict for verdict in Verdict}
_SEVERITIES = {severity.value: severity for severity in Severity}


@dataclass(frozen=True, kw_only=True)
class Field:
    """How one field of a type is written and read back.

    ``always``: the key is written even when the value is its default (the
    contract requires it); otherwise only when set, so documents without the
    field keep exactly their old keys.  ``read`` turns the JSON value back
    into the field's type (lists into tuples, ints checked).
    """

    name: str
    read: Callable[[Any], Any]
    default: Any
    always: bool = True


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _box(value: Any) -> tuple[float, float, float, float] | None:
    """An OCR box read back; raises ``ValueError`` / ``TypeError`` for anything but four numbers."""
    if value is None:
        return None
    x0, y0, x1, y1 = (float(number) for number in value)
    return (x0, y0, x1, y1)


def _plain(value: Any) -> Any:
    """A field's value as JSON has it: tuples as lists (recursively), the rest as they are."""
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


# Location's fields, in the contract's order.  A new field of Location is one line here.
LOCATION_FIELDS = (
    Field(name="part", read=_text, default="body"),
    Field(name="page", read=_optional_int, default=None),
    Field(name="paragraph", read=_optional_int, default=None),
    Field(name="start", read=int, default=0),
    Field(name="end", read=int, default=0),
    Field(name="source", read=_text, default=""),
    Field(name="cell", read=_text, default="", always=False),
    Field(name="box", read=_box, default=None, always=False),  # OCR lines only (#25)
)


def location_to_dict(location: Location) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for spec in LOCATION_FIELDS:
        value = getattr(location, spec.name)
        if spec.always or value != spec.default:
            data[spec.name] = _plain(value)
    return data


def location_from_dict(data: Mapping[str, Any]) -> Location:
    return Location(**{spec.name: spec.read(data[spec.name]) if spec.name in data else spec.default
                       for spec in LOCATION_FIELDS})


def finding_to_dict(finding: Finding, *, context: str | None = None) -> dict[str, Any]:
    """One finding as the contract has it; ``context`` replaces the stored one (a renderer's window)."""
    return {
        "rule": finding.rule,
        "category": finding.category,
        "severity": finding.severity.value,
        "text": finding.text,
        "context": finding.context if context is None else context,
        "location": location_to_dict(finding.location),
        "message": finding.message,
        "basis": finding.basis,
        "evidence": list(finding.evidence),
        "fingerprint": finding.fingerprint,
    }


def finding_from_dict(data: Mapping[str, Any]) -> Finding:
    """Raises ``KeyError`` / ``ValueError`` / ``TypeError`` on a malformed record."""
    return Finding(
        rule=_text(data["rule"]),
        category=_text(data["category"]),
        severity=_SEVERITIES[data["severity"]],
        text=_text(data.get("text", "")),
        context=_text(data.get("context", "")),
        location=location_from_dict(data.get("location", {})),
        message=_text(data.get("message", "")),
        basis=_text(data.get("basis", "")),
        evidence=tuple(_text(item) for item in data.get("evidence", ())),
        fingerprint=_text(data.get("fingerprint", "")),
    )


def coverage_to_dict(entry: PartCoverage) -> dict[str, str]:
    return {"name": entry.name, "kind": entry.kind, "status": entry.status, "reason": entry.reason}


def coverage_from_dict(data: Mapping[str, Any]) -> PartCoverage:
    return PartCoverage(name=_text(data["name"]), kind=_text(data["kind"]), status=_text(data["status"]),
                        reason=_text(data.get("reason", "")))


def unit_to_dict(unit: TextUnit) -> dict[str, Any]:
    return {
        "text": unit.text,
        "part": unit.part,
        "page": unit.page,
        "paragraph": unit.paragraph,
        "source": unit.source,
        "cell": list(unit.cell) if unit.cell is not None else None,
        **({"box": list(unit.box)} if unit.box is not None else {}),
        **({"seal": True} if unit.seal else {}),
    }


def unit_from_dict(data: Mapping[str, Any]) -> TextUnit:
    cell = data.get("cell")
    if cell is not None:
        row, column = cell  # exactly two
        cell = (int(row), int(column))
    return TextUnit(
        text=_text(data["text"]),
        part=_text(data.get("part", "body")),
        page=_optional_int(data.get("page")),
        paragraph=_optional_int(data.get("paragraph")),
        source=_text(data.get("source", "")),
        cell=cell,
        box=_box(data.get("box")),
        seal=bool(data.get("seal", False)),
    )


def document_to_dict(doc: DocumentResult) -> dict[str, Any]:
    """The stored form: every field of the result that is not at its default, text units included, and the version.

    Empty lists, ``None`` pages and the like are left out (a reader gives
    them back): most results of a website have no findings, and a cached
    re-run reads ten thousand of them.
    """
    data: dict[str, Any] = {
        "serial": VERSION,
        "path": doc.path,
        "format": doc.format,
        "verdict": doc.verdict.value,
        "risk": doc.risk,
        "sha256": doc.sha256,
    }
    if doc.findings:
        data["findings"] = [finding_to_dict(finding) for finding in doc.findings]
    if doc.errors:
        data["errors"] = list(doc.errors)
    if doc.title:
        data["title"] = doc.title
    if doc.pages is not None:
        data["pages"] = doc.pages
    if doc.layers:
        data["layers"] = list(doc.layers)
    if doc.coverage:
        data["coverage"] = [coverage_to_dict(entry) for entry in doc.coverage]
    if doc.units:
        data["units"] = [unit_to_dict(unit) for unit in doc.units]
    if doc.referrer:
        data["referrer"] = doc.referrer
    if doc.suppressed:
        data["suppressed"] = doc.suppressed
    return data


def document_from_dict(data: Mapping[str, Any]) -> DocumentResult:
    """The inverse of :func:`document_to_dict`; also reads a ``json``/``jsonl`` report's document.

    Keys left out (empty values, and what a report line does not carry:
    units, pages, layers) get their defaults.  Raises ``KeyError`` /
    ``ValueError`` / ``TypeError`` on a malformed record or one of another
    serial version.
    """
    version = data.get("serial", VERSION)
    if version != VERSION:
        raise ValueError(f"serial version {version!r}, this scanner reads {VERSION}")
    get = data.get
    pages = get("pages")
    findings = get("findings")
    errors = get("errors")
    layers = get("layers")
    coverage = get("coverage")
    units = get("units")
    # made without DocumentResult's __init__ (half the time of reading a small entry back); every field is here
    return without_init(DocumentResult, {
        "path": _text(data["path"]),
        "format": _text(get("format", "unknown")),
        "verdict": _VERDICTS[data["verdict"]],
        "risk": float(get("risk", 0.0)),
        "findings": tuple(finding_from_dict(item) for item in findings) if findings else (),
        "errors": tuple(_text(error) for error in errors) if errors else (),
        "sha256": _text(get("sha256", "")),
        "title": _text(get("title", "")),
        "pages": None if pages is None else int(pages),
        "layers": tuple(_text(layer) for layer in layers) if layers else (),
        "coverage": tuple(coverage_from_dict(entry) for entry in coverage) if coverage else (),
        "units": tuple(unit_from_dict(unit) for unit in units) if units else (),
        "referrer": _text(get("referrer", "")),
        "suppressed": int(get("suppressed", 0)),
    })


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    """A :class:`~scanner.types.Brief` as JSON: the verdict, and the other fields only when set."""
    data: dict[str, Any] = {"verdict": brief.verdict.value}
    if brief.categories:
        data["categories"] = list(brief.categories)
    if brief.errors:
        data["errors"] = list(brief.errors)
    if brief.suppressed:
        data["suppressed"] = brief.suppressed
    return data


def brief_from_dict(data: Mapping[str, Any]) -> Brief:
    """The inverse of :func:`brief_to_dict`.  Raises ``KeyError`` / ``TypeError`` / ``ValueError`` when malformed."""
    get = data.get
    categories = get("categories")
    errors = get("errors")
    return without_init(Brief, {
        "verdict": _VERDICTS[data["verdict"]],
        "categories": tuple(_text(category) for category in categories) if categories else (),
        "errors": tuple(_text(error) for error in errors) if errors else (),
        "suppressed": int(get("suppressed", 0)),
    })
