"""PDF extraction: text per page and line, every other layer, and failed redactions.

Two readers share the work, each doing what it is fast and good at:

* PDFium (pypdfium2, :mod:`scanner.extract.pdf_pdfium`) reads every page:
  its text, one unit per line (part ``body``, ``page`` n, ``paragraph`` =
  line index within the page), its images (a page with images and no text
  is a scan without a text layer) and the dark filled boxes drawn over text
  (a failed redaction: the text is still in the file).  It is about ten
  times faster than pdfminer.six on page content, which is what the
  throughput target needs.
* pdfminer.six reads the document structures PDFium does not expose well
  (:mod:`scanner.extract.pdf_structure`: the information dictionary and XMP metadata as ``metadata``,
  annotations as ``annotation`` — unapplied ``/Redact`` annotations are a
  notice of their own —, AcroForm field values as ``form``, bookmarks as
  ``outline``, embedded files, listed and read recursively as
  ``attachment``).  None of that parses a page's content stream, so it is
  cheap.  pdfminer also reads the content of a page whose text PDFium
  could not map to Unicode, for that page only
  (:mod:`scanner.extract.pdf_miner`).

This module walks the pages and hands each to the reader that can read it.

Everything that cannot be read becomes an error ``中文原因 / English reason``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.extract._common import Collector
from scanner.extract._images import pdf_page_pictures, pdf_page_scan
from scanner.extract.pdf_ledger import PageCheck, Structure, defused
from scanner.extract.pdf_miner import MinedPage, Miner
from scanner.extract.pdf_pdfium import (
    ENCRYPTED,
    UNDECODED_SHARE,
    Box,
    Hidden,
    PageError,
    open_document,
    read_page,
)
from scanner.extract.pdf_revisions import current_text, earlier_revisions, section_ends
from scanner.extract.pdf_running import PageLines, key, running_lines
from scanner.extract.pdf_streams import StreamTooLarge
from scanner.extract.pdf_structure import attachments, form, info, outline, xmp
from scanner.ocr import scan_page_error
from scanner.roles import NoticeKind

# the name tests and older callers use
_Miner = Miner

__all__ = ["ENCRYPTED", "NO_TEXT", "extract"]

NO_TEXT = "PDF 中没有任何文字（可能是扫描件或空白文件） / PDF contains no text at all"
# Pages in a row that neither reader can load, after which the rest are not
# tried: a page tree's /Count can claim any number of pages (a 3.5 KB file
# declaring 114,200 made the fuzzer time out), and each one past the real
# pages is only another error.  The document goes to review either way.
MAX_UNREADABLE_RUN = 100
PAGES_NOT_READ = (
    "第{first}至{last}页未读取：已有连续 {run} 页无法读取，文件声明的页数可能有误 "
    "/ pages {first}-{last} not read: {run} pages in a row could not be read (the declared page count may be wrong)"
)


@dataclass
class _Reading:
    """What the page loop gathers for the document-wide passes."""

    pages: list[PageLines] = field(default_factory=list)  # for the running headers and footers
    decorative: list[str] = field(default_factory=list)  # small pictures, listed in one decorative-image notice (info)
    fonts: set[str] = field(default_factory=set)  # fonts in the ledger so far


def extract(data: bytes, out: Collector) -> None:
    """Read ``data`` into ``out``.  Raises :class:`ExtractError` if the file cannot be opened at all."""
    # pdfminer first: it finds a bomb PDFium would decode when it opens the
    # file (the XMP stream), and PDFium gets a copy with that stream blanked.
    opened = Collector(format=out.format)
    miner = Miner.open(data, opened)
    document = open_document(defused(miner, data, out) if miner is not None else data)
    for reason in opened.errors:
        out.error(reason)
    try:
        _extract(document, miner, data, out)
    finally:
        document.close()


def _extract(document: Any, miner: Miner | None, data: bytes, out: Collector) -> None:
    structure = Structure(miner, out, data) if miner is not None else None
    count = len(document)
    out.pages = count
    any_text = False
    unreadable_run = 0
    reading = _Reading()
    for index in range(count):
        check = structure.check(index) if structure is not None else PageCheck()
        read = _checked_page(document, miner, structure, index, check, out, reading)
        any_text |= read is True
        unreadable_run = unreadable_run + 1 if read is None else 0
        if unreadable_run == MAX_UNREADABLE_RUN and index + 1 < count:
            out.error(PAGES_NOT_READ.format(first=index + 2, last=count, run=MAX_UNREADABLE_RUN))
            break
    # before running lines are read once: every copy is text the reader sees (only files with revisions need it)
    shown = current_text(out) if len(section_ends(data)) > 1 else set()
    _running(reading.pages, out)
    if reading.decorative:
        listed = "、".join(reading.decorative[:5])
        out.notice(NoticeKind.DECORATIVE_IMAGE, text=reading.decorative[0], part="embedded",
                   detail=f"{len(reading.decorative)} 张装饰性小图片：{listed}{' 等' if len(reading.decorative) > 5 else ''}")
    earlier_revisions(data, out, shown, miner)
    unread_pages = any(entry.kind == "page" and entry.status != "read" for entry in out.coverage)
    if not any_text and not out.errors and not unread_pages:
        out.error(NO_TEXT)
    if miner is None:
        return
    for reader in (info, xmp, form, outline):
        try:
            reader(miner.document, out)
        except StreamTooLarge as error:
            out.error(f"PDF 附加信息（{reader.__name__}）{error.zh}，未读取 / cannot read {reader.__name__}: {error}")
        except miner.malformed as error:
            out.error(f"PDF 附加信息无法读取 / cannot read {reader.__name__}: {type(error).__name__}: {error}")
    try:
        attachments(miner.document, out, out.depth, miner.malformed)
    except miner.malformed as error:
        out.error(f"PDF 附件无法读取 / cannot read attachments: {type(error).__name__}: {error}")


def _checked_page(document: Any, miner: Miner | None, structure: Structure | None, index: int, check: PageCheck,
                  out: Collector, reading: _Reading) -> bool | None:
    """:func:`_page`, unless the pre-check found a bomb; the page's ledger entry either way."""
    number = index + 1
    if check.refuse:
        _unread_page(out, number, "unread", f"{check.refuse}，本页未读取",
                     f"page {number} not read: it exceeds a reading limit")
        return None
    read = _page(document, miner, structure, index, out, reading)
    if check.damaged:
        status = "partial" if read else "unread"
        _unread_page(out, number, status, f"{'；'.join(check.damaged)}，本页文字{'可能不全' if read else '未能读取'}",
                     f"page {number}: damaged content stream, its text may be incomplete")
    else:
        out.cover(f"第{number}页", "page", "read" if read is not None else "unread")
    return read


