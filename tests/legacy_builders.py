"""Legacy binary Office files written byte by byte: a compound file ([MS-CFB]) and a Word 97 document ([MS-DOC]).

olefile reads compound files but cannot write them, and no library writes
.doc, so the tests build them here from the specifications: just the
structures the readers need (FIB, piece table, story lengths, PlcfHdd,
comment tables, one CHPX page, SummaryInformation), each documented below.
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
