"""Excel 97-2003 workbooks (``.xls``, WPS Office ``.et``): BIFF8 in a compound file.

The cells are read by **xlrd** (README, "Library choices"): every sheet with
its visibility (visible, hidden, very hidden), shared strings, numbers,
dates, formulas' cached results, hidden rows and columns and the notes
(comments) with their authors.  xlrd does not read two layers, so they are
read here from the sheet's BIFF records ([MS-XLS] 2.4): the page header and
footer (HEADER 0x0014 / FOOTER 0x0015, with Excel's ``&L&C&R`` codes) and
the text of text boxes and other drawn objects (an OBJ that is not a note,
then its TXO and CONTINUE records).

Units are as for xlsx: part ``sheet`` (``hidden`` in a hidden row or
column), ``source`` the sheet name, ``page`` its position, ``cell`` 0-based
(row, column), so a finding reads ``名单!B3``; a hidden or very hidden
sheet raises the hidden-sheet notice.  Properties come from the
SummaryInformation streams.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from itertools import compress, repeat
from operator import ne
from typing import Any

from scanner.extract._common import ExtractError
from scanner.extract._container import ContainerCollector
from scanner.extract._ole import carve_pictures, damaged, ole_objects, ole_properties, open_ole
from scanner.extract.xlsx import _header_text
from scanner.roles import NoticeKind

_BOF, _EOF, _BOUNDSHEET, _HEADER, _FOOTER, _OBJ, _TXO, _CONTINUE = (
    0x0809, 0x000A, 0x0085, 0x0014, 0x0015, 0x005D, 0x01B6, 0x003C)
_DRAWING_GROUP = 0x00EB
_NOTE_OBJECT = 0x19  # ftCmo.ot of a cell note: xlrd reads those
_VISIBILITY = {1: "隐藏", 2: "深度隐藏"}
# what xlrd raises for a damaged workbook: it parses with asserts and struct
_XLRD_FAILURES = (AssertionError, IndexError, KeyError, ValueError, struct.error, UnicodeDecodeError, TypeError,
                  AttributeError, NameError, LookupError, OverflowError)
# (all seen on damaged files: an OBJ without its ftCmo leaves xlrd's MSObj without an id, a TXO before any
# OBJ meets an unbound local in xlrd's sheet reader, a CODEPAGE record names an unknown code page)


def extract(data: bytes, out: ContainerCollector) -> None:
    import xlrd

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        with open_ole(data, "Excel 97-2003") as ole, damaged("Excel"):
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)  # olefile ignores case
            if name is None:
                raise ExtractError("不是 Excel 97-2003 工作簿（缺少 Workbook 流） / no Workbook stream")
            stream = ole.openstream(name).read()
            if len(stream) < ole.get_size(name):
                out.error("Excel 工作簿的数据流被截断，部分内容未读取 / the Workbook stream is truncated")
            ole_properties(ole, out)
            ole_objects(ole, out, (), "MBD")  # embedded objects: a storage named MBD… each
    else:
        stream = data  # Excel 2-4 saved a bare BIFF stream; xlrd reads those too
    try:
        # formatting_info gives hidden rows and columns; the log would go to stdout
        book = xlrd.open_workbook(file_contents=stream, formatting_info=True, on_demand=True, ragged_rows=True,
                                  logfile=io.StringIO())
    except xlrd.XLRDError as error:
        if "encrypted" in str(error).lower():
            raise ExtractError("加密的 Excel 工作簿，无法读取 / encrypted workbook") from error
        raise ExtractError(f"Excel 工作簿无法读取 / unreadable workbook: {error}") from error
    except (*_XLRD_FAILURES, xlrd.formula.FormulaError) as error:
        raise ExtractError(f"Excel 工作簿已损坏 / corrupt workbook: {type(error).__name__}: {error}") from error
    extras = _sheet_records(stream)
    carve_pictures(_drawing_group(stream), out, "Workbook")
    hidden: list[tuple[str, str]] = []
    names = book.sheet_names()
    for number, sheet_name in enumerate(names, start=1):
        before = len(out.units)
        try:
            sheet = book.sheet_by_index(number - 1)
        except (xlrd.XLRDError, xlrd.formula.FormulaError, *_XLRD_FAILURES) as error:
            out.unread(sheet_name, "sheet", f"工作表已损坏 / corrupt sheet: {type(error).__name__}: {error}",
                       part="sheet", page=number)
            continue
        _cells(book, sheet, number, out)
        header, footer, boxes, ended = extras.get(number - 1, ("", "", [], False))
        for part, raw in (("header", header), ("footer", footer)):
            out.add(_header_text(raw), part=part, page=number, source=sheet_name, paragraph=number)
        for index, text in enumerate(boxes, start=1):
            out.add(text, part="textbox", page=number, source=f"{sheet_name} 文本框{index}", paragraph=index)
        if ended:
            out.cover(sheet_name, "sheet")
        else:
            out.unread(sheet_name, "sheet", "工作表数据不完整（缺少结束记录） / the sheet ends before its EOF record",
                       part="sheet", page=number, status="partial")
        if sheet.visibility in _VISIBILITY:
            hidden.append((f"{sheet_name}（{_VISIBILITY[sheet.visibility]}）", " ".join(u.text for u in out.units[before:])))
        book.unload_sheet(number - 1)
    out.pages = len(names)
    if hidden:
        first = next((text for _, text in hidden if text.strip()), hidden[0][0])
        out.notice(NoticeKind.HIDDEN_SHEET, text=first[:80], part="sheet", source=hidden[0][0].split("（")[0],
                   detail=f"{len(hidden)} 个隐藏工作表：{'、'.join(name for name, _ in hidden)}")


def _cells(book: Any, sheet: Any, number: int, out: ContainerCollector) -> None:
    import xlrd

    hidden_rows = {row for row, info in sheet.rowinfo_map.items() if info.hidden}
    hidden_cols = {col for col, info in sheet.colinfo_map.items() if info.hidden}
    for row in range(sheet.nrows):
        values, types = sheet.row_values(row), sheet.row_types(row)
        # only the cells with a value, picked in C: a formatted sheet stores every one of its
        # 16 million blank cells (a real file took 147 s one Cell object at a time).  A blank's
        # value is "", so a number 0, FALSE and an error code 0 (#NULL!) are kept
        for col in compress(range(len(values)), map(ne, values, repeat(""))):
            text = _cell_text(types[col], values[col], book.datemode, xlrd)
            if text:
                part = "hidden" if row in hidden_rows or col in hidden_cols else "sheet"
                out.add(text, part=part, page=number, source=sheet.name, cell=(row, col))
    for index, ((row, col), note) in enumerate(sorted(sheet.cell_note_map.items()), start=1):
        # the source is the sheet, as for every cell, so the place reads 名单!B3; the note's
        # author (a name the reviewer sees in Excel) is a property of the note, at the same cell
        out.add(note.text, part="comment", page=number, source=sheet.name, cell=(row, col), paragraph=index)
        out.add(str(note.author or "").strip(), part="metadata", page=number, source=sheet.name, cell=(row, col),
                numbered=False)


def _cell_text(kind: int, value: Any, datemode: int, xlrd: Any) -> str:
    if kind == xlrd.XL_CELL_TEXT:
        return str(value)
    if kind == xlrd.XL_CELL_NUMBER:
        # an ID or phone number typed as a number is an integer: no ".0"
        return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else repr(value)
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(value, datemode).isoformat(sep=" ").removesuffix(" 00:00:00")
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return repr(value)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == xlrd.XL_CELL_ERROR:
        # what Excel shows in the cell (#DIV/0!, #N/A…); a code Excel does not define, with its number
        return xlrd.error_text_from_code.get(value, f"#ERR{value}")
    return ""


def _records(stream: bytes, position: int) -> Iterator[tuple[int, bytes]]:
    """(type, body) of the BIFF records from ``position`` on; stops at the end or a truncated record."""
    while position + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, position)
        body = stream[position + 4 : position + 4 + size]
        if len(body) < size:
            return
        yield kind, body
        position += 4 + size


def _drawing_group(stream: bytes) -> bytes:
    """The workbook's drawing group (MSODRAWINGGROUP and its CONTINUE records, joined): it holds the pictures."""
    pieces, joining = [], False
    for kind, body in _records(stream, 0):
        if kind == _DRAWING_GROUP or (joining and kind == _CONTINUE):
            pieces.append(body)
            joining = True
        elif kind == _EOF:
            break
        else:
            joining = False
    return b"".join(pieces)