def _unread_page(out: Collector, number: int, status: str, chinese: str, english: str) -> None:
    """A page read only in part or not at all: its ledger entry and a located ``unread-part`` notice (review)."""
    reason = f"{chinese} / {english}"
    out.cover(f"第{number}页", "page", status, reason)
    out.notice(NoticeKind.UNREAD_PART, text=f"第{number}页", part="body", page=number, source=f"第{number}页",
               detail=f"第{number}页{chinese}")


def _page(document: Any, miner: Miner | None, structure: Structure | None, index: int, out: Collector,
          reading: _Reading) -> bool | None:
    """Add one page's lines, annotations and failed redactions.

    True if it has text, False if it has none, None if neither reader could
    read it (an error says so).
    """
    number = index + 1
    annotation_boxes: list[Box] | None = None

    def annotations() -> list[Box]:
        nonlocal annotation_boxes
        if annotation_boxes is None:
            annotation_boxes = miner.annotations(index, out) if miner is not None else []
        return annotation_boxes

    try:
        content = read_page(document, index, annotations)
    except PageError as error:
        # PDFium could not load the page: pdfminer's text stands in, but a
        # page neither reader can vouch for is an error, never a blank page.
        mined = _mine(miner, index, annotations())
        if isinstance(mined, str) or not mined.lines:
            reason = f"{error}; {mined}" if isinstance(mined, str) else str(error)
            out.error(f"第{number}页无法读取 / page {number} cannot be read: {reason}")
            return None
        if mined.undecoded > UNDECODED_SHARE:
            _undecodable(document, structure, index, out)
        return _emit(mined.lines, mined.hidden, number, out)
    lines, hidden, bad = content.lines, content.hidden, content.undecoded
    if bad > UNDECODED_SHARE or (not lines and content.text_objects):
        # PDFium could not map this page's fonts to Unicode (or found text
        # objects but no text): ask pdfminer, and keep whichever read more.
        mined = _mine(miner, index, annotation_boxes or [])
        if not isinstance(mined, str) and mined.lines and (not lines or mined.undecoded < bad):
            lines, hidden, bad = mined.lines, mined.hidden, mined.undecoded
        # Text objects that hold only spaces are a blank page, not an unreadable one.
        if bad > UNDECODED_SHARE or (not lines and (isinstance(mined, str) or mined.undecoded > 0)):
            _undecodable(document, structure, index, out)
    elif lines and structure is not None and garbled(lines) and structure.fonts_without_unicode(index):
        # A font with no ToUnicode map and no font file to guess from: PDFium takes the glyph
        # numbers for characters, which gives real but meaningless ones (ਛభ㹏…), not U+FFFD.
        _undecodable(document, structure, index, out)
    for order, row in enumerate(content.vector, start=1):
        _vector_row(document, index, order, row, out)
    if not lines:
        if content.images:
            out.error(scan_page_error(number))
            pdf_page_scan(document, index, out)
        return False
    if content.images:
        reading.decorative.extend(pdf_page_pictures(document, index, out))
    _fonts(content.fonts, structure, out, reading)
    reading.pages.append(PageLines(number=number, lines=lines, bands=content.bands if lines is content.lines else ()))
    sources = _form_sources(structure, index, content.forms) if lines is content.lines and content.forms else ()
    return _emit(lines, hidden, number, out, sources)


