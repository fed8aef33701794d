"""Word 97–2003 binary documents (``.doc``, ``.dot``, WPS Office ``.wps``), read on olefile.

Written here, on the compound-file reader olefile, because no maintained
Python library reads the stories of a .doc with their places: ``antiword``
and ``catdoc`` are programs that print the main text (no comments' authors,
no tracked deletions), and the few Python readers on PyPI are abandoned
or shell out to them (README, "Library choices").  Structures follow
[MS-DOC]:

- the FIB (``WordDocument`` stream) gives the length of each story in
  character positions (CPs) and where the tables are (``0Table``/``1Table``);
- the piece table (``Clx`` → ``PlcPcd``) maps CPs to file offsets, each
  piece either UTF-16LE or 8-bit "compressed" text;
- the stories follow one another in CP order: main text, footnotes,
  headers/footers (split per section by ``PlcfHdd``), comments (split by
  ``PlcfandTxt``, authors from ``GrpXstAtnOwners``), endnotes, text boxes,
  header text boxes;
- character properties (``PlcfBteChpx`` → CHPX FKPs) mark runs as deleted
  revisions (``sprmCFRMarkDel``) or hidden text (``sprmCFVanish``);
- ``SummaryInformation`` / ``DocumentSummaryInformation`` are properties;
  ``ObjectPool`` holds embedded objects, handed to the pipeline where they
  are files (an OOXML ``Package`` or an ``Ole10Native`` packaged file).

Locations are as for docx: the part names the layer, ``paragraph`` counts
body paragraphs, ``source`` says which story (``页眉 第1节``, ``批注 张三``).
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from dataclasses import dataclass
from itertools import pairwise

from scanner.extract._common import ExtractError
from scanner.extract._container import ContainerCollector
from scanner.extract._ole import carve_pictures, damaged, ole_objects, ole_properties, open_ole

# fibRgLw97 indexes of the story lengths, in their CP order, and the part of each story
_STORIES = ((3, "body"), (4, "footnote"), (5, "header"), (6, "body"), (7, "comment"), (8, "endnote"),
            (9, "textbox"), (10, "textbox"))
# fibRgFcLcb97 indexes
_PLCF_HDD, _PLCF_BTE_CHPX, _CLX, _PLCF_AND_TXT, _PLCF_AND_REF, _GRP_ATN_OWNERS = 11, 12, 33, 5, 4, 36
_SPRM_DELETED, _SPRM_VANISH = 0x0800, 0x083C
# per section, PlcfHdd has six stories: even/odd header, even/odd footer, first-page header/footer
_HDD_PARTS = ("header", "header", "footer", "footer", "header", "footer")
_HDD_NAMES = ("偶数页页眉", "页眉", "偶数页页脚", "页脚", "首页页眉", "首页页脚")
# characters that are structure, not text: field begin/separator/end are handled apart
_DROP = dict.fromkeys([0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x0C], None) | {0x07: "\t", 0x0B: "\n", 0x1E: "-", 0x1F: None}


def extract(data: bytes, out: ContainerCollector) -> None:
    with open_ole(data, "Word 97-2003") as ole, damaged("Word 97-2003"):
        if not ole.exists("WordDocument"):
            raise ExtractError("不是 Word 97-2003 文档（缺少 WordDocument 流） / no WordDocument stream")
        word = ole.openstream("WordDocument").read()
        fib = _Fib.parse(word)
        table_name = "1Table" if fib.which_table else "0Table"
        if fib.encrypted:
            raise ExtractError("加密的 Word 文档，无法读取 / encrypted Word document")
        if not ole.exists(table_name):
            raise ExtractError(f"Word 文档缺少 {table_name} 流 / missing {table_name} stream")
        table = ole.openstream(table_name).read()
        _Reader(word, table, fib, out).read()
        ole_properties(ole, out)
        ole_objects(ole, out, ("ObjectPool",))
        carve_pictures(word, out, "WordDocument")  # pictures of floating shapes
        if ole.exists("Data"):
            carve_pictures(ole.openstream("Data").read(), out, "Data")  # inline pictures


@dataclass(frozen=True)
class _Fib:
    which_table: bool
    encrypted: bool
    lengths: tuple[int, ...]  # fibRgLw97
    pairs: tuple[tuple[int, int], ...]  # fibRgFcLcb (fc, lcb)

    @classmethod
    def parse(cls, word: bytes) -> _Fib:
        try:
            ident, version, flags = struct.unpack_from("<HH6xH", word, 0)
            if ident == 0xA5DC or (ident == 0xA5EC and 101 <= version <= 105):
                raise ExtractError("Word 6.0/95 文档（早于 Word 97）不支持，请另存为 docx 后再审查 / Word 6.0/95 document")
            if ident != 0xA5EC:
                raise ExtractError("Word 文档头部（FIB）无效 / not a Word FIB (wIdent)")
            if flags & 0x0100:  # fEncrypted: the rest of the FIB may be encrypted too
                raise ExtractError("加密的 Word 文档，无法读取 / encrypted Word document")
            csw = struct.unpack_from("<H", word, 32)[0]
            position = 34 + csw * 2
            cslw = struct.unpack_from("<H", word, position)[0]
            lengths = struct.unpack_from(f"<{cslw}i", word, position + 2)
            position += 2 + cslw * 4
            count = struct.unpack_from("<H", word, position)[0]
            flat = struct.unpack_from(f"<{count * 2}I", word, position + 2)
        except struct.error as error:
            raise ExtractError(f"Word 文档头部（FIB）被截断 / truncated FIB: {error}") from error
        if len(lengths) < 11 or count <= _GRP_ATN_OWNERS:
            raise ExtractError("Word 文档头部（FIB）过短 / FIB too short")
        pairs = tuple(zip(flat[0::2], flat[1::2], strict=True))
        return cls(bool(flags & 0x0200), bool(flags & 0x0100), lengths, pairs)


class _Reader:
    def __init__(self, word: bytes, table: bytes, fib: _Fib, out: ContainerCollector) -> None:
        self.word, self.table, self.fib, self.out = word, table, fib, out
        self.pieces = self._pieces()
        self.marks = self._character_marks()

    def _blob(self, index: int) -> bytes:
        fc, lcb = self.fib.pairs[index]
        if lcb == 0:
            return b""
        if fc + lcb > len(self.table):
            self.out.error(f"Word 文档的结构表 {index} 超出表流，部分内容可能未读取 / table structure {index} out of range")
            return b""
        return self.table[fc : fc + lcb]

    def _pieces(self) -> list[tuple[int, int, int, bool]]:
        """(cp_start, cp_end, fc, compressed) for each piece of the piece table."""
        clx = self._blob(_CLX)
        position = 0
        while position < len(clx) and clx[position] == 0x01:  # Prc: skip its property modifiers
            position += 3 + struct.unpack_from("<H", clx, position + 1)[0]
        if position >= len(clx) or clx[position] != 0x02:
            raise ExtractError("Word 文档的分段表（piece table）缺失或损坏 / piece table missing or corrupt")
        size = struct.unpack_from("<I", clx, position + 1)[0]
        plc = clx[position + 5 : position + 5 + size]
        count = (len(plc) - 4) // 12
        cps = struct.unpack_from(f"<{count + 1}i", plc, 0)
        pieces = []
        for index in range(count):
            raw_fc = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * index + 2)[0]
            compressed = bool(raw_fc & 0x40000000)
            fc = raw_fc & 0x3FFFFFFF
            pieces.append((cps[index], cps[index + 1], fc // 2 if compressed else fc, compressed))
        return pieces

    def text(self, start: int, end: int) -> list[tuple[str, bool, bool]]:
        """The characters of CPs ``[start, end)`` as runs of (text, deleted, hidden)."""
        runs: list[tuple[str, bool, bool]] = []
        for cp_start, cp_end, fc, compressed in self.pieces:
            low, high = max(start, cp_start), min(end, cp_end)
            if low >= high:
                continue
            width = 1 if compressed else 2
            first = fc + (low - cp_start) * width
            last = first + (high - low) * width
            # cut the piece where the character properties change (file offsets)
            cuts = sorted({first, last, *(b for b in self.marks.bounds if first < b < last)})
            for begin, finish in pairwise(cuts):
                raw = self.word[begin:finish]
                chunk = raw.decode("cp1252", "replace") if compressed else raw.decode("utf-16-le", "replace")
                deleted, hidden = self.marks.at(begin)
                runs.append((chunk, deleted, hidden))
        return runs

    def _character_marks(self) -> _Marks:
        plc = self._blob(_PLCF_BTE_CHPX)
        marks = _Marks()
        if len(plc) < 8:
            return marks
        count = (len(plc) - 4) // 8
        for index in range(count):
            pn = struct.unpack_from("<I", plc, 4 * (count + 1) + 4 * index)[0] & 0x3FFFFF
            page = self.word[pn * 512 : pn * 512 + 512]
            if len(page) < 512:
                self.out.error("Word 文档的字符格式页超出文件，修订和隐藏文字可能未识别 / CHPX page out of range")
                continue
            runs = page[511]
            fcs = struct.unpack_from(f"<{runs + 1}I", page, 0)
            for run in range(runs):
                offset = page[4 * (runs + 1) + run] * 2
                deleted = hidden = False
                if offset:
                    size = page[offset]
                    deleted, hidden = _toggles(page[offset + 1 : offset + 1 + size])
                marks.add(fcs[run], fcs[run + 1], deleted, hidden)
        return marks

    def read(self) -> None:
        cp = 0
        lengths = self.fib.lengths
        for index, part in _STORIES:
            length = max(0, lengths[index]) if index < len(lengths) else 0
            if length:
                if part == "header":
                    self._headers(cp, cp + length)
                elif part == "comment":
                    self._comments(cp, cp + length)
                else:
                    source = {"footnote": "脚注", "endnote": "尾注", "textbox": "文本框"}.get(part, "")
                    self._story(cp, cp + length, part, source, numbered=part == "body" and index == 3)
            cp += length

    def _story(self, start: int, end: int, part: str, source: str, *, numbered: bool) -> None:
        """Paragraphs of one story; deleted and hidden runs become units of their own layers."""
        paragraph: dict[str, list[str]] = {"visible": [], "deleted": [], "hidden": []}
        field_depth: list[bool] = []  # per open field: still in its instructions?
        for chunk, deleted, hidden in self.text(start, end):
            key = "deleted" if deleted else "hidden" if hidden else "visible"
            for char in chunk:
                code = ord(char)
                if code == 0x13:
                    field_depth.append(True)
                elif code == 0x14 and field_depth:
                    field_depth[-1] = False
                elif code == 0x15 and field_depth:
                    field_depth.pop()
                elif field_depth and field_depth[-1]:
                    continue  # a field's code (PAGE, HYPERLINK "…") is not text a reader sees
                elif code == 0x0D:
                    self._paragraph(paragraph, part, source, numbered)
                    paragraph = {"visible": [], "deleted": [], "hidden": []}
                else:
                    paragraph[key].append(char)
        self._paragraph(paragraph, part, source, numbered)

    def _paragraph(self, paragraph: dict[str, list[str]], part: str, source: str, numbered: bool) -> None:
        visible = "".join(paragraph["visible"]).translate(_DROP)
        # a paragraph that is all deleted or hidden takes the number of the body paragraph before it, as in docx
        number = (self.out.paragraph or None) if numbered else None
        if visible.strip():
            unit = self.out.add(visible, part=part, source=source, numbered=numbered)
            number = unit.paragraph if unit is not None else number
        for layer in ("deleted", "hidden"):
            text = "".join(paragraph[layer]).translate(_DROP)
            if text.strip():
                self.out.add(text, part=layer, source=source or "正文", paragraph=number, numbered=False)

    def _headers(self, start: int, end: int) -> None:
        plc = self._blob(_PLCF_HDD)
        count = len(plc) // 4
        cps = struct.unpack_from(f"<{count}i", plc, 0) if count else ()
        if count < 8:
            self._story(start, end, "header", "页眉", numbered=False)
            return
        for index in range(6, count - 1):  # the first six are footnote/endnote separators
            low, high = start + cps[index], start + cps[index + 1]
            if high > low:
                kind = (index - 6) % 6
                section = (index - 6) // 6 + 1
                self._story(low, min(high, end), _HDD_PARTS[kind], f"{_HDD_NAMES[kind]} 第{section}节", numbered=False)

    def _comments(self, start: int, end: int) -> None:
        owners = _xsts(self._blob(_GRP_ATN_OWNERS))
        refs = self._blob(_PLCF_AND_REF)
        count = (len(refs) - 4) // 34 if len(refs) >= 4 else 0
        authors = []
        for index in range(count):
            ibst = struct.unpack_from("<h", refs, 4 * (count + 1) + 30 * index + 20)[0]
            authors.append(owners[ibst] if 0 <= ibst < len(owners) else "")
        plc = self._blob(_PLCF_AND_TXT)
        bounds = struct.unpack_from(f"<{len(plc) // 4}i", plc, 0) if len(plc) >= 8 else (0, end - start)
        for index in range(len(bounds) - 1):
            low, high = start + bounds[index], min(end, start + bounds[index + 1])
            author = authors[index] if index < len(authors) else ""
            if high > low:
                self._story(low, high, "comment", f"批注 {author}".strip(), numbered=False)


class _Marks:
    """File-offset runs marked deleted or hidden by their character properties."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.runs: list[tuple[int, bool, bool]] = []
        self.bounds: set[int] = set()

    def add(self, start: int, end: int, deleted: bool, hidden: bool) -> None:
        self.bounds.update((start, end))
        if deleted or hidden:
            position = bisect_right(self.starts, start)
            self.starts.insert(position, start)
            self.runs.insert(position, (end, deleted, hidden))

    def at(self, fc: int) -> tuple[bool, bool]:
        position = bisect_right(self.starts, fc) - 1
        if position >= 0:
            end, deleted, hidden = self.runs[position]
            if fc < end:
                return deleted, hidden
        return False, False


def _toggles(grpprl: bytes) -> tuple[bool, bool]:
    """Whether a CHPX's property list turns on deleted-revision or hidden (vanish) text."""
    deleted = hidden = False
    position = 0
    while position + 2 <= len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, position)[0]
        position += 2
        spra = sprm >> 13
        if spra == 6:
            size = 1 + (grpprl[position] if position < len(grpprl) else 0)
        else:
            size = (1, 1, 2, 4, 2, 2, 0, 3)[spra]
        operand = grpprl[position] if position < len(grpprl) else 0
        # a ToggleOperand: 1 on, 0x81 the opposite of the style (which is off in practice)
        if sprm == _SPRM_DELETED:
            deleted = operand in (1, 0x81)
        elif sprm == _SPRM_VANISH:
            hidden = operand in (1, 0x81)
        position += size
    return deleted, hidden


def _xsts(blob: bytes) -> list[str]:
    """A run of Xst strings (a 16-bit count, then that many UTF-16 characters)."""
    names, position = [], 0
    while position + 2 <= len(blob):
        count = struct.unpack_from("<H", blob, position)[0]
        names.append(blob[position + 2 : position + 2 + 2 * count].decode("utf-16-le", "replace"))
        position += 2 + 2 * count
    return names
