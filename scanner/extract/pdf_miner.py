"""pdfminer.six's reading of a PDF: the document it parses, and the text of a page PDFium cannot decode.

:class:`Miner` opens the file once; the page tree is walked lazily, only as
far as a page that has annotations or that PDFium cannot map to Unicode
(most documents never need it).  A page read here gives the same lines and
failed redactions as PDFium's reading (:mod:`scanner.extract.pdf_pdfium`),
characters grouped into lines in drawing order.
"""

from __future__ import annotations

import io
import logging
import struct
import zlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from scanner.extract._common import Collector
from scanner.extract.pdf_pdfium import DARK, DARK_TEXT, MIN_BOX, Box, Hidden, PageError, undecoded_share
from scanner.extract.pdf_streams import bound_pdfminer_decoders
from scanner.extract.pdf_structure import miner_luminance, page_annotations

# pdfminer signals malformed input with its own PSException family but also
# with assorted built-in errors from deep inside its parser; all of them mean
# "this part of the file cannot be read", and the message keeps the reason.
_MALFORMED: tuple[type[BaseException], ...] = (
    ValueError, KeyError, TypeError, AttributeError, IndexError, AssertionError, struct.error, zlib.error,
    EOFError, OverflowError,
)


# A chain of indirect references longer than this is a loop (an object
# that refers to itself): pdfminer's resolve1 would follow it forever.
MAX_REFERENCE_HOPS = 64


@cache
def _quiet_pdfminer_log() -> None:
    """Keep pdfminer's log records off the terminal (once per process).

    pdfminer logs the quirks it works around ("MediaBox missing ...,
    defaulting to US Letter") with no file name.  Where no logging is set
    up, Python prints them on stderr, amid the report and a batch's progress
    line; what could not be read is in the document's errors instead.  A
    handler that drops them stops only that fallback: an application that
    configures logging still receives them.
    """
    logging.getLogger("pdfminer").addHandler(logging.NullHandler())


@cache
def _bound_pdfminer_references() -> None:
    """Make pdfminer's ``resolve1`` give up on reference loops (once per process).

    pdfminer follows ``N 0 R`` until it reaches a direct object; a crafted
    file whose object resolves to itself makes that an endless loop (found
    by the fuzzer: tests/data/fuzz-regressions/pdf-object-loop-timeout.pdf).
    Its modules import ``resolve1`` by name, so each binding is replaced with
    a bounded version that raises pdfminer's own PDFSyntaxError, which the
    extractor already reports as an unreadable structure.
    """
    from pdfminer import pdffont, pdfinterp, pdfpage, pdftypes
    from pdfminer.pdfparser import PDFSyntaxError

    def bounded_resolve1(x: object, default: object = None) -> Any:
        for _ in range(MAX_REFERENCE_HOPS):
            if not isinstance(x, pdftypes.PDFObjRef):
                return x
            x = x.resolve(default=default)
        if isinstance(x, pdftypes.PDFObjRef):
            raise PDFSyntaxError(f"reference loop: more than {MAX_REFERENCE_HOPS} indirect hops")
        return x

    for module in (pdftypes, pdffont, pdfinterp, pdfpage):
        if getattr(module, "resolve1", None) is not None:
            module.resolve1 = bounded_resolve1  # type: ignore[attr-defined]



@dataclass(frozen=True, kw_only=True)
class MinedPage:
    lines: tuple[str, ...]
    undecoded: float  # share of characters pdfminer could not map to Unicode either
    hidden: tuple[Hidden, ...]


