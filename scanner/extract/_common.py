"""Helpers shared by the extractors: collecting units, layer notices, safe XML.

Every extractor fills a :class:`Collector` and turns it into an
:class:`~scanner.types.Extraction`.  The collector numbers paragraphs in
reading order and, when the extraction is finished, adds one notice per
hidden layer that holds text (so a report says "remove this layer before
publishing") without the extractor having to count anything itself.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress

from scanner.types import (
    PARTS,
    Embedded,
    Extraction,
    ImageRef,
    LineUnits,
    Notice,
    PartCoverage,
    TextUnit,
    part_kind,
    unit_parts,
    without_init,
)

# Hidden layers that must be removed before publishing, and the catalogue
# rule each one raises (see lexicons/layers.yaml).  The text of the layer is
# still returned as units, so the matchers read it like body text.
LAYER_RULES = {
    "deleted": ("HC001", "处删除修订"),
    "comment": ("HC002", "条批注"),
    "hidden": ("HC003", "处隐藏文字"),
    "notes": ("HC004", "处演讲者备注"),
    "annotation": ("HC007", "个注释"),
}
HIDDEN_SHEET_RULE = "HC005"
HIDDEN_SLIDE_RULE = "HC006"
CUSTOM_XML_RULE = "HC008"
ATTACHMENT_RULE = "HC009"
DARK_BOX_RULE = "RF001"
REDACT_ANNOT_RULE = "RF002"
EMBEDDED_IMAGE_RULE = "UR002"
UNREAD_PART_RULE = "UR003"
DECORATIVE_IMAGE_RULE = "UR004"
EARLIER_REVISION_RULE = "HC010"
SITE_TEMPLATE_RULE = "HC011"

NOTICE_TEXT_CHARS = 80

# Memory bounds for hostile input (issue #10).  A unit longer than
# MAX_UNIT_CHARS (one 2 GB line) is split into consecutive units with the
# same location, so normalising and matching never hold one giant string
# and its offset map.  Past MAX_DOCUMENT_CHARS a document's text is not
# kept: an error says so, which keeps the document from passing.  10 million
# characters is about 5,000 pages of Chinese text, far beyond any real
# document, and costs at most ~40 MB as Python strings.
MAX_UNIT_CHARS = 200_000
MAX_DOCUMENT_CHARS = 10_000_000
TRUNCATED = (
    f"文字超过 {MAX_DOCUMENT_CHARS:,} 字符，其余部分未读取 "
    f"/ text beyond {MAX_DOCUMENT_CHARS:,} characters was not read"
)


# Codecs (their ``codecs.lookup`` names) that decode bytes to a lone
# surrogate code point, which no report can encode: UTF-7 ("+2D0-") and the
# escape codecs.  The others either refuse such bytes or replace them.
_SURROGATE_CODECS = frozenset({"utf-7", "unicode-escape", "raw-unicode-escape"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def no_surrogates(text: str) -> str:
    """``text`` with a surrogate pair joined into its character and a lone surrogate made U+FFFD.

    A lone surrogate (UTF-7 text, a JSON ``\\ud800`` escape, a mail header
    decoded with ``surrogateescape``) cannot be written as UTF-8, so every
    report and the fingerprint would fail on it.
    """
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def decoded_safely(text: str, encoding: str) -> str:
    """``text`` decoded with ``encoding``, without lone surrogates where that codec can make them."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        name = encoding
    return no_surrogates(text) if name in _SURROGATE_CODECS else text


# Units (paragraphs, lines, cells, blocks) per document: past this many a
# document is read only in part.  Each unit costs a few hundred bytes through
# the pipeline, so 3 million one-character HTML blocks took 2.4 GB; 500,000
# is 50,000 rows of ten cells, far beyond a document written to be read.
MAX_DOCUMENT_UNITS = 500_000
TOO_MANY_UNITS = (
    f"文档的段落、行或单元格超过 {MAX_DOCUMENT_UNITS:,} 个，其余部分未读取 "
    f"/ more than {MAX_DOCUMENT_UNITS:,} paragraphs, lines or cells: the rest was not read"
)


