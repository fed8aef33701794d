"""Earlier revisions of an incrementally updated PDF: text the published file still holds but no longer shows.

An incremental save appends the changed objects and a new cross-reference
section, ending in its own ``%%EOF``; the old objects stay in the file.
Cutting the file after an earlier ``startxref … %%EOF`` gives that revision
back, so everything it showed is published with the file.  Each earlier
revision is opened (PDFium, with the same pre-check against bombs as the
current one), its page text compared with the current text, and every line
found only in the earlier revision becomes a unit of part ``revision:<n>``
(``n`` counts from 1, the oldest) with one ``earlier-revision`` notice per revision.
Its document information (title, subject, keywords, author...), XMP
metadata and annotation contents are compared the same way, with the
current revision's (read by pdfminer): a title or a comment removed by the
update is hidden content like a removed line, located in that revision and
named by where it stood (``修订版本 1 文档信息 Title``, ``修订版本 1 第2页注释
Text``).  When pdfminer cannot open the current file they are not compared
(nothing to compare with); when it cannot read them in an earlier revision
that revision is read in part.

The first section of a linearized file (the first page's objects, written
first for fast web view) is not a revision, and a ``%%EOF`` that is not
preceded by ``startxref`` (inside a stream, say) is not a section end.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.extract._common import Collector, ExtractError
from scanner.roles import NoticeKind

_SECTION_END = re.compile(rb"startxref\s+\d+\s*%%EOF")
# Earlier revisions read at most; a file with more is read as far as that, and says so.
MAX_REVISIONS = 8
_BLANK = re.compile(r"\s+")


def section_ends(data: bytes) -> list[int]:
    """Offsets just after each revision's ``%%EOF``, oldest first (the last one is the current revision)."""
    ends = [match.end() for match in _SECTION_END.finditer(data)]
    if len(ends) > 1 and b"/Linearized" in data[:1024]:
        ends = ends[1:]  # the linearized first-page section
    return ends


def current_text(out: Collector) -> set[str]:
    """The page text and annotations of the current revision, each line without blanks, for
    :func:`earlier_revisions`."""
    return {_key(line) for unit in out.units if unit.part in ("body", "annotation") for line in _lines(unit.text)}


def earlier_revisions(data: bytes, out: Collector, current: set[str], miner: Any = None) -> None:
    """Add the text found only in earlier revisions (``current``: :func:`current_text`), and a ledger entry for
    every revision.  ``miner`` (the current file's, or None) reads the current metadata to compare with."""
    ends = section_ends(data)
    count = max(len(ends), 1)
    out.cover(f"修订版本 {count}（当前版本）", "revision")
    if len(ends) < 2:
        return
    earlier = ends[:-1]
    metadata = _metadata_keys(miner)
    for number, end in enumerate(earlier[:MAX_REVISIONS], start=1):
        _revision(data[:end], number, current, out, metadata)
    if len(earlier) > MAX_REVISIONS:
        out.unread(f"修订版本 {MAX_REVISIONS + 1}–{len(earlier)}", "revision",
                   f"早期版本超过 {MAX_REVISIONS} 个，其余未读取 / more than {MAX_REVISIONS} earlier revisions: "
                   "the rest were not read", part=f"revision:{MAX_REVISIONS + 1}")


def _key(text: str) -> str:
    return _BLANK.sub("", text)


def _lines(text: str) -> list[str]:
    return text.splitlines() or [text]


def _metadata_keys(miner: Any) -> set[str] | None:
    """The current revision's document information and XMP lines without blanks; None when they cannot be
    read (then an earlier revision's are not compared: every one would look removed)."""
    from scanner.extract.pdf_streams import StreamTooLarge
    from scanner.extract.pdf_structure import info, xmp

    if miner is None:
        return None
    scratch = Collector(format="pdf")
    try:
        for reader in (info, xmp):
            reader(miner.document, scratch)
    except (StreamTooLarge, *miner.malformed):
        return None
    return {_key(line) for unit in scratch.units for line in _lines(unit.text)}


