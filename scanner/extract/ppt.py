"""PowerPoint 97-2003 presentations (``.ppt``, ``.pps``, ``.pot``, WPS Office ``.dps``), read on olefile.

No maintained Python library reads a .ppt's text with its slide numbers
(python-pptx reads only pptx; the tools that dump .ppt text, such as
``catppt``, lose the slide, notes and master apart), so the records are
read here, following [MS-PPT]:

- the ``Current User`` stream points at the last ``UserEditAtom``; the
  chain of edits (``offsetLastEdit``) gives the persist directory, which
  maps persist ids to the records' offsets in ``PowerPoint Document`` (the
  newest edit wins, so the text of earlier saves left in the file is not
  taken for the current slides);
- the ``DocumentContainer`` has three ``SlideListWithText`` lists (slides,
  masters, notes): each ``SlidePersistAtom`` names one slide's persist id,
  followed by its placeholder texts (``TextCharsAtom`` UTF-16,
  ``TextBytesAtom`` 8-bit);
- each slide, notes page and master is a container whose drawing holds the
  other text boxes (``OfficeArtClientTextbox`` → text atoms), and whose
  ``Comment10Container`` records hold the comments (author, text); a slide's
  ``SlideAtom`` names its notes page, its ``SlideShowSlideInfoAtom`` says
  whether it is hidden;
- slides and notes of earlier saves that the directory no longer names
  stay in the stream (PowerPoint appends each save): their text is read as
  part ``deleted``;
- embedded OLE objects (``ExOleObjStg``, zlib-compressed or not) are
  compound files of their own, handed to the pipeline; pictures in the
  ``Pictures`` stream (PNG, JPEG, DIB) go to the OCR stage.

Units: part ``slide`` with ``page`` = slide number, ``notes`` on the page of
their slide, ``master`` for masters, ``metadata`` for properties.  Where the
persist directory is missing or damaged the slides are read in file order
and an error says so: the document is ``review``, never ``pass``.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from scanner.extract._common import ExtractError
from scanner.extract._container import ContainerCollector
from scanner.extract._images import MIN_PICTURE_BYTES, dib_to_bmp, officeart_blips
from scanner.extract._ole import damaged, ole_properties, open_ole, unwrap_object
from scanner.roles import NoticeKind
from scanner.types import ImageRef

_DOCUMENT, _SLIDE, _SLIDE_ATOM, _NOTES, _MAIN_MASTER, _SLIDE_SHOW_INFO = 0x03E8, 0x03EE, 0x03EF, 0x03F0, 0x03F8, 0x03F9
_SLIDE_LIST, _SLIDE_PERSIST, _TEXT_CHARS, _TEXT_BYTES = 0x0FF0, 0x03F3, 0x0FA0, 0x0FA8
_USER_EDIT, _PERSIST_DIRECTORY, _CURRENT_USER, _EX_OLE_STORAGE = 0x0FF5, 0x1772, 0x0FF6, 0x1011
_CRYPT_SESSION, _COMMENT, _CSTRING, _BINARY_TAG_DATA = 0x2F14, 0x2EE0, 0x0FBA, 0x138B
_LIST_SLIDES, _LIST_MASTERS, _LIST_NOTES = 0, 1, 2
# Pictures stream blips OCR can decode: record type -> (suffix, instances that carry a second 16-byte UID)
_BLIPS = {0xF01D: (".jpg", (0x46B, 0x6E3)), 0xF02A: (".jpg", (0x46B, 0x6E3)), 0xF01E: (".png", (0x6E1,)),
          0xF01F: (".bmp", (0x7A9,)), 0xF029: (".tif", (0x6E5,))}
MAX_OBJECT_BYTES = 64 * 2**20  # an embedded object's declared expanded size beyond this is not expanded


@dataclass(frozen=True)
class _Record:
    kind: int
    instance: int
    start: int  # offset of the body in the stream
    end: int
    container: bool


def extract(data: bytes, out: ContainerCollector) -> None:
    with open_ole(data, "PowerPoint 97-2003") as ole, damaged("PowerPoint 97-2003"):
        if not ole.exists("PowerPoint Document"):
            raise ExtractError("不是 PowerPoint 97-2003 演示文稿（缺少 PowerPoint Document 流） / no PowerPoint Document stream")
        stream = ole.openstream("PowerPoint Document").read()
        if len(stream) < ole.get_size("PowerPoint Document"):
            out.error("PowerPoint 数据流被截断，部分内容未读取 / the PowerPoint Document stream is truncated")
        current = ole.openstream("Current User").read() if ole.exists("Current User") else b""
        pictures = ole.openstream("Pictures").read() if ole.exists("Pictures") else b""
        ole_properties(ole, out)
    with damaged("PowerPoint 97-2003"):
        _Presentation(stream, out).read(current)
        _pictures(pictures, out)


def _records(stream: bytes, start: int, end: int) -> Iterator[_Record]:
    """The records directly inside ``[start, end)``; a record running past ``end`` is cut there."""
    position = start
    while position + 8 <= end:
        version_instance, kind, size = struct.unpack_from("<HHI", stream, position)
        body = position + 8
        yield _Record(kind, version_instance >> 4, body, min(end, body + size), version_instance & 0xF == 0xF)
        position = body + size


def _record_at(stream: bytes, offset: int) -> _Record | None:
    if offset < 0 or offset + 8 > len(stream):
        return None
    return next(_records(stream, offset, len(stream)), None)


@dataclass
class _Presentation:
    stream: bytes
    out: ContainerCollector
    persist: dict[int, int] = field(default_factory=dict)
    objects: int = 0

    def read(self, current: bytes) -> None:
        document = self._document(current)
        if document is None:
            self.out.error("PowerPoint 的持久目录缺失或损坏，已按文件顺序读取（可能混入以前保存的旧内容） "
                           "/ persist directory missing or damaged: records read in file order")
            self._in_file_order()
            return
        lists = {record.instance: record for record in _records(self.stream, document.start, document.end)
                 if record.kind == _SLIDE_LIST}
        notes = {slide_id: persist for persist, slide_id, _ in self._slide_list(lists.get(_LIST_NOTES))}
        hidden: list[tuple[int, str]] = []
        slides = self._slide_list(lists.get(_LIST_SLIDES))
        for number, (persist, _, texts) in enumerate(slides, start=1):
            before = len(self.out.units)
            for text in texts:
                self._add(text, "slide", number, "幻灯片")
            record = self._persisted(persist, _SLIDE, f"第{number}张幻灯片")
            notes_id, is_hidden = self._slide(record, number) if record else (0, False)
            if is_hidden:
                hidden.append((number, " ".join(unit.text for unit in self.out.units[before:])))
            notes_record = self._persisted(notes[notes_id], _NOTES, f"第{number}张幻灯片的备注") if notes_id in notes else None
            if notes_record:
                self._texts(notes_record, "notes", number, "备注")
        self.out.pages = len(slides)
        for index, (persist, _, texts) in enumerate(self._slide_list(lists.get(_LIST_MASTERS)), start=1):
            for text in texts:
                self._add(text, "master", None, f"母版{index}")
            record = self._persisted(persist, _MAIN_MASTER, f"母版{index}")
            if record:
                self._texts(record, "master", None, f"母版{index}")
        self._objects(document)
        self._left_over()
        if hidden:
            self.out.notice(NoticeKind.HIDDEN_SLIDE, text=next((t for _, t in hidden if t.strip()), "")[:80], part="slide",
                            page=hidden[0][0], detail=f"{len(hidden)} 张隐藏幻灯片：{'、'.join(f'第{n}张' for n, _ in hidden)}")

    def _document(self, current: bytes) -> _Record | None:
        """The DocumentContainer the last edit names, after reading the persist directory of every edit."""
        if len(current) < 20:
            return None
        token, offset = struct.unpack_from("<II", current, 12)  # after the header and the atom size
        if token == 0xF3D1C4DF:  # the header token of an encrypted presentation
            raise ExtractError("加密的 PowerPoint 演示文稿，无法读取 / encrypted presentation")
        seen: set[int] = set()
        document_ref = None
        while offset and offset not in seen:
            seen.add(offset)
            edit = _record_at(self.stream, offset)
            if edit is None or edit.kind != _USER_EDIT or edit.end - edit.start < 28:
                return None
            last, directory, doc_ref = struct.unpack_from("<III", self.stream, edit.start + 8)
            if edit.end - edit.start >= 32 and struct.unpack_from("<I", self.stream, edit.start + 28)[0]:
                raise ExtractError("加密的 PowerPoint 演示文稿，无法读取 / encrypted presentation")
            document_ref = doc_ref if document_ref is None else document_ref
            self._directory(directory)
            offset = last
        record = self._record_of(document_ref) if document_ref is not None else None
        return record if record is not None and record.kind == _DOCUMENT else None

    def _directory(self, offset: int) -> None:
        record = _record_at(self.stream, offset)
        if record is None or record.kind != _PERSIST_DIRECTORY:
            return
        position = record.start
        while position + 4 <= record.end:
            entry = struct.unpack_from("<I", self.stream, position)[0]
            first, count = entry & 0xFFFFF, entry >> 20
            position += 4
            for index in range(count):
                if position + 4 > record.end:
                    break
                # an older edit's entry does not replace a newer one (the chain is read newest first)
                self.persist.setdefault(first + index, struct.unpack_from("<I", self.stream, position)[0])
                position += 4

    def _record_of(self, persist: int) -> _Record | None:
        offset = self.persist.get(persist)
        return _record_at(self.stream, offset) if offset is not None else None

    def _persisted(self, persist: int, kind: int, what: str) -> _Record | None:
        record = self._record_of(persist)
        if record is None or record.kind != kind:
            self.out.unread(what, "slide", "记录缺失或损坏 / record missing or damaged", part="slide")
            return None
        return record

    def _slide_list(self, record: _Record | None) -> list[tuple[int, int, list[str]]]:
        """(persist id, slide id, placeholder texts) for each SlidePersistAtom of a SlideListWithText."""
        if record is None:
            return []
        entries: list[tuple[int, int, list[str]]] = []
        for child in _records(self.stream, record.start, record.end):
            if child.kind == _SLIDE_PERSIST and child.end - child.start >= 16:
                persist, _, _, slide_id = struct.unpack_from("<IIII", self.stream, child.start)
                entries.append((persist, slide_id, []))
            elif entries and child.kind in (_TEXT_CHARS, _TEXT_BYTES):
                entries[-1][2].append(self._text(child))
        return entries

    def _slide(self, record: _Record, number: int) -> tuple[int, bool]:
        """Read a slide's drawn text; its notes id and whether it is hidden."""
        notes_id, hidden = 0, False
        for child in _records(self.stream, record.start, record.end):
            if child.kind == _SLIDE_ATOM and child.end - child.start >= 20:
                notes_id = struct.unpack_from("<I", self.stream, child.start + 16)[0]
            elif child.kind == _SLIDE_SHOW_INFO and child.end - child.start >= 12:
                hidden = bool(struct.unpack_from("<H", self.stream, child.start + 10)[0] & 0x0004)
        self._texts(record, "slide", number, "幻灯片")
        return notes_id, hidden

    def _texts(self, record: _Record, part: str, page: int | None, source: str, depth: int = 0) -> None:
        """Every text atom anywhere inside ``record`` (drawings nest text boxes in groups)."""
        if depth > 32:
            self.out.error("PowerPoint 记录嵌套过深，部分内容未读取 / records nested too deeply")
            return
        for child in _records(self.stream, record.start, record.end):
            if child.kind in (_TEXT_CHARS, _TEXT_BYTES):
                self._add(self._text(child), part, page, source)
            elif child.kind == _COMMENT:
                self._comment(child, page)
            elif child.container or child.kind == _BINARY_TAG_DATA:
                # the data of a programmable tag is written as an atom but holds records (comments)
                self._texts(child, part, page, source, depth + 1)

    def _comment(self, record: _Record, page: int | None) -> None:
        """A comment (Comment10Container): CString atoms, instance 0 the author, 1 the text."""
        strings = {child.instance: self.stream[child.start : child.end].decode("utf-16-le", "replace")
                   for child in _records(self.stream, record.start, record.end) if child.kind == _CSTRING}
        for paragraph in strings.get(1, "").replace("\r\n", "\r").split("\r"):
            self.out.add(paragraph, part="comment", page=page, source=f"批注 {strings.get(0, '')}".strip(),
                         numbered=False)

    def _text(self, record: _Record) -> str:
        raw = self.stream[record.start : record.end]
        return raw.decode("utf-16-le", "replace") if record.kind == _TEXT_CHARS else raw.decode("latin-1")

    def _add(self, text: str, part: str, page: int | None, source: str) -> None:
        # paragraphs end in \r; \v is a line break inside one
        for paragraph in text.replace("\v", "\n").split("\r"):
            self.out.add(paragraph, part=part, page=page, source=source, numbered=part == "slide")

    def _left_over(self) -> None:
        """Slides and notes of earlier saves that no persist entry names: still in the file, so read as deleted text."""
        current = set(self.persist.values())
        for record in _records(self.stream, 0, len(self.stream)):
            if record.kind in (_SLIDE, _NOTES) and record.start - 8 not in current:
                self._texts(record, "deleted", None, "以前保存的旧版本（仍在文件中）")

    def _in_file_order(self) -> None:
        number = 0
        for record in _records(self.stream, 0, len(self.stream)):
            if record.kind == _SLIDE:
                number += 1
                self._slide(record, number)
            elif record.kind == _NOTES:
                self._texts(record, "notes", number or None, "备注")
            elif record.kind == _MAIN_MASTER:
                self._texts(record, "master", None, "母版")
            elif record.kind == _DOCUMENT:
                for child in _records(self.stream, record.start, record.end):
                    if child.kind == _SLIDE_LIST:
                        part = {_LIST_SLIDES: "slide", _LIST_NOTES: "notes"}.get(child.instance, "master")
                        for _, _, texts in self._slide_list(child):
                            for text in texts:
                                self._add(text, part, None, "大纲")
            elif record.kind == _EX_OLE_STORAGE:
                self._object(record)
        self.out.pages = number

    def _objects(self, document: _Record) -> None:
        """Embedded OLE objects: every ExOleObjStg the persist directory names."""
        for offset in sorted(set(self.persist.values())):
            record = _record_at(self.stream, offset)
            if record is not None and record.kind == _EX_OLE_STORAGE:
                self._object(record)

    def _object(self, record: _Record) -> None:
        self.objects += 1
        name = f"嵌入对象{self.objects}"
        raw = self.stream[record.start : record.end]
        if record.instance == 1:  # compressed: the expanded size, then a zlib stream
            if len(raw) < 4:
                return
            size = struct.unpack_from("<I", raw)[0]
            bound = min(size, self.out.room(), MAX_OBJECT_BYTES)
            try:
                inflater = zlib.decompressobj()
                raw = inflater.decompress(raw[4:], bound)
            except zlib.error as error:
                self.out.unread(name, "embedded", f"嵌入对象解压失败 / cannot inflate: {error}", part="embedded")
                return
            if len(raw) < size:
                self.out.unread(name, "embedded", "嵌入对象过大或被截断 / object too large or truncated", part="embedded")
                return
        label, raw = unwrap_object(raw)  # the document or file the object's storage holds
        name = label or name
        if raw and self.out.may_embed(name):
            self.out.embed(name, raw, part="embedded")


def _pictures(stream: bytes, out: ContainerCollector) -> None:
    """Bitmaps of the Pictures stream (OfficeArt blips) for OCR; vector pictures are named as unread."""
    officeart_blips(stream, out, "Pictures", bitmaps=False)  # the bitmaps are taken below, numbered by record
    for number, record in enumerate(_records(stream, 0, len(stream)), start=1):
        blip = _BLIPS.get(record.kind)
        if blip is None:
            continue
        suffix, two_uids = blip
        skip = 16 + (16 if record.instance in two_uids else 0) + 1  # rgbUid(s), then the tag byte
        data = stream[record.start + skip : record.end]
        if record.kind == 0xF01F:
            data = dib_to_bmp(data)
        if len(data) >= MIN_PICTURE_BYTES:
            out.images.append(ImageRef(name=f"Pictures/{number}{suffix}", data=data, part="slide", source="Pictures"))