def _sheet_records(stream: bytes) -> dict[int, tuple[str, str, list[str], bool]]:
    """Per sheet index: its header, footer, the texts of its drawn objects (what xlrd skips) and whether it ends.

    A sheet whose records stop before its EOF was cut off: xlrd reads what
    is there without a word, so the caller reports it.
    """
    offsets = []
    for kind, body in _records(stream, 0):
        if kind == _BOUNDSHEET and len(body) >= 6:
            offsets.append(struct.unpack_from("<I", body)[0])
        elif kind == _EOF:
            break
    found: dict[int, tuple[str, str, list[str], bool]] = {}
    for index, offset in enumerate(offsets):
        header = footer = ""
        boxes: list[str] = []
        depth, object_type, ended = 0, _NOTE_OBJECT, False
        records = _records(stream, offset)
        for kind, body in records:
            if kind == _BOF:
                depth += 1  # a chart inside the sheet has its own BOF … EOF
            elif kind == _EOF:
                depth -= 1
                if depth <= 0:
                    ended = depth == 0
                    break
            elif depth != 1:
                continue
            elif kind in (_HEADER, _FOOTER) and body:
                text = _unicode_string(body)
                header, footer = (text, footer) if kind == _HEADER else (header, text)
            elif kind == _OBJ and len(body) >= 6:
                object_type = struct.unpack_from("<H", body, 4)[0]
            elif kind == _TXO and object_type != _NOTE_OBJECT and len(body) >= 12:
                boxes.append(_txo_text(struct.unpack_from("<H", body, 10)[0], records))
        found[index] = (header, footer, [box for box in boxes if box.strip()], ended)
    return found


def _unicode_string(body: bytes) -> str:
    """An XLUnicodeString: a 16-bit count, fHighByte, then the characters (UTF-16LE or 8-bit)."""
    if len(body) < 3:
        return ""
    count, high = struct.unpack_from("<HB", body)
    raw = body[3 : 3 + count * (2 if high & 1 else 1)]
    return raw.decode("utf-16-le", "replace") if high & 1 else raw.decode("latin-1")


def _txo_text(chars: int, records: Iterator[tuple[int, bytes]]) -> str:
    """A TXO's text: ``chars`` characters in the CONTINUE records after it, each opening with fHighByte."""
    pieces, got = [], 0
    while got < chars:
        kind, body = next(records, (0, b""))
        if kind != _CONTINUE or not body:
            break
        wide = body[0] & 1
        text = body[1:].decode("utf-16-le", "replace") if wide else body[1:].decode("latin-1")
        pieces.append(text)
        got += len(text)
    return "".join(pieces)[:chars]