class Miner:
    """pdfminer.six's view of the same file.

    The page tree is walked lazily, only as far as a page that has
    annotations or that PDFium cannot decode: most documents never need it.
    """

    def __init__(self, data: bytes) -> None:
        from pdfminer.pdfdocument import PDFDocument
        from pdfminer.pdfpage import PDFPage
        from pdfminer.pdfparser import PDFParser
        from pdfminer.psexceptions import PSException

        _bound_pdfminer_references()
        bound_pdfminer_decoders()
        _quiet_pdfminer_log()
        self.malformed: tuple[type[BaseException], ...] = (PSException, *_MALFORMED)
        self.document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
        self._pages: list[Any] = []
        self._walker: Any = PDFPage.create_pages(self.document)
        self._tree_error = ""
        self._interpreter: Any = None
        self._device: Any = None

    @classmethod
    def open(cls, data: bytes, out: Collector) -> Miner | None:
        """The reader, or None (and an error in ``out``) when pdfminer cannot parse the file."""
        from pdfminer.pdfdocument import PDFPasswordIncorrect
        from pdfminer.psexceptions import PSException

        unreadable: tuple[type[BaseException], ...] = (PDFPasswordIncorrect, PSException, *_MALFORMED)
        try:
            return cls(data)
        except unreadable as error:
            out.error(
                "PDF 文档结构无法读取，元数据、注释、表单、书签和附件未审查 / cannot read the document structure "
                f"(metadata, annotations, forms, outline, attachments not checked): {type(error).__name__}: {error}"
            )
            return None

    def page_object(self, index: int) -> Any:
        """pdfminer's page ``index`` (0-based).  Raises :class:`PageError`."""
        while len(self._pages) <= index and self._walker is not None:
            try:
                self._pages.append(next(self._walker))
            except StopIteration:
                self._walker = None
            except self.malformed as error:
                self._walker = None
                self._tree_error = f"{type(error).__name__}: {error}"
        if index < len(self._pages):
            return self._pages[index]
        raise PageError(f"pdfminer: page not in the page tree {self._tree_error}".strip())

    def annotations(self, index: int, out: Collector) -> list[Box]:
        number = index + 1
        try:
            page = self.page_object(index)
        except PageError as error:
            out.error(f"第{number}页注释无法读取 / page {number} annotations cannot be read: {error}")
            return []
        return page_annotations(page, number, out, self.malformed)

    def page(self, index: int, annotation_boxes: list[Box]) -> MinedPage:
        """Read one page's content.  Raises :class:`PageError`."""
        page = self.page_object(index)
        try:
            if self._interpreter is None:
                from pdfminer.converter import PDFPageAggregator
                from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager

                manager = PDFResourceManager(caching=True)
                # No layout analysis: it is slow and would lose the drawing order.
                self._device = PDFPageAggregator(manager, laparams=None)
                self._interpreter = PDFPageInterpreter(manager, self._device)
            self._interpreter.process_page(page)
            layout = self._device.get_result()
        except self.malformed as error:
            raise PageError(f"pdfminer: {type(error).__name__}: {error}") from error
        return _mined_page(layout, annotation_boxes)


@dataclass
class _Char:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    colour: Any  # fill colour; judged only for characters under a dark box
    order: int


def _mined_page(layout: Any, annot_boxes: list[Box]) -> MinedPage:
    from pdfminer.layout import LTChar, LTCurve

    chars: list[_Char] = []
    boxes: list[Box] = []
    undecoded = 0
    order = 0
    stack = list(layout)[::-1]
    while stack:
        item = stack.pop()
        order += 1
        if isinstance(item, LTChar):
            text = item.get_text()
            if text.startswith("(cid:"):
                undecoded += 1
                continue
            chars.append(_Char(text, item.x0, item.y0, item.x1, item.y1, item.size, item.graphicstate.ncolor, order))
        elif isinstance(item, LTCurve):  # LTRect and LTLine are curves too
            big = item.width >= MIN_BOX and item.height >= MIN_BOX
            if item.fill and big and miner_luminance(item.non_stroking_color) < DARK:
                boxes.append(Box(x0=item.x0, y0=item.y0, x1=item.x1, y1=item.y1, order=order))
        elif hasattr(item, "__iter__"):  # a figure (form XObject): its objects in order
            stack.extend(list(item)[::-1])
    lines = tuple(text for text in ("".join(_with_spaces(line)).strip() for line in _lines(chars)) if text)
    share = max(undecoded_share("".join(lines)), undecoded / (undecoded + len(chars)) if undecoded else 0.0)
    return MinedPage(lines=lines, undecoded=share, hidden=_redactions(chars, boxes + annot_boxes))


def _lines(chars: list[_Char]) -> list[list[_Char]]:
    """Group characters, in drawing order, into lines."""
    lines: list[list[_Char]] = []
    current: list[_Char] = []
    for char in chars:
        if current:
            last = current[-1]
            height = max(last.size, char.size, 1.0)
            same_line = abs(char.y0 - last.y0) < height * 0.5 and char.x0 > last.x0 - height
            if not same_line:
                lines.append(current)
                current = []
        current.append(char)
    if current:
        lines.append(current)
    return lines


def _with_spaces(line: list[_Char]) -> list[str]:
    pieces = []
    previous = None
    for char in line:
        if previous is not None and char.text != " " and previous.text != " ":
            gap = char.x0 - previous.x1
            if gap > max(previous.size, 1.0) * 0.3:
                pieces.append(" ")
        pieces.append(char.text)
        previous = char
    return pieces


def _redactions(chars: list[_Char], boxes: list[Box]) -> tuple[Hidden, ...]:
    found = []
    for box in boxes:
        hidden = [
            char for char in chars
            # Same rule as PDFium's reading: drawn after the text, or dark on dark.
            if char.text.strip()
            and box.covers((char.x0 + char.x1) / 2, (char.y0 + char.y1) / 2)
            and (box.order > char.order or miner_luminance(char.colour) < DARK_TEXT)
        ]
        if hidden:
            found.append(Hidden(box=box, text="".join(char.text for char in hidden), count=len(hidden)))
    return tuple(found)