class ExtractError(Exception):
    """A document (or part of it) cannot be read; the message is the reason
    in the form ``中文原因 / English reason``."""


@dataclass
class Collector:
    """Accumulates what one extractor reads from one document."""

    format: str
    depth: int = 0  # 0 for the file itself, 1 for a file attached to it ...
    units: list[TextUnit] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    errors: dict[str, None] = field(default_factory=dict)  # the reasons, each once, in the order first given
    title: str = ""
    pages: int | None = None
    paragraph: int = 0
    layer_counts: dict[str, int] = field(default_factory=dict)
    extra_layers: set[str] = field(default_factory=set)
    chars: int = 0
    # the coverage ledger: every part of the container, and whether it was read
    coverage: list[PartCoverage] = field(default_factory=list)
    # documents inside this one, for the pipeline to scan recursively
    embedded: list[Embedded] = field(default_factory=list)
    # positions in ``units`` of a web site's template (comments, hidden menus):
    # read and matched like the rest, but not the document's hidden layer
    template: set[int] = field(default_factory=set)
    images: list[ImageRef] = field(default_factory=list)  # pictures for the OCR stage
    # lines added with add_lines(), held apart from ``units`` until finish() or the next add()
    _line_texts: list[str] = field(default_factory=list)
    _line_numbers: list[int] = field(default_factory=list)
    _line_pages: list[int | None] | None = None

    def add(
        self,
        text: str,
        *,
        part: str = "body",
        page: int | None = None,
        source: str = "",
        cell: tuple[int, int] | None = None,
        paragraph: int | None = None,
        count: bool = True,
        numbered: bool = True,
        template: bool = False,
    ) -> TextUnit | None:
        """Add one unit unless ``text`` is blank.

        Body-sequence units (``paragraph`` left ``None`` and ``numbered``)
        take the next paragraph number; blank paragraphs are not counted, so
        "paragraph 1" is the first paragraph a reader sees.  Units outside
        the reading sequence (properties) pass ``numbered=False``.  ``count`` says whether the
        unit is one item of its layer (a deleted run inside an already
        counted paragraph is not a new item).  ``template`` marks a web
        site's template (a CMS comment, a hidden menu): its text is matched
        like any other, but it raises the ``info`` site-template notice instead
        of its layer's notice.
        """
        if not text or not text.strip():
            return None
        assert part in PARTS or part_kind(part) in PARTS, part
        if self._line_texts:  # units stay in reading order
            self.units.extend(self._take_lines())
        if len(self.units) >= MAX_DOCUMENT_UNITS:
            self.error(TOO_MANY_UNITS)
            return None
        if self.chars + len(text) > MAX_DOCUMENT_CHARS:
            self.error(TRUNCATED)
            text = text[: max(0, MAX_DOCUMENT_CHARS - self.chars)]
            if not text.strip():
                return None
        self.chars += len(text)
        if paragraph is None and numbered:
            self.paragraph += 1
            paragraph = self.paragraph
        pieces = (
            (text,)
            if len(text) <= MAX_UNIT_CHARS
            else [text[start : start + MAX_UNIT_CHARS] for start in range(0, len(text), MAX_UNIT_CHARS)]
        )
        if template:
            self.template.update(range(len(self.units), len(self.units) + len(pieces)))
        for piece in pieces:
            # made without the dataclass __init__ (1.5 of the 5 µs this
            # method took; an HTML page adds a unit per block)
            self.units.append(
                without_init(
                    TextUnit,
                    {"text": piece, "part": part, "page": page, "paragraph": paragraph, "source": source, "cell": cell,
                     "box": None, "seal": False},
                )
            )
        unit = self.units[-len(pieces)]
        if count:
            self.layer_counts[part] = self.layer_counts.get(part, 0) + 1
        return unit

    def add_lines(self, lines: list[str], *, first: int = 1, page: int | None = None) -> None:
        """Add each non-blank line as a body unit numbered by its line.

        The same units as ``self.add(line, page=page, paragraph=number)`` for
        ``number, line in enumerate(lines, first)``, kept as texts and
        numbers: :meth:`finish` hands them out as :class:`LineUnits`, which
        makes a unit only when it is asked for (a text file has one unit per
        line, and making them all was a tenth of the time of a scan).  They
        are not in :attr:`units` before then.  Lines over
        :data:`MAX_UNIT_CHARS`, past :data:`MAX_DOCUMENT_CHARS`, or after
        units added one by one take the general path, which splits and
        truncates them.
        """
        room = MAX_DOCUMENT_UNITS - len(self.units) - len(self._line_texts)
        if len(lines) > room:  # blank lines count too: a cheap bound, checked before any copy
            self.error(TOO_MANY_UNITS)
            lines = lines[: max(room, 0)]
        chars = sum(map(len, lines))
        # no line is longer than all of them together: the longest is
        # looked for only when that could exceed the limit (9 µs a document)
        too_long = chars > MAX_UNIT_CHARS and max(map(len, lines)) > MAX_UNIT_CHARS
        if too_long or self.chars + chars > MAX_DOCUMENT_CHARS or self.units:
            for number, line in enumerate(lines, first):
                self.add(line, page=page, paragraph=number)
            return
        # the non-empty lines, picked in C (a loop in Python cost 15 µs a document)
        numbers = list(compress(range(first, first + len(lines)), lines))
        kept = lines if len(numbers) == len(lines) else list(compress(lines, lines))
        if any(map(str.isspace, kept)):  # lines of white space only are blank too
            numbers = [number for number, line in zip(numbers, kept, strict=True) if not line.isspace()]
            kept = [line for line in kept if not line.isspace()]
            chars = sum(map(len, kept))
        if not numbers:
            return
        self._line_texts.extend(kept)
        self._line_numbers.extend(numbers)
        if page is not None and self._line_pages is None:
            self._line_pages = [None] * (len(self._line_numbers) - len(numbers))
        if self._line_pages is not None:
            self._line_pages.extend([page] * len(numbers))
        self.chars += chars
        self.layer_counts["body"] = self.layer_counts.get("body", 0) + len(numbers)

    def _take_lines(self) -> Sequence[TextUnit]:
        """The units of the lines added with :meth:`add_lines` so far, no longer held apart."""
        if not self._line_texts:
            return ()
        units = LineUnits(self._line_texts, self._line_numbers, self._line_pages)
        self._line_texts, self._line_numbers, self._line_pages = [], [], None
        return units

    def cover(self, name: str, kind: str, status: str = "read", reason: str = "") -> None:
        """Record one part of the container in the coverage ledger."""
        # (without the frozen dataclass's __init__: a package has a ledger entry per member)
        self.coverage.append(without_init(PartCoverage, {"name": name, "kind": kind, "status": status, "reason": reason}))

    def unread(
        self, name: str, kind: str, reason: str, *, part: str = "body", page: int | None = None, status: str = "unread"
    ) -> None:
        """A part that may hold text and was not read (or only in part): a ledger entry and a located notice.

        The notice keeps the document from passing over text nobody read;
        ``reason`` is ``中文原因 / English reason``.
        """
        self.cover(name, kind, status, reason)
        where = f"第{page}页" if page is not None else ""
        self.notice(UNREAD_PART_RULE, text=name, part=part, page=page, source=name,
                    detail=f"{where}{kind} 部件 {name} {'部分' if status == 'partial' else ''}未读取：{reason}")

    def _template_count(self, units: Sequence[TextUnit], part: str) -> int:
        return sum(units[index].part == part for index in self.template) if self.template else 0

    def _template_notice(self, units: Sequence[TextUnit]) -> Notice:
        """One ``info`` notice for all of a page's site template, naming what it holds."""
        template = [units[index] for index in sorted(self.template)]
        counts = {part: sum(unit.part == part for unit in template) for part in ("comment", "hidden")}
        words = {"comment": "条模板注释", "hidden": "处隐藏的导航/菜单/登录框"}
        detail = "、".join(f"{count} {words[part]}" for part, count in counts.items() if count)
        first = template[0]
        return Notice(rule=SITE_TEMPLATE_RULE, text=first.text[:NOTICE_TEXT_CHARS], part=first.part,
                      source=first.source, detail=detail or f"{len(template)} 处站点模板内容")

    def notice(self, rule: str, **fields: object) -> None:
        self.notices.append(Notice(rule=rule, **fields))  # type: ignore[arg-type]

    def error(self, reason: str) -> None:
        # keys of a dict, not items of a list: a file can yield thousands of
        # distinct errors (a PDF declaring 114,200 pages, found by the
        # fuzzer), and searching a list made each cost as much as all before it
        self.errors.setdefault(reason)

    def finish(self) -> Extraction:
        notices = list(self.notices)
        units = tuple(self.units) if self.units else self._take_lines()
        # One pass to find the parts present (a scan per layer was measurable)
        found = set(unit_parts(units))
        for part, (rule, unit_word) in LAYER_RULES.items():
            if part not in found:
                continue
            layer_units = [unit for index, unit in enumerate(units) if unit.part == part and index not in self.template]
            if not layer_units:
                continue
            first = layer_units[0]
            joined = " ".join(unit.text.strip() for unit in layer_units)
            notices.append(
                Notice(
                    rule=rule,
                    text=joined[:NOTICE_TEXT_CHARS],
                    part=part,
                    page=first.page,
                    paragraph=first.paragraph,
                    source=first.source,
                    detail=f"{self.layer_counts.get(part, len(layer_units)) - self._template_count(units, part)} {unit_word}",
                )
            )
        if self.template:
            notices.append(self._template_notice(units))
        found |= self.extra_layers
        # (most documents have body text only)
        layers = tuple(part for part in PARTS if part != "body" and part in found) if found - {"body"} else ()
        if not self.title:
            self.title = _first_line(units)
        return Extraction(
            format=self.format,
            units=units,
            errors=tuple(self.errors),
            title=self.title,
            pages=self.pages,
            layers=layers,
            notices=tuple(notices),
            coverage=tuple(self.coverage),
            embedded=tuple(self.embedded),
            images=tuple(self.images),
        )


