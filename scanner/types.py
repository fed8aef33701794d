"""Core value types shared by every stage of the pipeline.

Offsets are half-open ``[start, end)`` character indexes into the
**original** extracted text of one :class:`TextUnit` (never into the
normalised text).  Normalisation keeps a map back (see
:mod:`scanner.normalize`), so a finding always points at what the user sees.

All types are frozen, keyword-only dataclasses: positional construction
invites swapped fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields
from enum import Enum
from typing import Any, TypeVar, overload

T = TypeVar("T")


def without_init(cls: type[T], values: dict[str, Any]) -> T:
    """``cls(**values)`` for a frozen dataclass, made without its generated ``__init__``.

    That ``__init__`` sets each field through ``object.__setattr__`` (about
    0.2 µs a field), and the pipeline makes some of these objects per line
    of a text file.  ``values`` must hold every field, defaults included,
    and nothing else; the object equals the constructor's (the property
    tests compare them field by field).
    """
    made = object.__new__(cls)
    object.__setattr__(made, "__dict__", values)
    return made


class Severity(str, Enum):
    """How much a finding weighs in the verdict, from strongest to weakest."""

    BLOCK = "block"
    REVIEW = "review"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.BLOCK: 2, Severity.REVIEW: 1, Severity.INFO: 0}


class Verdict(str, Enum):
    BLOCK = "block"
    REVIEW = "review"
    PASS = "pass"


CATEGORIES = (
    "classified-marking",
    "internal-marking",
    "personal-info",
    "sensitive-content",
    "hidden-content",
    "redaction-failure",
    "unreadable",
)

# Where a piece of text lives inside its document.  Extractors must use one of
# these; renderers translate them to Chinese.
PARTS = (
    "body",
    "header",
    "footer",
    "table",
    "textbox",
    "footnote",
    "endnote",
    "comment",
    "deleted",
    "inserted",
    "hidden",
    "metadata",
    "notes",
    "annotation",
    "form",
    "outline",
    "attachment",
    "sheet",
    "slide",
    "alt-text",
    "embedded",
    "smartart",
    "chart",
    "altchunk",
    "master",
    "revision",
    "noscript",
    "script-data",
    "data-uri",
    "ocr",
)
# Parts that name one of many: ``embedded:<name>`` (an object inside the
# document), ``revision:<n>`` (an earlier revision of a PDF).  The name
# before the colon is in PARTS.
NAMED_PARTS = ("embedded", "revision")


def part_kind(part: str) -> str:
    """``revision:2`` -> ``revision``; a plain part is its own kind."""
    return part.partition(":")[0]


@dataclass(frozen=True, kw_only=True)
class TextUnit:
    """One run of extracted text with its place in the document.

    ``page`` and ``paragraph`` are 1-based; ``None`` where the format has no
    such notion.  ``source`` names the sub-part for a reader (``word/header2.xml``,
    a sheet name, a URL); ``cell`` is ``(row, column)`` (0-based) for table text.

    ``box`` is where an OCR line stands, ``(x0, y0, x1, y1)`` with the origin
    top left: PDF points on the page for a picture placed on a PDF page,
    pixels of the image for a picture file or a picture without a place
    (see :attr:`Location.box`); ``None`` for text that is not OCR's.
    ``seal`` says the line was read inside a red seal (印章): a stamp, judged
    as a mark wherever it stands on the page.
    """

    text: str
    part: str = "body"
    page: int | None = None
    paragraph: int | None = None
    source: str = ""
    cell: tuple[int, int] | None = None
    box: tuple[float, float, float, float] | None = None
    seal: bool = False


# TextUnit's defaults, in field order, for units made without its __init__
_UNIT_DEFAULTS = {
    unit_field.name: unit_field.default for unit_field in fields(TextUnit) if unit_field.default is not MISSING
}


class LazySequence(Sequence[T]):
    """A sequence whose items are made on first access (by :meth:`_make`) and then kept.

    ``lazy[i] is lazy[i]``; a slice is a list of the items, made as needed.
    """

    __slots__ = ("_made",)

    def __init__(self, length: int) -> None:
        self._made: list[T | None] = [None] * length

    def _make(self, index: int) -> T:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._made)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self._made)))]
        if index < 0:
            index += len(self._made)
        if not 0 <= index < len(self._made):
            raise IndexError(f"{type(self).__name__} index out of range")
        item = self._made[index]
        if item is None:
            item = self._made[index] = self._make(index)
        return item


class LineUnits(LazySequence[TextUnit]):
    """The units of a plain-text document, a body unit per line, each made when first asked for.

    ``texts[i]`` is unit ``i``'s text, ``numbers[i]`` its line number (its
    paragraph) and ``pages[i]`` its page (``None`` for every unit when
    ``pages`` is ``None``).  The pipeline reads a document through the joined
    text of its units and looks at single units only where something was
    found, so most of these objects were never needed: making one per line
    was a tenth of the time of a scan.  A unit made here equals
    ``TextUnit(text=..., page=..., paragraph=...)``, and a :class:`LineUnits`
    equals any sequence of the same units (a tuple from a cache, say).
    """

    __slots__ = ("numbers", "pages", "texts")
    parts = frozenset({"body"})  # the part of every unit

    def __init__(
        self, texts: Sequence[str], numbers: Sequence[int], pages: Sequence[int | None] | None = None
    ) -> None:
        if len(texts) != len(numbers) or (pages is not None and len(pages) != len(texts)):
            raise ValueError("texts, numbers and pages differ in length")
        super().__init__(len(texts))
        self.texts = texts
        self.numbers = numbers
        self.pages = pages

    def _make(self, index: int) -> TextUnit:
        # TextUnit(text=..., page=..., paragraph=...), without its __init__:
        # the frozen dataclass's checks are most of the cost of a unit, and
        # a text file has one per line
        return without_init(TextUnit, {
            "text": self.texts[index],
            **_UNIT_DEFAULTS,
            "page": self.pages[index] if self.pages is not None else None,
            "paragraph": self.numbers[index],
        })

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(mine == theirs for mine, theirs in zip(self, other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"LineUnits({len(self)} lines)"

    def __reduce__(self) -> tuple[type[LineUnits], tuple[Sequence[str], Sequence[int], Sequence[int | None] | None]]:
        return LineUnits, (self.texts, self.numbers, self.pages)


def unit_texts(units: Sequence[TextUnit]) -> Sequence[str]:
    """The text of every unit, without making the units of a :class:`LineUnits`."""
    return units.texts if isinstance(units, LineUnits) else [unit.text for unit in units]


def unit_parts(units: Sequence[TextUnit]) -> frozenset[str]:
    """The parts the units belong to, without making the units of a :class:`LineUnits`."""
    return LineUnits.parts if isinstance(units, LineUnits) else frozenset(unit.part for unit in units)


@dataclass(frozen=True, kw_only=True)
class Notice:
    """Something an extractor saw that is a finding by itself, not text.

    ``kind`` says what was seen (a :class:`scanner.roles.NoticeKind`: a
    failed redaction, an embedded image whose text cannot be read, a hidden
    sheet); the catalogue knows which rule it raises
    (:meth:`scanner.catalogue.Catalogue.for_notice`).  ``text`` is the text
    concerned, if any; ``detail`` a short human-readable note (the box of a
    redaction, the name of an embedded object).
    """

    kind: str
    text: str = ""
    part: str = "body"
    page: int | None = None
    paragraph: int | None = None
    source: str = ""
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class Extraction:
    """Everything an extractor read from one file.

    ``errors`` are human-readable reasons why something could not be read;
    any error means the document was not read completely, and the decision
    policy will never let it ``pass``.  ``layers`` lists the non-body layers
    found (for example ``("comment", "deleted")``) even when they are empty
    of text, so the report can say what was inspected.
    """

    format: str
    units: Sequence[TextUnit] = ()  # a tuple, or LineUnits for plain text
    errors: tuple[str, ...] = ()
    title: str = ""
    pages: int | None = None
    layers: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = ()
    # every part/object of the container and whether its text was read
    coverage: tuple[PartCoverage, ...] = ()
    # documents inside this one (archive members, attachments, OLE objects,
    # altChunks): the pipeline scans each with the same stages, recursively
    embedded: tuple[Embedded, ...] = ()
    # pictures that may hold text, for the OCR stage
    images: tuple[ImageRef, ...] = ()


COVERAGE_STATUSES = ("read", "partial", "unread", "listed")


@dataclass(frozen=True, kw_only=True)
class PartCoverage:
    """One part or object of a container, and how far its text was read.

    ``name`` is its name inside the container (``word/header3.xml``, ``page 2
    content stream 5``, ``<noscript> #3``, a zip member); ``kind`` what it is
    (``header``, ``chart``, ``smartart``, ``font``, ``image``, ``member``…);
    ``status`` one of :data:`COVERAGE_STATUSES` — ``listed`` for an object
    that holds no text of its own (an image handed to OCR, a style part);
    ``reason`` says why a part was read only in part or not at all.
    """

    name: str
    kind: str
    status: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Embedded:
    """A document inside a document, scanned recursively by the pipeline.

    ``name`` is its own file name (``附件2.docx``), used as the extractor's
    hint; ``part``/``page``/``source`` say where it sits in its container.
    """

    name: str
    data: bytes = field(repr=False)
    part: str = "embedded"
    page: int | None = None
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class ImageRef:
    """A picture inside a document that could hold text.

    ``box`` is ``(x0, y0, x1, y1)`` in page coordinates (points, origin top
    left) where the format has pages, else ``None``; ``page_size`` is
    ``(width, height)`` of that page.
    """

    name: str
    data: bytes = field(repr=False)
    part: str = "body"
    page: int | None = None
    box: tuple[float, float, float, float] | None = None
    page_size: tuple[float, float] | None = None
    source: str = ""
    # flow formats (docx) without page geometry: the index in Extraction.units
    # before which the picture's text belongs
    anchor: int | None = None


@dataclass(frozen=True, kw_only=True)
class Location:
    """Where a finding is: its layer (``part``), page, paragraph, span and sub-part.

    ``cell`` is the spreadsheet cell the text is in, as a reader names it
    (``Sheet1!C12``), set for the units of spreadsheet formats; ``""``
    elsewhere (a Word table's cells are located by paragraph).

    ``box`` is the OCR line's box ``(x0, y0, x1, y1)``, origin top left, in
    PDF points of the page for a picture on a PDF page and in pixels of the
    image otherwise (a picture file, a picture in a flow document); ``None``
    for text that was not read by OCR.  It is never part of a fingerprint.
    """

    part: str
    page: int | None = None
    paragraph: int | None = None
    start: int = 0
    end: int = 0
    source: str = ""
    cell: str = ""
    box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One reason to hold a document back, explained.

    ``evidence`` records why the finding fired and why it has its severity
    (position, context words, validator result), in the reviewer's language.
    ``fingerprint`` is a stable identity built from the rule and the
    normalised matched text plus context, never from a line number.
    """

    rule: str
    category: str
    severity: Severity
    text: str
    context: str
    location: Location
    message: str
    basis: str
    evidence: tuple[str, ...] = ()
    fingerprint: str = ""


@dataclass(frozen=True, kw_only=True)
class DocumentResult:
    path: str
    format: str
    verdict: Verdict
    risk: float
    findings: tuple[Finding, ...] = ()
    errors: tuple[str, ...] = ()
    sha256: str = ""
    title: str = ""
    pages: int | None = None
    layers: tuple[str, ...] = ()
    # every part of the container and whether its text was read (Extraction.coverage)
    coverage: tuple[PartCoverage, ...] = ()
    units: Sequence[TextUnit] = field(default=(), compare=False, repr=False)
    # The page that linked to this document when it was found by a crawl.
    referrer: str = ""
    # Findings left out because a baseline (``--baseline``) accepted them, members' included.
    suppressed: int = 0


@dataclass(frozen=True, kw_only=True)
class Brief:
    """What a batch's summary and progress take from a result: its verdict, findings' categories, errors.

    A streamed run (``jsonl``) keeps this, not the result: a cached result
    whose report line is kept is written out and counted without being
    read back, and a run over a million files does not hold a million
    results in the parent.
    """

    verdict: Verdict
    categories: tuple[str, ...] = ()  # one per finding, in the result's order
    errors: tuple[str, ...] = ()
    suppressed: int = 0

    @classmethod
    def of(cls, doc: DocumentResult) -> Brief:
        return cls(verdict=doc.verdict, categories=tuple(finding.category for finding in doc.findings),
                   errors=doc.errors, suppressed=doc.suppressed)


@dataclass(frozen=True, kw_only=True)
class ScanResult:
    version: str
    documents: tuple[DocumentResult, ...]
    catalogue_hash: str = ""
    model_hash: str = ""

    @property
    def summary(self) -> dict[str, int]:
        counts = {"documents": len(self.documents), "pass": 0, "review": 0, "block": 0}
        for doc in self.documents:
            counts[doc.verdict.value] += 1
        return counts
