"""Earlier revisions of an incrementally updated PDF: text the published file still holds but no longer shows.

An incremental save appends the changed objects and a new cross-reference
section, ending in its own ``%%EOF``; the old objects stay in the file.
Cutting the file after an earlier ``startxref … %%EOF`` gives that revision
back, so everything it showed is published with the file.  Each earlier
revision is opened (PDFium, with the same pre-check against bombs as the
current one), its page text compared with the current text, and every line
found only in the earlier revision becomes a unit of part ``revision:<n>``
(``n`` counts from 1, the oldest) with one ``earlier-revision`` notice per revision.

The first section of a linearized file (the first page's objects, written
first for fast web view) is not a revision, and a ``%%EOF`` that is not
preceded by ``startxref`` (inside a stream, say) is not a section end.
"""

from __future__ import annotations

import re

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
    """The page text of the current revision, each line without blanks, for :func:`earlier_revisions`."""
    return {_key(unit.text) for unit in out.units if unit.part == "body"}


def earlier_revisions(data: bytes, out: Collector, current: set[str]) -> None:
    """Add the text found only in earlier revisions (``current``: :func:`current_text`), and a ledger entry for
    every revision."""
    ends = section_ends(data)
    count = max(len(ends), 1)
    out.cover(f"修订版本 {count}（当前版本）", "revision")
    if len(ends) < 2:
        return
    earlier = ends[:-1]
    for number, end in enumerate(earlier[:MAX_REVISIONS], start=1):
        _revision(data[:end], number, current, out)
    if len(earlier) > MAX_REVISIONS:
        out.unread(f"修订版本 {MAX_REVISIONS + 1}–{len(earlier)}", "revision",
                   f"早期版本超过 {MAX_REVISIONS} 个，其余未读取 / more than {MAX_REVISIONS} earlier revisions: "
                   "the rest were not read", part=f"revision:{MAX_REVISIONS + 1}")


def _key(text: str) -> str:
    return _BLANK.sub("", text)


def _revision(prefix: bytes, number: int, current: set[str], out: Collector) -> None:
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
        for index in range(len(document)):
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
    if skipped:
        pages = "、".join(map(str, skipped[:10]))
        out.unread(name, "revision", f"早期版本第{pages}页无法读取 / pages of an earlier revision not read",
                   part=part, status="partial")
    else:
        out.cover(name, "revision")
    if not gone:
        return
    out.extra_layers.add("revision")
    for page, line_no, line in gone:
        out.add(line, part=part, page=page, paragraph=line_no, source=name)
    first_page = gone[0][0]
    shown = "；".join(line for _, _, line in gone[:3])
    out.notice(
        NoticeKind.EARLIER_REVISION,
        text=gone[0][2],
        part=part,
        page=first_page,
        source=name,
        detail=f"早期版本 {number} 中有 {len(gone)} 行文字在当前版本中已不显示：{shown[:80]}",
    )