def _fonts(names: tuple[str, ...], structure: Structure | None, out: Collector, reading: _Reading) -> None:
    """The page's fonts in the ledger, each once a document, as PDFium names them; a file walked by
    structure has them listed there already, with their ToUnicode judgement."""
    if structure is not None and structure.walk:
        return
    for name in names:
        if name not in reading.fonts:
            reading.fonts.add(name)
            out.cover(f"字体 {name}", "font")


def _form_sources(structure: Structure | None, index: int, forms: tuple[tuple[int, ...] | None, ...]) -> tuple[str, ...]:
    """Each line's ``source``: the form XObject that drew it (``XObject /Fm1``), "" for the page's own text."""
    wanted = {path for path in forms if path is not None}
    names = structure.form_names(index, wanted) if structure is not None else {}
    return tuple("" if path is None else names.get(path, "XObject #" + ".".join(map(str, path))) for path in forms)


# Characters a Chinese government document is written in: CJK ideographs and
# punctuation, Latin, digits, full-width forms, general punctuation, symbols.
_USUAL = re.compile(
    r"[\s\u0020-\u024f\u2000-\u27bf\u2e80-\u2fdf\u3000-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    r"\ufe30-\ufe4f\uff00-\uffef\u0370-\u03ff\u0400-\u04ff]"
)


_UNUSUAL_PAIR = re.compile(_USUAL.pattern.replace("[", "[^", 1) + "{2}")


def garbled(lines: tuple[str, ...]) -> bool:
    """Whether a line of three or more characters is mostly outside the scripts Chinese documents use.

    One search over the page for two such characters in a row first: most pages have none.
    """
    if not _UNUSUAL_PAIR.search("\n".join(lines)):
        return False
    return any(len(line) >= 3 and len(_USUAL.sub("", line)) > len(line) / 2 for line in lines)


VECTOR = "页面含矢量绘制的文字或图形，无法读取"


