"""Legacy binary Office files written byte by byte: compound files ([MS-CFB]) and what lives in them,
Word 97 ([MS-DOC]), Excel BIFF8 ([MS-XLS]), PowerPoint ([MS-PPT]) and Outlook ([MS-OXMSG]).

olefile reads compound files but cannot write them, and no library writes
.doc, .xls, .ppt or .msg, so the tests build them here from the
specifications: just the structures the readers need (FIB, piece table,
story lengths, PlcfHdd, comment tables, one CHPX page, BIFF records, the
persist directory, property streams, SummaryInformation), each documented
below.  One module past 500 lines on purpose: the four formats share the
compound-file writers and the record helpers, and are read side by side
with the specifications.  RTF, OpenDocument, WordML and MHT builders are in
:mod:`markup_builders`.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

SECTOR = 512
FREE, END, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
MINI_CUTOFF = 4096


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding ``streams`` under the root storage.

    Every stream is padded with zeros to at least the 4,096-byte mini-stream
    cutoff (and recorded with that size) so that all live in regular sectors
    (no mini stream to write); the readers use the lengths recorded inside
    the streams, never the padding.  The directory
    is a right-leaning chain sorted as [MS-CFB] 2.6.4 orders names (length,
    then upper case), which is a valid binary search tree.
    """
    names = sorted(streams, key=lambda name: (len(name), name.upper()))
    padded = {name: streams[name].ljust(MINI_CUTOFF, b"\0") for name in names}
    data_sectors = {name: -(-len(body) // SECTOR) for name, body in padded.items()}
    entries = 1 + len(names)
    dir_sectors = -(-entries * 128 // SECTOR)
    used = dir_sectors + sum(data_sectors.values())
    fat_sectors = 1
    while fat_sectors * 128 < used + fat_sectors:
        fat_sectors += 1
    fat = [FAT_SECTOR] * fat_sectors
    first_dir = len(fat)
    fat += [*range(first_dir + 1, first_dir + dir_sectors), END]
    starts = {}
    for name in names:
        starts[name] = len(fat)
        count = data_sectors[name]
        fat += [*range(len(fat) + 1, len(fat) + count), END]
    fat += [FREE] * (fat_sectors * 128 - len(fat))
    directory = _entry("Root Entry", 5, child=1 if names else None, start=END, size=0)
    for index, name in enumerate(names, 1):
        right = index + 1 if index < len(names) else None
        directory += _entry(name, 2, right=right, start=starts[name], size=len(padded[name]))
    directory = directory.ljust(dir_sectors * SECTOR, b"\0")
    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", bytes(16), 0x3E, 3, 0xFFFE, 9, 6, bytes(6),
        0, fat_sectors, first_dir, 0, MINI_CUTOFF, END, 0, END, 0, *difat,
    )
    body = b"".join(struct.pack("<128I", *fat[i : i + 128]) for i in range(0, len(fat), 128))
    body += directory + b"".join(padded[name].ljust(data_sectors[name] * SECTOR, b"\0") for name in names)
    return header + body


def compound_file_tree(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file with storages (``"storage/stream"`` keys) and exact stream sizes.

    Unlike :func:`compound_file`, streams shorter than the 4,096-byte cutoff
    live in the mini stream (64-byte mini sectors, chained by the mini FAT,
    stored as the root entry's stream), as [MS-CFB] 2.4 and 2.5 require: an
    Outlook .msg keeps dozens of short property streams whose readers use
    the streams' sizes.  Each storage's children form a right-leaning chain
    in [MS-CFB] name order.
    """
    paths = {tuple(key.split("/")): data for key, data in streams.items()}
    storages = {path[:depth] for path in paths for depth in range(1, len(path))}
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {(): [], **{storage: [] for storage in storages}}
    for node in [*storages, *paths]:
        children[node[:-1]].append(node)
    for nodes in children.values():
        nodes.sort(key=lambda node: (len(node[-1]), node[-1].upper()))
    order: list[tuple[str, ...]] = []

    def visit(node: tuple[str, ...]) -> None:
        order.append(node)
        for child in children.get(node, []):
            visit(child)

    visit(())
    index = {node: number for number, node in enumerate(order)}
    mini, minifat, places = b"", [], {}
    big: dict[tuple[str, ...], bytes] = {}
    for node in order:
        if node not in paths:
            continue
        data = paths[node]
        if len(data) >= MINI_CUTOFF:
            big[node] = data
            continue
        count = -(-len(data) // 64)
        places[node] = (len(minifat), len(data)) if count else (END, 0)
        if count:
            minifat += [*range(len(minifat) + 1, len(minifat) + count), END]
        mini += data.ljust(count * 64, b"\0")
    dir_sectors = -(-len(order) * 128 // SECTOR)
    minifat_sectors = -(-len(minifat) * 4 // SECTOR)
    mini_sectors = -(-len(mini) // SECTOR)
    big_sectors = {node: -(-len(data) // SECTOR) for node, data in big.items()}
    used = dir_sectors + minifat_sectors + mini_sectors + sum(big_sectors.values())
    fat_sectors = 1
    while fat_sectors * 128 < used + fat_sectors:
        fat_sectors += 1
    fat = [FAT_SECTOR] * fat_sectors

    def chain(count: int) -> int:
        start = len(fat) if count else END
        fat.extend([*range(len(fat) + 1, len(fat) + count), END] if count else [])
        return start

    first_dir = chain(dir_sectors)
    first_minifat = chain(minifat_sectors)
    mini_start = chain(mini_sectors)
    for node in big:
        places[node] = (chain(big_sectors[node]), len(big[node]))
    fat += [FREE] * (fat_sectors * 128 - len(fat))
    directory = b""
    for node in order:
        siblings = children[node[:-1]] if node else [node]
        position = siblings.index(node)
        right = index[siblings[position + 1]] if node and position + 1 < len(siblings) else None
        first_child = index[children[node][0]] if children.get(node) else None
        if not node:
            directory += _entry("Root Entry", 5, child=first_child, start=mini_start, size=len(mini))
        elif node in paths:
            start, size = places[node]
            directory += _entry(node[-1], 2, right=right, start=start, size=size)
        else:
            directory += _entry(node[-1], 1, child=first_child, right=right, start=0, size=0)
    directory = directory.ljust(dir_sectors * SECTOR, b"\0")
    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", bytes(16), 0x3E, 3, 0xFFFE, 9, 6, bytes(6),
        0, fat_sectors, first_dir, 0, MINI_CUTOFF, first_minifat, minifat_sectors, END, 0, *difat,
    )
    body = b"".join(struct.pack("<128I", *fat[i : i + 128]) for i in range(0, len(fat), 128))
    body += directory
    body += struct.pack(f"<{len(minifat)}I", *minifat).ljust(minifat_sectors * SECTOR, b"\xff")
    body += mini.ljust(mini_sectors * SECTOR, b"\0")
    body += b"".join(data.ljust(big_sectors[node] * SECTOR, b"\0") for node, data in big.items())
    return header + body


def _entry(name: str, kind: int, *, child: int | None = None, right: int | None = None, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    none = FREE
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded, len(encoded), kind, 1, none, right if right is not None else none,
        child if child is not None else none, bytes(16), 0, 0, 0, start, size,
    )


def summary_information(properties: dict[int, str]) -> bytes:
    """A SummaryInformation property set ([MS-OLEPS]): code page 65001 and VT_LPSTR strings.

    2 title, 3 subject, 4 author, 5 keywords, 6 comments.
    """
    items = [(1, struct.pack("<Hxxh", 2, -535))]  # PID_CODEPAGE, VT_I2 65001 (UTF-8)
    for pid, value in properties.items():
        raw = value.encode("utf-8") + b"\0"
        raw += b"\0" * (-len(raw) % 4)
        items.append((pid, struct.pack("<II", 0x1E, len(raw)) + raw))
    offsets, payload = [], b""
    base = 8 + 8 * len(items)
    for pid, value in items:
        offsets.append(struct.pack("<II", pid, base + len(payload)))
        payload += value
    section = struct.pack("<II", base + len(payload), len(items)) + b"".join(offsets) + payload
    fmtid = bytes.fromhex("e0859ff2f94f6810ab9108002b27b3d9")
    return struct.pack("<HHI16sI", 0xFFFE, 0, 0x00020006, bytes(16), 1) + fmtid + struct.pack("<I", 48) + section


TEXT_AT = 2048  # file offset of the text in the WordDocument stream (after the FIB)
CHPX_PAGE = 2  # the CHPX FKP lives in the 512-byte page 2 (bytes 1024-1535), after the 900-byte FIB


def word97(
    body: Sequence[str],
    *,
    header: str = "",
    footer: str = "",
    footnote: str = "",
    comment: tuple[str, str] | None = None,
    deleted: str = "",
    hidden: str = "",
    properties: dict[int, str] | None = None,
    picture: bytes = b"",
) -> bytes:
    """A Word 97 .doc: body paragraphs, then ``deleted`` and ``hidden`` as paragraphs of their own.

    The text is one uncompressed (UTF-16) piece at :data:`TEXT_AT`; the
    stories follow in CP order (main, footnotes, headers, comments), each
    paragraph ending in 0x0D.  ``comment`` is (author, text), anchored at
    the first body paragraph; ``header``/``footer`` are the default header
    and footer of section 1.  A deleted or hidden paragraph gets a CHPX run
    with sprmCFRMarkDel (0x0800) or sprmCFVanish (0x083C) set to 1.
    """
    main = "".join(paragraph + "\r" for paragraph in body)
    marked: list[tuple[int, int, int]] = []  # (cp start, cp end, sprm)
    for text, sprm in ((deleted, 0x0800), (hidden, 0x083C)):
        if text:
            marked.append((len(main), len(main) + len(text), sprm))
            main += text + "\r"
    footnotes = f"\x02{footnote}\r" if footnote else ""
    if footnote:
        main = main[:-1] + "\x02\r"  # the reference mark at the end of the last paragraph
    headers = ""
    hdd: list[int] = []
    if header or footer:
        headers = (f"{header}\r" if header else "") + (f"{footer}\r" if footer else "")
        odd_header_end = len(header) + 1 if header else 0
        size = len(headers)
        # story i is [hdd[i], hdd[i+1]): six empty separator stories, then section 1's even
        # header (empty), odd header, even footer (empty), odd footer, first-page header and
        # footer (empty), then the guard paragraph
        hdd = [0] * 8 + [odd_header_end, odd_header_end, size, size, size, size + 1]
        headers += "\r"
    comments = f"\x05{comment[1]}\r" if comment else ""
    stories = main + footnotes + headers + comments
    text = stories + "\r"  # the final paragraph mark after the sub-documents
    lengths = [0] * 22
    lengths[0] = TEXT_AT + 2 * len(text)  # cbMac
    lengths[3], lengths[4], lengths[5], lengths[7] = len(main), len(footnotes), len(headers), len(comments)

    table = b""
    pairs = [(0, 0)] * 93

    def put(index: int, blob: bytes) -> None:
        nonlocal table
        pairs[index] = (len(table), len(blob))
        table += blob

    # Clx: a Pcdt holding a PlcPcd of one piece covering every CP
    plcpcd = struct.pack("<ii", 0, len(text)) + struct.pack("<HIH", 0, TEXT_AT, 0)
    put(33, b"\x02" + struct.pack("<I", len(plcpcd)) + plcpcd)
    if headers:
        put(11, struct.pack(f"<{len(hdd)}i", *hdd))
    if comment:
        anchor = 0
        atrd = bytes(20) + struct.pack("<h", 0) + bytes(8)  # xstUsrInitl (20 bytes), ibst = 0, the rest
        put(4, struct.pack("<ii", anchor, len(main)) + atrd)
        put(5, struct.pack("<ii", 0, len(comments)))
        owner = comment[0].encode("utf-16-le")
        put(36, struct.pack("<H", len(comment[0])) + owner)
    if marked:
        put(12, _chpx_plc(marked, len(text)))
    fib = _fib(lengths, pairs)
    word = fib.ljust(SECTOR * CHPX_PAGE, b"\0")
    if marked:
        word += _chpx_page(marked, len(text))
    word = word.ljust(TEXT_AT, b"\0") + text.encode("utf-16-le")
    streams = {"WordDocument": word, "1Table": table}
    if picture:
        # the Data stream holds an inline picture as a PICF header followed by its OfficeArt blip
        streams["Data"] = struct.pack("<IH", 68 + 25 + len(picture), 0x44) + bytes(62) + bytes(25) + picture
    if properties:
        streams["\x05SummaryInformation"] = summary_information(properties)
    return compound_file(streams)


def _fc(cp: int) -> int:
    return TEXT_AT + 2 * cp


def _chpx_plc(marked: list[tuple[int, int, int]], length: int) -> bytes:
    """PlcfBteChpx: one FKP covering the whole text."""
    return struct.pack("<IIi", _fc(0), _fc(length), CHPX_PAGE)


def _chpx_page(marked: list[tuple[int, int, int]], length: int) -> bytes:
    """A ChpxFkp: runs between the marked spans get no properties (offset 0), marked ones a one-sprm CHPX."""
    bounds = sorted({0, length, *(cp for span in marked for cp in span[:2])})
    runs = len(bounds) - 1
    page = bytearray(SECTOR)
    struct.pack_into(f"<{runs + 1}I", page, 0, *(_fc(cp) for cp in bounds))
    top = SECTOR - 1
    for index, start in enumerate(bounds[:-1]):
        sprm = next((span[2] for span in marked if span[0] == start), None)
        if sprm is None:
            continue
        chpx = struct.pack("<BHB", 3, sprm, 1)
        top = (top - len(chpx)) & ~1
        page[top : top + len(chpx)] = chpx
        page[4 * (runs + 1) + index] = top // 2
    page[SECTOR - 1] = runs
    return bytes(page)


def _fib(lengths: list[int], pairs: list[tuple[int, int]]) -> bytes:
    """FibBase (wIdent 0xA5EC, nFib 0xC1, fWhichTblStm), fibRgW (14 words), fibRgLw (22), fibRgFcLcb97 (93 pairs)."""
    base = struct.pack("<HHHHHHIHHIIH", 0xA5EC, 0xC1, 0, 0x0804, 0, 0x0200, 0, 0, 0, 0, 0, 0).ljust(32, b"\0")
    words = struct.pack("<H", 14) + bytes(28)
    longs = struct.pack("<H", 22) + struct.pack("<22i", *lengths)
    flat = [value for pair in pairs for value in pair]
    fclcb = struct.pack("<H", 93) + struct.pack(f"<{len(flat)}I", *flat)
    return base + words + longs + fclcb + struct.pack("<H", 0)


# -- Excel 97-2003 (BIFF8, [MS-XLS]) -----------------------------------------------------------------

MAX_RECORD = 8224  # the largest record body BIFF8 allows; longer data goes on in CONTINUE records


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _xl_string(text: str, length_bytes: int = 2) -> bytes:
    """An XLUnicodeString (``length_bytes`` 2) or ShortXLUnicodeString (1): count, fHighByte=1, UTF-16LE."""
    return struct.pack("<H" if length_bytes == 2 else "<B", len(text)) + b"\x01" + text.encode("utf-16-le")


def _sst(strings: list[str]) -> bytes:
    """The shared string table, split into CONTINUE records between strings (each string is short)."""
    records, body = [], struct.pack("<II", len(strings), len(strings))
    kind = 0x00FC
    for text in strings:
        item = _xl_string(text)
        if len(body) + len(item) > MAX_RECORD:
            records.append(_record(kind, body))
            kind, body = 0x003C, b""
        body += item
    records.append(_record(kind, body))
    return b"".join(records)


def _bof(kind: int) -> bytes:
    # BIFF8 (0x0600), substream type (5 globals, 0x10 sheet), build/year, file history flags, lowest version
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0006))


def _note_records(object_id: int, row: int, col: int, author: str, text: str, *, note: bool = True) -> bytes:
    """OBJ (ftCmo: a note, 0x19, or a text box, 0x06), TXO with its text and formatting runs, then NOTE."""
    cmo = struct.pack("<HHHHH12x", 0x15, 0x12, 0x19 if note else 0x06, object_id, 0x4011)
    obj = _record(0x005D, cmo + (struct.pack("<HH22x", 0x0D, 0x16) if note else b"") + bytes(4))
    runs = struct.pack("<HH4xHH4x", 0, 0, len(text), 0)
    txo = _record(0x01B6, struct.pack("<HH6sHHH4x", 0x0212, 0, bytes(6), len(text), len(runs), 0))
    txo += _record(0x003C, b"\x01" + text.encode("utf-16-le")) + _record(0x003C, runs)
    if not note:
        return obj + txo
    return obj + txo + _record(0x001C, struct.pack("<HHHH", row, col, 0, object_id) + _xl_string(author) + b"\0")


class XlError(int):
    """An error value for a cell of :func:`biff8_sheet` (0x00 #NULL!, 0x07 #DIV/0!, 0x2A #N/A…)."""


def _formats() -> bytes:
    """One FONT and the 16 XF records every workbook has: 15 style XFs, then cell XF 15 (General)."""
    font = _record(0x0031, struct.pack("<HHHHHBBBB", 220, 0, 0x7FFF, 400, 0, 0, 0, 0x86, 0) + _xl_string("宋体", 1))
    style = _record(0x00E0, struct.pack("<HHH", 0, 0, 0xFFF5) + bytes(14))
    cell = _record(0x00E0, struct.pack("<HHH", 0, 0, 0x0001) + bytes(14))
    return font + style * 15 + cell


def biff8_sheet(
    cells: dict[tuple[int, int], str | float],
    *,
    header: str = "",
    footer: str = "",
    notes: dict[tuple[int, int], tuple[str, str]] | None = None,
    hidden_rows: Sequence[int] = (),
    hidden_cols: Sequence[int] = (),
    formulas: dict[tuple[int, int], str] | None = None,
    textbox: str = "",
) -> dict[str, object]:
    """One worksheet for :func:`biff8_workbook` (0-based rows and columns)."""
    return {"cells": cells, "header": header, "footer": footer, "notes": notes or {}, "hidden_rows": hidden_rows,
            "hidden_cols": hidden_cols, "formulas": formulas or {}, "textbox": textbox}


def ole10_native(label: str, data: bytes) -> bytes:
    """The ``\\x01Ole10Native`` stream of a packaged file (an OLE Package object): size, flags, label, paths, data."""
    name = label.encode("gbk") + b"\0"
    temp = b"C:\\Temp\\" + name
    body = b"\x02\x00" + name + b"C:\\" + name + b"\x00\x00\x03\x00" + struct.pack("<I", len(temp)) + temp
    body += struct.pack("<I", len(data)) + data
    return struct.pack("<I", len(body)) + body


def _drawing_group(picture: bytes) -> bytes:
    """MSODRAWINGGROUP: an OfficeArtDggContainer whose BStore holds one PNG blip (or ``picture`` if it is
    already a blip record, from :func:`metafile_blip`), split into CONTINUE records."""
    is_blip = picture[2:4] in (b"\x1a\xf0", b"\x1b\xf0", b"\x1c\xf0", b"\x1f\xf0")
    blip = picture if is_blip else _ppt_record(0xF01E, bytes(16) + b"\xff" + picture, instance=0x6E0)
    fbse = _ppt_record(0xF007, struct.pack("<BB16sHIIIBBBB", 6, 6, bytes(16), 0xFF, len(blip), 1, 0, 0, 0, 0, 0) + blip,
                       instance=6)
    container = _ppt_record(0xF000, _ppt_record(0xF001, fbse, instance=1, container=True), container=True)
    chunks = [container[i : i + MAX_RECORD] for i in range(0, len(container), MAX_RECORD)]
    return _record(0x00EB, chunks[0]) + b"".join(_record(0x003C, chunk) for chunk in chunks[1:])


def biff8_workbook(sheets: dict[str, dict[str, object]], *, states: dict[str, int] | None = None,
                   picture: bytes = b"") -> bytes:
    """The ``Workbook`` stream of an Excel 97-2003 file.

    Globals: BOF, one BOUNDSHEET per sheet (its ``hsState`` from ``states``:
    0 visible, 1 hidden, 2 very hidden), the SST, EOF.  Each sheet: BOF,
    DIMENSIONS, HEADER/FOOTER, COLINFO for hidden columns, ROW records
    (``fDyZero`` 0x20 for hidden rows), LABELSST and NUMBER cells, FORMULA
    cells whose cached result is a string (followed by its STRING record),
    notes (OBJ + TXO + NOTE) and a text box (OBJ + TXO), EOF.
    """
    strings: list[str] = []
    index: dict[str, int] = {}
    bodies = []
    for spec in sheets.values():
        records = [_bof(0x10)]
        cells: dict[tuple[int, int], str | float] = spec["cells"]  # type: ignore[assignment]
        formulas: dict[tuple[int, int], str] = spec["formulas"]  # type: ignore[assignment]
        places = [*cells, *formulas]
        rows = 1 + max((r for r, _ in places), default=0)
        cols = 1 + max((c for _, c in places), default=0)
        records.append(_record(0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0)))
        for kind, text in ((0x0014, spec["header"]), (0x0015, spec["footer"])):
            if text:
                records.append(_record(kind, _xl_string(str(text))))
        for col in spec["hidden_cols"]:  # type: ignore[attr-defined]
            records.append(_record(0x007D, struct.pack("<HHHHHH", col, col, 2560, 15, 0x0001, 0)))
        for row in sorted({r for r, _ in places}):
            flags = 0x0100 | (0x20 if row in spec["hidden_rows"] else 0)  # type: ignore[operator]
            records.append(_record(0x0208, struct.pack("<HHHHHHI", row, 0, cols, 255, 0, 0, flags | (15 << 16))))
        for (row, col), value in sorted(cells.items()):
            if isinstance(value, (bool, XlError)):
                # BOOLERR: the value, then fError (1 for an error code such as 0x07 #DIV/0!)
                records.append(_record(0x0205, struct.pack("<HHHBB", row, col, 15, int(value),
                                                           int(isinstance(value, XlError)))))
            elif isinstance(value, str):
                if value not in index:
                    index[value] = len(strings)
                    strings.append(value)
                records.append(_record(0x00FD, struct.pack("<HHHI", row, col, 15, index[value])))
            else:
                records.append(_record(0x0203, struct.pack("<HHHd", row, col, 15, float(value))))
        for (row, col), cached in sorted(formulas.items()):
            # a string result: byte 0 = 0, bytes 6-7 = 0xFFFF; the formula is =A1&"" (tRef, tStr, tConcat)
            rgce = struct.pack("<BHH", 0x24, 0, 0xC000) + b"\x17" + struct.pack("<BB", 0, 0) + b"\x08"
            result = bytes(6) + b"\xff\xff"
            records.append(_record(0x0006, struct.pack("<HHH", row, col, 15) + result
                                   + struct.pack("<HIH", 0x0002, 0, len(rgce)) + rgce))
            records.append(_record(0x0207, _xl_string(cached)))
        notes: dict[tuple[int, int], tuple[str, str]] = spec["notes"]  # type: ignore[assignment]
        for number, ((row, col), (author, text)) in enumerate(sorted(notes.items()), 1):
            records.append(_note_records(number, row, col, author, text))
        if spec["textbox"]:
            records.append(_note_records(len(notes) + 1, 0, 0, "", str(spec["textbox"]), note=False))
        records.append(_record(0x000A, b""))
        bodies.append(b"".join(records))
    names = list(sheets)
    states = states or {}
    boundsheet_size = sum(4 + 8 + 2 * len(name) for name in names)
    head = _bof(0x05) + _record(0x0042, struct.pack("<H", 1200)) + _formats()  # CODEPAGE: UTF-16
    if picture:
        head += _drawing_group(picture)
    sst = _sst(strings)
    offset = len(head) + boundsheet_size + len(sst) + 4
    boundsheets = b""
    for name, body in zip(names, bodies):
        boundsheets += _record(0x0085, struct.pack("<IBB", offset, states.get(name, 0), 0) + _xl_string(name, 1))
        offset += len(body)
    return head + boundsheets + sst + _record(0x000A, b"") + b"".join(bodies)


def xls(sheets: dict[str, dict[str, object]], *, states: dict[str, int] | None = None,
        properties: dict[int, str] | None = None, picture: bytes = b"",
        packaged: tuple[str, bytes] | None = None) -> bytes:
    """An Excel 97-2003 ``.xls`` (or WPS ``.et``): the BIFF8 workbook in a compound file.

    ``picture`` is a PNG in the drawing group; ``packaged`` (name, bytes) a file embedded as an OLE
    Package object (storage ``MBD00000001``).
    """
    streams = {"Workbook": biff8_workbook(sheets, states=states, picture=picture)}
    if properties:
        streams["\x05SummaryInformation"] = summary_information(properties)
    if packaged:
        streams["MBD00000001/\x01Ole10Native"] = ole10_native(*packaged)
        return compound_file_tree(streams)
    return compound_file(streams)


# -- PowerPoint 97-2003 ([MS-PPT]) -------------------------------------------------------------------


def _ppt_record(kind: int, body: bytes, *, instance: int = 0, container: bool = False) -> bytes:
    return struct.pack("<HHI", (instance << 4) | (0xF if container else 0), kind, len(body)) + body


def _ppt_text(text: str, text_type: int) -> bytes:
    """TextHeaderAtom (the placeholder's text type) and a TextCharsAtom (UTF-16LE; paragraphs end in \\r)."""
    return _ppt_record(0x0F9F, struct.pack("<I", text_type)) + _ppt_record(0x0FA0, text.encode("utf-16-le"))


def _ppt_drawing(texts: Sequence[str]) -> bytes:
    """PPDrawing → OfficeArtDgContainer → SpgrContainer, one SpContainer with a ClientTextbox per text."""
    shapes = b"".join(
        _ppt_record(0xF004, _ppt_record(0xF00D, _ppt_text(text, 4), container=True), container=True) for text in texts
    )
    return _ppt_record(0x040C, _ppt_record(0xF002, _ppt_record(0xF003, shapes, container=True), container=True),
                       container=True)


def ppt(
    slides: Sequence[Sequence[str]],
    *,
    titles: Sequence[str] = (),
    notes: dict[int, str] | None = None,
    hidden: Sequence[int] = (),
    master: str = "",
    old_text: str = "",
    properties: dict[int, str] | None = None,
    embedded: bytes = b"",
    picture: bytes = b"",
    comment: tuple[int, str, str] | None = None,
    blips: bytes = b"",
) -> bytes:
    """A PowerPoint 97-2003 .ppt: ``slides`` are the text boxes drawn on each slide.

    ``comment`` is (slide number, author, text): a Comment10Container in that slide's
    programmable tags, as PowerPoint 2002 and later write comments.

    ``titles`` are placeholder texts kept in the slide list (SlideListWithText),
    as PowerPoint stores titles; ``notes`` maps 1-based slide numbers to notes
    pages; ``hidden`` holds 1-based numbers of hidden slides
    (SlideShowSlideInfoAtom.fHidden); ``master`` is a text box on the main
    master; ``old_text`` is a slide of an earlier save left in the stream,
    which no persist directory entry names any more; ``embedded`` is the
    bytes of an embedded OLE object (an ExOleObjStg, zlib-compressed);
    ``picture`` a PNG in the Pictures stream.  The persist directory has
    ids 1 (document), 2 (master), then each slide and notes page, then the
    embedded object; one UserEditAtom; the Current User stream points at it.
    """
    notes = notes or {}
    persist: dict[int, int] = {}
    stream = b""
    if old_text:
        stream += _ppt_record(0x03EE, _ppt_drawing([old_text]), container=True)
    next_id = 3
    slide_ids = {}
    notes_ids = {}
    for number in range(1, len(slides) + 1):
        slide_ids[number] = next_id
        next_id += 1
        if number in notes:
            notes_ids[number] = next_id
            next_id += 1
    object_id = next_id if embedded else 0
    # the master
    persist[2] = len(stream)
    master_atom = _ppt_record(0x03EF, struct.pack("<I8sIIHH", 0, bytes(8), 0, 0, 0, 0))
    stream += _ppt_record(0x03F8, master_atom + _ppt_drawing([master] if master else []), container=True)
    for number, texts in enumerate(slides, start=1):
        persist[slide_ids[number]] = len(stream)
        # SlideAtom: geom, placeholder types, masterIdRef, notesIdRef (the notes' slide id), flags
        atom = _ppt_record(0x03EF, struct.pack("<I8sIIHH", 0, bytes(8), 0x80000000, 0x100 + number if number in notes
                                               else 0, 0, 0))
        info = _ppt_record(0x03F9, struct.pack("<IIBBHB3x", 0, 0, 0, 0, 0x0004 if number in hidden else 0, 0))
        tags = b""
        if comment and comment[0] == number:
            strings = (_ppt_record(0x0FBA, comment[1].encode("utf-16-le"), instance=0)
                       + _ppt_record(0x0FBA, comment[2].encode("utf-16-le"), instance=1)
                       + _ppt_record(0x2EE1, struct.pack("<i16sii", 0, bytes(16), 0, 0)))
            # BinaryTagDataBlob is written as an atom (version 0) although records are inside it
            binary = _ppt_record(0x138B, _ppt_record(0x2EE0, strings, container=True))
            tags = _ppt_record(0x1388, _ppt_record(0x138A, binary, container=True), container=True)
        stream += _ppt_record(0x03EE, atom + info + _ppt_drawing(texts) + tags, container=True)
        if number in notes:
            persist[notes_ids[number]] = len(stream)
            notes_atom = _ppt_record(0x03F1, struct.pack("<IHH", 0x100 + number, 0, 0))
            stream += _ppt_record(0x03F0, notes_atom + _ppt_drawing([notes[number]]), container=True)
    if embedded:
        import zlib

        persist[object_id] = len(stream)
        stream += _ppt_record(0x1011, struct.pack("<I", len(embedded)) + zlib.compress(embedded), instance=1)

    def slide_list(instance: int, entries: list[tuple[int, int, str]]) -> bytes:
        body = b""
        for persist_id, slide_id, text in entries:
            body += _ppt_record(0x03F3, struct.pack("<IIiII", persist_id, 0, 1 if text else 0, slide_id, 0))
            if text:
                body += _ppt_text(text, 0)
        return _ppt_record(0x0FF0, body, instance=instance, container=True)

    document_atom = _ppt_record(0x03E9, struct.pack("<IIIIIIHHBBBB", 5760, 4320, 4320, 5760, 1, 2, 0, 0, 0, 0, 0, 0))
    lists = slide_list(1, [(2, 0x80000000, "")])
    lists += slide_list(0, [(slide_ids[n], 0x100 + n, titles[n - 1] if n <= len(titles)
                                 else "") for n in slide_ids])
    if notes_ids:
        lists += slide_list(2, [(notes_ids[n], 0x100 + n, "") for n in notes_ids])
    persist[1] = len(stream)
    stream += _ppt_record(0x03E8, document_atom + lists + _ppt_record(0x03EA, b""), container=True)
    directory_offset = len(stream)
    ids = sorted(persist)
    body = struct.pack("<I", ids[0] | (len(ids) << 20)) + b"".join(struct.pack("<I", persist[i]) for i in ids)
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    stream += _ppt_record(0x1772, body)
    edit_offset = len(stream)
    stream += _ppt_record(0x0FF5, struct.pack("<IHBBIIIIHH", 256 + len(slides), 0, 0, 3, 0, directory_offset, 1,
                                              max(ids) + 1, 1, 0))
    user = b"secscan"
    current = _ppt_record(0x0FF6, struct.pack("<IIIHHBBH", 0x14, 0xE391C05F, edit_offset, len(user), 0x03F4, 3, 0, 0)
                          + user + struct.pack("<I", 8))
    streams = {"PowerPoint Document": stream, "Current User": current}
    if picture:
        # an OfficeArtBlipPNG: one 16-byte UID (instance 0x6E0), the tag byte, the PNG
        streams["Pictures"] = _ppt_record(0xF01E, bytes(16) + b"\xff" + picture, instance=0x6E0)
    if blips:
        streams["Pictures"] = streams.get("Pictures", b"") + blips
    if properties:
        streams["\x05SummaryInformation"] = summary_information(properties)
    return compound_file(streams)


# -- Outlook .msg ([MS-OXMSG]) --------------------------------------------------------------------------


def _properties_stream(header: bytes, fixed: dict[int, int], variable: dict[int, bytes]) -> bytes:
    """A property stream: the header, then 16 bytes a property (tag, flags, value or size)."""
    body = header
    for tag, value in fixed.items():
        body += struct.pack("<IIQ", tag, 0x06, value)
    for tag, data in variable.items():
        body += struct.pack("<IIII", tag, 0x06, len(data) + (2 if tag & 0xFFFF == 0x001F else 0), 0)
    return body


def msg(subject: str, body: str, *, sender: str = "办公室", attachments: dict[str, bytes] | None = None) -> bytes:
    """An Outlook .msg: subject, plain-text body and sender as Unicode string properties
    (``__substg1.0_<tag>`` streams), the top-level property stream, and one attachment storage
    (``__attach_version1.0_#0000000N``, attached by value) per file."""
    def text(value: str) -> bytes:
        return value.encode("utf-16-le")

    strings = {0x0037001F: text(subject), 0x1000001F: text(body), 0x0C1A001F: text(sender),
               0x0042001F: text(sender), 0x001A001F: text("IPM.Note")}
    streams = {f"__substg1.0_{tag:08X}": data for tag, data in strings.items()}
    attachments = attachments or {}
    header = struct.pack("<8xIIII8x", 0, len(attachments), 0, len(attachments))
    streams["__properties_version1.0"] = _properties_stream(header, {0x0E070003: 0x01}, strings)
    streams["__nameid_version1.0/__substg1.0_00020102"] = b""
    streams["__nameid_version1.0/__substg1.0_00030102"] = b""
    streams["__nameid_version1.0/__substg1.0_00040102"] = b""
    for number, (name, data) in enumerate(attachments.items()):
        storage = f"__attach_version1.0_#{number:08X}"
        values = {0x3707001F: text(name), 0x3704001F: text(name[:8]), 0x3001001F: text(name), 0x37010102: data}
        for tag, value in values.items():
            streams[f"{storage}/__substg1.0_{tag:08X}"] = value
        streams[f"{storage}/__properties_version1.0"] = _properties_stream(
            bytes(8), {0x37050003: 1, 0x0E210003: number}, values)
    return compound_file_tree(streams)


# -- vector pictures ---------------------------------------------------------------------------------


def emf(text: str, *, width: int = 400, height: int = 60) -> bytes:
    """An Enhanced Metafile ([MS-EMF]) that draws ``text``: EMR_HEADER, one EMR_EXTTEXTOUTW, EMR_EOF.

    A mark pasted into a document as a vector picture looks like this.
    """
    chars = text.encode("utf-16-le")
    chars += bytes(-len(chars) % 4)
    # EmrText: reference point, count, offString (from the record's start), options, rectangle, offDx
    body = struct.pack("<4iIff", 0, 0, width, height, 1, 1.0, 1.0)
    text_record = struct.pack("<2iIII4iI", 10, 10, len(text), 8 + len(body) + 40, 0, 0, 0, width, height, 0)
    record = body + text_record + chars
    record = struct.pack("<II", 84, 8 + len(record)) + record
    eof = struct.pack("<IIIII", 14, 20, 0, 16, 20)
    records = 3
    size = 88 + len(record) + len(eof)
    header = struct.pack("<II4i4i4sIIIHHIII2i2i", 1, 88, 0, 0, width, height, 0, 0, width * 26, height * 26,
                         b" EMF", 0x10000, size, records, 1, 0, 0, 0, 0, 1920, 1080, 508, 286)
    return header + record + eof


def metafile_blip(metafile: bytes, *, kind: str = "EMF", size_mm: tuple[float, float] = (100.0, 15.0)) -> bytes:
    """An OfficeArt metafile blip ([MS-ODRAW] 2.2.24-26) as Office stores an EMF, WMF or PICT picture.

    One 16-byte UID, the OfficeArtMetafileHeader (its ``ptSize`` in EMU from
    ``size_mm``, deflate compression), then the deflated metafile.
    """
    import zlib

    instance, kind_code = {"EMF": (0x3D4, 0xF01A), "WMF": (0x216, 0xF01B), "PICT": (0x542, 0xF01C)}[kind]
    packed = zlib.compress(metafile)
    width, height = (round(side * 36_000) for side in size_mm)
    header = struct.pack("<I4iiiIBB", len(metafile), 0, 0, width // 12700, height // 12700, width, height,
                         len(packed), 0, 0xFE)
    return _ppt_record(kind_code, bytes(16) + header + packed, instance=instance)