def _structures(miner: Any, pages: int, name: str, current: set[str],
                metadata: set[str]) -> tuple[list[tuple[int | None, int, str, str]], str]:
    """Document information, XMP and annotation lines of an earlier revision that the current one lacks, as
    (page, paragraph, line, source); and why they could not all be read ("" when they could)."""
    from scanner.extract.pdf_streams import StreamTooLarge
    from scanner.extract.pdf_structure import info, xmp

    scratch = Collector(format="pdf")
    problem = ""
    for reader in (info, xmp):
        try:
            reader(miner.document, scratch)
        except (StreamTooLarge, *miner.malformed) as error:
            problem = f"{reader.__name__}: {error}"
    for index in range(pages):
        miner.annotations(index, scratch)  # (its errors land in the scratch collector: the revision is partial)
    problem = problem or next(iter(scratch.errors), "")
    gone: list[tuple[int | None, int, str, str]] = []
    for unit in scratch.units:
        shown = metadata if unit.part == "metadata" else current
        where = (f"文档信息 {unit.source}" if unit.source != "xmp" else "XMP 元数据") if unit.part == "metadata" \
            else f"第{unit.page}页注释 {unit.source}"
        gone.extend((unit.page, unit.paragraph or 1, line.strip(), f"{name} {where}")
                    for line in _lines(unit.text) if line.strip() and _key(line) not in shown)
    return gone, problem


def _revision(prefix: bytes, number: int, current: set[str], out: Collector, metadata: set[str] | None) -> None:
    from scanner.extract.pdf_ledger import Structure
    from scanner.extract.pdf_miner import Miner
    from scanner.extract.pdf_pdfium import PageError, open_document, read_page

    part = f"revision:{number}"
    name = f"修订版本 {number}"
    scratch = Collector(format=out.format)
    miner = Miner.open(prefix, scratch)
    try:
        document = open_document(prefix)
    except ExtractError as error:
        out.unread(name, "revision", f"早期版本无法打开 / earlier revision cannot be opened: {error}", part=part)
        return
    try:
        structure = Structure(miner, scratch, prefix) if miner is not None else None
        gone: list[tuple[int, int, str]] = []
        skipped = []
        pages = len(document)
        for index in range(pages):
            if structure is not None and structure.check(index).refuse:
                skipped.append(index + 1)
                continue
            try:
                lines = read_page(document, index, list).lines
            except PageError:
                skipped.append(index + 1)
                continue
            gone.extend((index + 1, line_no, line) for line_no, line in enumerate(lines, start=1)
                        if _key(line) not in current)
    finally:
        document.close()
    structures: list[tuple[int | None, int, str, str]] = []
    problem = ""
    if miner is not None and metadata is not None:
        structures, problem = _structures(miner, pages, name, current, metadata)
    if skipped:
        pages_named = "、".join(map(str, skipped[:10]))
        out.unread(name, "revision", f"早期版本第{pages_named}页无法读取 / pages of an earlier revision not read",
                   part=part, status="partial")
    elif problem:
        out.unread(name, "revision", f"早期版本的文档信息或注释未能全部读取 / metadata or annotations of an "
                   f"earlier revision not fully read: {problem}", part=part, status="partial")
    else:
        out.cover(name, "revision")
    if not gone and not structures:
        return
    out.extra_layers.add("revision")
    for page, line_no, line in gone:
        out.add(line, part=part, page=page, paragraph=line_no, source=name)
    for where, line_no, line, source in structures:
        out.add(line, part=part, page=where, paragraph=line_no, source=source)
    if not gone:  # only the metadata or annotations changed: the notice names the first of them
        first = structures[0]
        shown = "；".join(line for _, _, line, _ in structures[:3])
        out.notice(NoticeKind.EARLIER_REVISION, text=first[2], part=part, page=first[0], source=first[3],
                   detail=f"早期版本 {number} 中有 {len(structures)} 处文档信息或注释在当前版本中已不存在：{shown[:80]}")
        return
    first_page = gone[0][0]
    shown = "；".join(line for _, _, line in gone[:3])
    out.notice(
        NoticeKind.EARLIER_REVISION,
        text=gone[0][2],
        part=part,
        page=first_page,
        source=name,
        detail=f"早期版本 {number} 中有 {len(gone)} 行文字在当前版本中已不显示：{shown[:80]}"
               + (f"；另有 {len(structures)} 处文档信息或注释已不存在" if structures else ""),
    )