def _vector_row(document: Any, index: int, order: int, row: tuple[float, float, float, float],
                out: Collector) -> None:
    """A line of glyphs drawn as outlines (no text there): rendered and handed to OCR like a picture.

    OCR that reads it puts its text in the ``ocr`` layer; OCR off, or failing,
    leaves the picture unread (review, naming it), and OCR finding no text
    (a drawn logo) lists it as ``info``.  If it cannot even be rendered it is
    an unread part (review).
    """
    import io

    from scanner.types import ImageRef

    number = index + 1
    name = f"第{number}页矢量图形{order}"
    x0, y0, x1, y1 = row
    try:
        page = document[index]
        try:
            width, height = page.get_size()
            margin = 2.0
            crop = (max(0.0, x0 - margin), max(0.0, y0 - margin), max(0.0, width - x1 - margin),
                    max(0.0, height - y1 - margin))
            bitmap = page.render(scale=200 / 72, crop=crop, grayscale=True)
            buffer = io.BytesIO()
            bitmap.to_pil().save(buffer, format="PNG")
        finally:
            page.close()
    except Exception as error:  # noqa: BLE001 - pypdfium2 raises several types; the reason is kept
        out.unread(name, "vector", f"{VECTOR} / vector drawing not readable: {error}", page=number)
        return
    out.cover(name, "vector", "listed", f"{VECTOR}，交文字识别 / text drawn as outlines, handed to OCR")
    out.images.append(ImageRef(name=name, data=buffer.getvalue(), page=number,
                               box=(x0, height - y1, x1, height - y0), page_size=(width, height)))


def _undecodable(document: Any, structure: Structure | None, index: int, out: Collector) -> None:
    """A page whose text cannot be mapped to Unicode: an error naming the fonts (review), and the page
    rendered for OCR, so that what it shows (a mark, say) is read all the same."""
    out.error(_undecoded(structure, index))
    pdf_page_scan(document, index, out)


def _undecoded(structure: Structure | None, index: int) -> str:
    """The error of a page whose text cannot be mapped to Unicode, naming the fonts without a ToUnicode map."""
    number = index + 1
    fonts = structure.fonts_without_unicode(index) if structure is not None else []
    named = f"：字体 {'、'.join(fonts[:5])} 无 ToUnicode 映射" if fonts else ""
    return f"第{number}页文字无法解码（字体缺少编码表{named}） / page {number} text cannot be decoded"


def _running(pages: list[PageLines], out: Collector) -> None:
    """Running headers and footers become parts ``header``/``footer``, each line once (see :mod:`.pdf_running`)."""
    found = running_lines(pages)
    if not found:
        return
    spans: dict[tuple[str, str], list[int]] = {}
    by_number = {page.number: page for page in pages}
    for (number, index), band in found.items():
        spans.setdefault((band, key(by_number[number].lines[index])), []).append(number)
    units = []
    kept: set[tuple[str, str]] = set()
    for unit in out.units:
        kind = found.get((unit.page or 0, (unit.paragraph or 0) - 1), "") if unit.part == "body" else ""
        if not kind:
            units.append(unit)
            continue
        entry = (kind, key(unit.text))
        if entry in kept:
            continue  # the same line on a later page: read once
        kept.add(entry)
        numbers = spans[entry]
        where = "页眉" if kind == "header" else "页脚"
        units.append(replace(unit, part=kind, source=f"{where}（第{numbers[0]}–{numbers[-1]}页中 {len(numbers)} 页重复）"))
    out.units[:] = units


def _mine(miner: Miner | None, index: int, annotation_boxes: list[Box]) -> MinedPage | str:
    """pdfminer's reading of one page, or why there is none."""
    if miner is None:
        return "pdfminer cannot open the file"
    try:
        return miner.page(index, annotation_boxes)
    except PageError as error:
        return str(error)


def _emit(lines: tuple[str, ...], hidden: tuple[Hidden, ...], number: int, out: Collector,
          sources: tuple[str, ...] = ()) -> bool:
    """Add a page's lines (``sources``: each line's form XObject, see :func:`_form_sources`) and its failed
    redactions."""
    if len(sources) != len(lines):
        sources = ()
    for index, line in enumerate(lines, start=1):
        out.add(line, page=number, paragraph=index, source=sources[index - 1] if sources else "")
    for found in hidden:
        out.notice(
            NoticeKind.DARK_BOX,
            text=found.text,
            part="body",
            page=number,
            detail=f"第{number}页深色方块 {found.box.describe()} 下仍有 {found.count} 个可提取的字符：{found.text[:40]}",
        )
    return bool(lines)
