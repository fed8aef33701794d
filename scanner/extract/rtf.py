"""Rich Text Format (``.rtf``, and the ``.doc`` files that are really RTF), every destination apart.

Written here rather than on a PyPI parser (README, "Library choices"):
``striprtf`` flattens every group into one text, so hidden text (``\\v``) and
deleted revisions (``\\deleted``) come out as body text, and ``rtfparse``
decodes each ``\\'hh`` byte alone, which fails on GBK Chinese (two bytes a
character: ``UnicodeDecodeError``), and reads by seeking per token.

One pass over a tokenizer (control words, ``\\'hh`` bytes, ``\\uN``
characters with their ``\\ucN`` fallbacks, groups, text).  Each group
inherits its parent's state: the destination (body, header/footer,
footnote, annotation, text box, document properties, an object's data, a
picture, or skipped tables), hidden text, deleted revision and the code
page (``\\ansicpg``, or the ``\\fcharset`` of the current font: 134 is
GBK).  Bytes are decoded when the text around them ends, so a character
split over two ``\\'hh`` escapes is decoded whole.

Units: ``body`` (``table`` inside table rows), ``header``/``footer``,
``footnote``, ``comment`` (annotations, with the author in the source),
``textbox`` (shape text), ``hidden``, ``deleted``, ``inserted`` (``\\revised``, also body
text, as in docx), ``metadata`` (``\\info``).
Embedded objects (``\\objdata``) go to the pipeline; PNG/JPEG pictures
(``\\pict``) to OCR.  Unbalanced braces (a cut-off file) are an error.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field, replace

from scanner.extract._common import ExtractError
from scanner.extract._container import ContainerCollector
from scanner.extract._images import MIN_PICTURE_BYTES, dib_to_bmp, picture
from scanner.extract._ole import unwrap_object
from scanner.types import ImageRef

# control word, a run of \'hh escapes (one token: a Chinese text is almost all of them), control
# symbol, brace, line break, text
_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|((?:\\'[0-9a-fA-F]{2})+)|\\(.)|([{}])|[\r\n]+|([^\\{}\r\n]+)", re.DOTALL
)
# \fcharsetN -> Python codec
_CHARSETS = {0: "cp1252", 77: "mac_roman", 128: "cp932", 129: "cp949", 134: "gb18030", 136: "cp950", 161: "cp1253", 162: "cp1254",
             177: "cp1255", 178: "cp1256", 186: "cp1257", 204: "cp1251", 222: "cp874", 238: "cp1250"}
_HEADERS = {"header": ("header", "页眉"), "headerl": ("header", "左页页眉"), "headerr": ("header", "右页页眉"),
            "headerf": ("header", "首页页眉"), "footer": ("footer", "页脚"), "footerl": ("footer", "左页页脚"),
            "footerr": ("footer", "右页页脚"), "footerf": ("footer", "首页页脚")}
# \pict picture types: PNG and JPEG go to OCR as they are; the others through _images.picture
_PICTURE_KINDS = {"pngblip": ".png", "jpegblip": ".jpg", "emfblip": ".emf", "wmetafile": ".wmf", "macpict": ".pict",
                  "dibitmap": ".bmp", "wbitmap": ".dib"}
_INFO = ("title", "subject", "author", "keywords", "doccomm", "operator", "company", "manager", "category")
# destinations whose text is not the document's: tables of fonts, colours, styles, lists, revision
# authors, bookmarks, field codes, the fallback pictures and drawings of shapes, XML data stores
_SKIPPED = frozenset((
    "fonttbl", "colortbl", "stylesheet", "listtable", "listoverridetable", "rsidtbl", "revtbl", "filetbl",
    "generator", "xmlnstbl", "latentstyles", "datastore", "themedata", "colorschememapping", "pgdsctbl", "fldinst",
    "bkmkstart", "bkmkend", "atnref", "atndate", "atntime", "atnicn", "atnparent", "objname", "sp", "shprslt",
    "nonshppict", "pntxta", "pntxtb", "mmathPr", "wgrffmtfilter", "userprops", "docvar", "xe", "tc", "template",
    "listpicture", "pnseclvl", "fchars", "lchars", "passwordhash", "protusertbl", "pgptbl", "blipuid",
))
_PARAGRAPH_END = frozenset(("par", "sect", "page", "cell", "row", "nestcell", "nestrow"))
_SPECIAL = {"line": "\n", "tab": "\t", "emdash": "—", "endash": "–", "lquote": "‘", "rquote": "’",
            "ldblquote": "“", "rdblquote": "”", "bullet": "•", "emspace": "\u2003", "enspace": "\u2002",
            "~": "\u00a0", "_": "\u2011", "-": ""}
MAX_DEPTH = 500  # groups nested deeper than this are not real documents


@dataclass(frozen=True)
class _State:
    dest: str = "body"  # body, header:<source>, footer:<source>, footnote, comment, textbox, info:<name>, fonttbl …
    hidden: bool = False
    deleted: bool = False
    inserted: bool = False  # \revised: a tracked insertion (visible, and reported again as its layer)
    in_table: bool = False
    uc: int = 1
    codepage: str = "cp1252"
    skip: bool = False


@dataclass
class _Reader:
    out: ContainerCollector
    codepage: str = "cp1252"
    fonts: dict[int, str] = field(default_factory=dict)
    # per destination: the paragraph being read, as (text, hidden, deleted) pieces
    paragraphs: dict[str, list[tuple[str, bool, bool]]] = field(default_factory=dict)
    insertions: dict[str, list[str]] = field(default_factory=dict)  # per destination: its inserted text
    pending: bytearray = field(default_factory=bytearray)
    pending_state: _State | None = None
    author: str = ""
    objects: int = 0
    pictures: int = 0
    binary: list[bytes] = field(default_factory=list)  # the hex digits of the open \objdata or \pict group
    blip: str = ""  # the open \pict's picture type (.png, .jpg), if OCR can read it

    def flush_bytes(self) -> None:
        if self.pending and self.pending_state is not None:
            state = self.pending_state
            self.text(bytes(self.pending).decode(state.codepage, "replace"), state)
        self.pending.clear()
        self.pending_state = None

    def raw(self, data: bytes, state: _State) -> None:
        if self.pending_state is not None and self.pending_state != state:
            self.flush_bytes()
        self.pending += data
        self.pending_state = state

    def text(self, text: str, state: _State) -> None:
        if state.skip or not text or state.dest == "info":
            return
        if state.dest.startswith(("info:", "atn")):
            self.paragraphs.setdefault(state.dest, []).append((text, False, False))
            return
        self.paragraphs.setdefault(_key(state), []).append((text, state.hidden, state.deleted))
        if state.inserted and not state.hidden and not state.deleted:
            self.insertions.setdefault(_key(state), []).append(text)

    def end_paragraph(self, state: _State) -> None:
        self.flush_bytes()
        if state.dest.startswith(("atn", "info")):
            return  # a property or an author: its group's end takes the text, a \par in it ends nothing
        key = _key(state)
        pieces = self.paragraphs.pop(key, [])
        inserted = "".join(self.insertions.pop(key, []))
        if not pieces:
            return
        part, source = _place(key)
        numbered = part in ("body", "table")
        visible = "".join(text for text, hidden, deleted in pieces if not hidden and not deleted)
        number = (self.out.paragraph or None) if numbered else None
        if visible.strip():
            unit = self.out.add(visible, part=part, source=source, numbered=numbered)
            number = unit.paragraph if unit is not None else number
        deleted = "".join(text for text, _, is_deleted in pieces if is_deleted)
        hidden = "".join(text for text, is_hidden, is_deleted in pieces if is_hidden and not is_deleted)
        for layer, text in (("inserted", inserted), ("deleted", deleted), ("hidden", hidden)):
            if text.strip():
                self.out.add(text, part=layer, source=source or "正文", paragraph=number, numbered=False)


def _key(state: _State) -> str:
    return f"table|{state.dest}" if state.in_table and state.dest == "body" else state.dest


def _place(key: str) -> tuple[str, str]:
    """(part, source) of a destination key."""
    if key == "table|body":
        return "table", ""
    kind, _, source = key.partition(":")
    return kind, {"footnote": "脚注", "textbox": "文本框"}.get(kind, source)


def extract(data: bytes, out: ContainerCollector) -> None:
    if not data.lstrip().startswith(b"{\\rtf"):
        raise ExtractError("不是 RTF 文档 / not an RTF document")
    reader = _Reader(out)
    stack: list[_State] = []
    state = _State()
    group_start = False  # the next control word opens a destination
    ignorable = False
    position = 0
    skip_chars = 0  # \uN fallback characters still to skip
    for match in _TOKEN.finditer(data):
        if match.start() < position:
            continue  # inside \binN data
        word, param, hexa, symbol, brace, text = match.groups()
        if brace is not None:
            reader.flush_bytes()
            if brace == b"{":
                if len(stack) >= MAX_DEPTH:
                    raise ExtractError("RTF 分组嵌套过深 / RTF groups nested too deeply")
                stack.append(state)
                group_start, ignorable = True, False
            else:
                _close_group(reader, state, stack[-1] if stack else None)
                if not stack:
                    out.error("RTF 的花括号不匹配（多余的“}”），其后的内容未读取 / unbalanced RTF braces")
                    break
                state = stack.pop()
                group_start = False
            skip_chars = 0
            continue
        if hexa is not None:
            raw = bytes.fromhex(hexa.replace(b"\\'", b"").decode("ascii"))
            if skip_chars:  # each escape is one of the \uN fallback characters
                cut = min(skip_chars, len(raw))
                skip_chars -= cut
                raw = raw[cut:]
            if raw and state.dest not in ("objdata", "pict"):
                reader.raw(raw, state)
            group_start = False
            continue
        if text is not None:
            if skip_chars:
                cut = min(skip_chars, len(text))
                skip_chars -= cut
                text = text[cut:]
            if text:
                if state.dest in ("objdata", "pict"):
                    reader.binary.append(text)
                else:
                    reader.raw(text, state)
            group_start = False
            continue
        if symbol is not None:
            name = symbol.decode("latin-1")
            if name == "*":
                ignorable = True
                continue
            if name in "\\{}":
                reader.raw(symbol, state)
            elif name in "\r\n":
                reader.end_paragraph(state)
            elif name in _SPECIAL:
                reader.flush_bytes()
                reader.text(_SPECIAL[name], state)
            group_start = False
            continue
        if word is None:
            continue  # line breaks in the file are not text
        name = word.decode("latin-1")
        value = int(param) if param is not None else None
        if name == "bin":
            position = match.end() + max(0, value or 0)
            continue
        if name == "u" and value is not None:
            reader.flush_bytes()
            reader.text(chr(value + 65536 if value < 0 else value), state)
            skip_chars = state.uc
            continue
        state, opened = _control(reader, state, name, value, group_start, ignorable)
        if group_start and not opened and ignorable:
            state = replace(state, skip=True, dest="skipped")  # an unknown \* destination
        group_start = ignorable = False
    reader.flush_bytes()
    for key in list(reader.paragraphs):  # what a cut-off file left open
        if key.startswith("info:"):
            _close_group(reader, _State(dest=key), None)
        elif not key.startswith("atn"):
            reader.end_paragraph(_state_of(key))
    if stack:
        out.error(f"RTF 文档不完整（缺少 {len(stack)} 个“}}”，可能被截断） / RTF document is cut off ({len(stack)} groups not closed)")


def _codec(codepage: int) -> str:
    """The Python codec of a Windows/Mac code page number (``\ansicpg``); cp1252 for one Python lacks."""
    import codecs

    name = {936: "gb18030", 10000: "mac_roman", 10008: "gb2312", 65001: "utf-8"}.get(codepage, f"cp{codepage}")
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name


def _state_of(key: str) -> _State:
    if key.startswith("table|"):
        return _State(dest=key.removeprefix("table|"), in_table=True)
    return _State(dest=key)


def _control(reader: _Reader, state: _State, name: str, value: int | None, group_start: bool,
             ignorable: bool) -> tuple[_State, bool]:
    """The state after one control word, and whether it opened a destination the reader knows."""
    on = value is None or value != 0
    if group_start:
        if name in _SKIPPED or state.skip:
            if name == "fonttbl":
                return replace(state, dest="fonttbl", skip=True), True
            return replace(state, skip=True, dest="skipped"), True
        if name in _HEADERS:
            part, source = _HEADERS[name]
            return replace(state, dest=f"{part}:{source}", hidden=False, deleted=False, inserted=False), True
        if name in ("footnote", "annotation", "shptxt", "info"):
            dest = {"footnote": "footnote", "shptxt": "textbox", "info": "info"}.get(name) or (
                f"comment:{('批注 ' + reader.author).strip()}")
            return replace(state, dest=dest, hidden=False, deleted=False, inserted=False, in_table=False), True
        if state.dest == "info" and name in _INFO:
            return replace(state, dest=f"info:{name}"), True
        if name in ("atnid", "atnauthor"):
            return replace(state, dest=f"atn{name[3:]}"), True
        if name in ("objdata", "pict"):
            return replace(state, dest=name), True
        if name in ("shpinst", "shppict", "object", "field", "fldrslt", "result", "shp", "upr", "ud"):
            return state, True
    if state.dest == "fonttbl":
        if name == "f" and value is not None:
            reader.fonts[value] = reader.codepage
            return replace(state, dest=f"fonttbl:{value}"), False
        return state, False
    if state.dest.startswith("fonttbl:") and name == "fcharset" and value is not None:
        reader.fonts[int(state.dest[8:])] = _CHARSETS.get(value, reader.codepage)
        return state, False
    if name == "ansicpg" and value is not None:
        reader.codepage = _codec(value)
        return replace(state, codepage=reader.codepage), False
    if name == "f" and value is not None:
        return replace(state, codepage=reader.fonts.get(value, reader.codepage)), False
    if name == "uc" and value is not None:
        return replace(state, uc=max(0, value)), False
    if name == "v":
        return replace(state, hidden=on), False
    if name == "deleted":
        return replace(state, deleted=on), False
    if name == "revised":
        return replace(state, inserted=on), False
    if name == "plain":
        return replace(state, hidden=False, deleted=False, inserted=False), False
    if name == "intbl":
        return replace(state, in_table=True), False
    if name == "pard":
        return replace(state, in_table=False), False
    if name in _PARAGRAPH_END:
        reader.end_paragraph(state)
    elif name in _SPECIAL:
        reader.flush_bytes()
        reader.text(_SPECIAL[name], state)
    elif state.dest == "pict" and name in _PICTURE_KINDS:
        reader.blip = _PICTURE_KINDS[name]
    return state, False


def _close_group(reader: _Reader, state: _State, parent: _State | None) -> None:
    """What a closing brace completes: a paragraph of a destination, a property, an author, an object."""
    if parent is not None and parent.dest == state.dest and parent.in_table == state.in_table:
        return
    if state.dest in ("objdata", "pict"):
        data = _unhex(b"".join(reader.binary))
        reader.binary.clear()
        blip, reader.blip = reader.blip, ""
        if state.dest == "objdata":
            _object(reader, data)
        elif blip in (".png", ".jpg") and len(data) >= MIN_PICTURE_BYTES:
            reader.pictures += 1
            reader.out.images.append(ImageRef(name=f"图片{reader.pictures}{blip}", data=data, source="RTF"))
        elif blip:
            # a metafile (named as unread unless tiny) or a DIB (to OCR as a .bmp): see _images.picture
            reader.pictures += 1
            picture(f"图片{reader.pictures}{blip}", dib_to_bmp(data) if blip == ".bmp" else data, reader.out,
                    source="RTF")
        return
    if state.dest.startswith("info:"):
        text = "".join(t for t, _, _ in reader.paragraphs.pop(state.dest, []))
        reader.out.add(text.strip(), part="metadata", source=f"属性 {state.dest[5:]}", numbered=False)
        return
    if state.dest.startswith("atn"):
        text = "".join(t for t, _, _ in reader.paragraphs.pop(state.dest, [])).strip()
        if state.dest == "atnauthor" or (state.dest == "atnid" and not reader.author):
            reader.author = text
        return
    if state.dest != "skipped" and not state.dest.startswith("fonttbl"):
        reader.end_paragraph(state)


def _unhex(raw: bytes) -> bytes:
    digits = re.sub(rb"[^0-9a-fA-F]", b"", raw)
    return bytes.fromhex(digits[: len(digits) // 2 * 2].decode())


def _object(reader: _Reader, data: bytes) -> None:
    """An OLE1 EmbeddedObject ([MS-OLEDS] 2.2.4): version, format id, class name, topic, item, then the native data."""
    reader.objects += 1
    name = f"嵌入对象{reader.objects}"
    try:
        position = 8
        strings = []
        for _ in range(3):
            size = struct.unpack_from("<I", data, position)[0]
            strings.append(data[position + 4 : position + 4 + size].rstrip(b"\0").decode("latin-1"))
            position += 4 + size
        size = struct.unpack_from("<I", data, position)[0]
        native = data[position + 4 : position + 4 + size]
    except struct.error:
        reader.out.unread(name, "embedded", "嵌入对象的数据已损坏 / embedded object data is corrupt", part="embedded")
        return
    if strings[0].startswith("Package"):
        from scanner.extract._ole import ole10_native

        label, native = ole10_native(struct.pack("<I", len(native)) + native)
    else:
        label, native = unwrap_object(native)
    name = label or name
    if not native:
        reader.out.unread(name, "embedded", f"嵌入对象（{strings[0]}）没有可读取的内容 / empty object", part="embedded")
    elif reader.out.may_embed(name):
        reader.out.embed(name, native, part="embedded")