# Lines of a GB/T 9704 head block that come before the title: copy number,
# a level★period mark, urgency, the issuing office's "……文件" line, a
# document number.  They are not the title.
_HEAD_BLOCK_LINE = re.compile(
    r"^(?:\d{6}|.{0,12}[★☆*＊✱].{0,12}|[绝機机秘祕袐 \u3000]{2,6}级?|特急|加急|特提|平急|.{1,12}[〔\[(（]\d{4}[〕\])）]\d+[号號]|[^，。：；]{2,24}文件)$"
)


_TITLE_PARTS = ("body", "slide", "sheet", "table")


def _first_line(units: Sequence[TextUnit]) -> str:
    """The document's title: its first body line that is not part of the head block."""
    # the lines of a text file are read without making their units (all are body)
    texts = (
        units.texts
        if isinstance(units, LineUnits)
        else (unit.text for unit in units if unit.part in _TITLE_PARTS)
    )
    first = ""
    for text in texts:
        for line in text.strip().splitlines():
            line = line.strip()
            if not line:
                continue
            first = first or line
            if not _HEAD_BLOCK_LINE.match(line):
                return line[:200]
    return first[:200]


def safe_xml_parser():  # type: ignore[no-untyped-def]
    """An lxml parser that resolves no entities and touches no network.

    Imported lazily: lxml costs start-up time the CLI should not pay for a
    plain-text scan.
    """
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True, load_dtd=False
    )
