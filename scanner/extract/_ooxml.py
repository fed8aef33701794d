"""Safe access to OOXML packages (docx, xlsx, pptx) and their shared parts.

The package is a zip file; before anything is inflated the member count,
declared sizes and compression ratios are checked, because a crafted file
can expand to gigabytes (an archive bomb).  XML is parsed without entity
resolution and without network access.

Why this module is long: it is the one reader of an OOXML package that every
OOXML extractor shares (and odf.py for OpenDocument): the bounded zip with
its relationships and content types, and the parts all three formats have
(properties, custom XML, embedded objects, drawings' text, the coverage
ledger's account of every member).  Its two halves (the package and the
shared parts) are a seam to split along once the extractors' speed and
coverage work on them (issue #21) has landed; split now, that work would
have to be merged across two files.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import struct
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

from scanner.extract._common import Collector, ExtractError, safe_xml_parser
from scanner.roles import NoticeKind

if TYPE_CHECKING:
    from lxml.etree import _Element

MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
# Small members may legitimately compress very well (a run of empty cells);
# the ratio test only matters once the inflated size is worth attacking with.
RATIO_FLOOR_BYTES = 1024 * 1024
# One XML part is parsed into a tree of roughly ten times its size; 64 MB of
# XML is several thousand pages of Word text, so more is refused rather than
# risking gigabytes of memory.
MAX_PART_BYTES = 64 * 1024 * 1024
_READ_CHUNK = 1024 * 1024
# Tags ("<") in one XML part parsed into a tree: lxml keeps ~250 bytes per
# element, and a part packed with one-character paragraphs (8 bytes a tag)
# under MAX_PART_BYTES made a tree of 1.4 GB.  Office writes 40-80 bytes a
# tag, so this is about what MAX_PART_BYTES of real XML holds.
MAX_PART_TAGS = 2_000_000

BOMB = "压缩炸弹，拒绝解压 / archive bomb suspected"
DTD_REFUSED = "部件 {name} 含 DTD 声明（可能是 XML 实体攻击），拒绝读取 / part {name} declares a DTD (possible XML entity attack): refused"

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    "cup": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
}

_CORE_FIELDS = (
    ("dc", "title"),
    ("dc", "subject"),
    ("cp", "keywords"),
    ("dc", "description"),
    ("dc", "creator"),
    ("cp", "lastModifiedBy"),
    ("cp", "category"),
    ("cp", "contentStatus"),
)
_APP_FIELDS = ("Company", "Manager", "HyperlinkBase")


def q(prefix: str, local: str) -> str:
    """Clark name ``{namespace}local`` for lxml tag comparisons."""
    return f"{{{NS[prefix]}}}{local}"


class Package:
    """A checked zip package whose XML members can be parsed safely."""

    def __init__(self, data: bytes) -> None:
        from scanner.extract.sniff import take_zip

        try:
            # (the zip file sniffing opened over these bytes, if any: its central directory is read once)
            self.zip = take_zip(data) or zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError) as error:  # damaged directory
            raise ExtractError(f"文件损坏或被截断，不是有效的压缩包 / corrupt or truncated package: {error}") from error
        self._data = data
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ExtractError(BOMB)
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ExtractError(BOMB)
        if total > MAX_TOTAL_BYTES:
            raise ExtractError(BOMB)
        self.names = [info.filename for info in infos]
        self._name_set = set(self.names)
        self._parser = safe_xml_parser()
        # members whose bytes were read: the ledger counts the rest (see account())
        self.touched: set[str] = set()
        # members read and found to hold no text (the ledger does not parse them again)
        self.textless: set[str] = set()
        self._types: tuple[dict[str, str], dict[str, str]] | None = None
        self.inflated = 0  # bytes inflated so far, whatever the headers declared
        self._type_of: dict[str, str] = {}
        # each relationships part parsed once (a picture asks for its part's on every drawing)
        self._relationships: dict[str, list[tuple[str, str, str]]] = {}

    def has(self, name: str) -> bool:
        return name in self._name_set

    def read(self, name: str) -> bytes:
        """Raw bytes of a member; raises :class:`ExtractError` if unreadable.

        Inflates in chunks and stops at :data:`MAX_PART_BYTES`, whatever
        size the archive declares: the declared sizes checked in
        ``__init__`` can lie.
        """
        self.touched.add(name)
        if (raw := self._read_plain(name)) is not None:
            self._count(name, len(raw))
            return raw
        try:
            with self.zip.open(name) as member:
                chunks = []
                size = 0
                while chunk := member.read(_READ_CHUNK):
                    size += len(chunk)
                    if size > MAX_PART_BYTES:
                        raise ExtractError(f"部件 {name} 超过 {MAX_PART_BYTES // 1024 // 1024} MB，拒绝读取 / part {name} is too large: {BOMB}")
                    self._count(name, len(chunk))
                    chunks.append(chunk)
                return b"".join(chunks)
        except KeyError as error:
            raise ExtractError(f"缺少部件 {name} / missing part {name}") from error
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:  # zlib: a damaged deflate stream
            raise ExtractError(f"部件 {name} 损坏 / part {name} is corrupt: {error}") from error
        except NotImplementedError as error:
            raise ExtractError(f"部件 {name} 使用不支持的压缩方式 / unsupported compression in {name}") from error
        except RuntimeError as error:  # zipfile: an encrypted member needs a password
            raise ExtractError(f"部件 {name} 已加密，无法读取 / part {name} is encrypted") from error

    def _count(self, name: str, size: int) -> None:
        """Add ``size`` inflated bytes of ``name`` to the package's total; raises :class:`ExtractError` past the bound.

        The output, not the declared sizes, bounds the package: every read,
        the plain one included, goes through here.
        """
        self.inflated += size
        if self.inflated > MAX_TOTAL_BYTES:
            raise ExtractError(f"解压后超过 {MAX_TOTAL_BYTES // 1024 // 1024} MB，部件 {name} 起未读取 "
                               f"/ more than {MAX_TOTAL_BYTES // 1024 // 1024} MB inflated: {BOMB}")

    def _read_plain(self, name: str) -> bytes | None:
        """A stored or deflated member read straight from the package's bytes, or None to leave it to zipfile.

        ``zipfile.open`` costs 12 µs a member in Python (a shared file
        handle, a lock, a local header read through it); this is 5 µs.  Only
        the plain case is taken: an unencrypted member whose local header
        matches the directory (signature, name), that fits :data:`MAX_PART_BYTES`
        and no later member, and whose inflated bytes have the declared size
        and CRC.  Anything else goes the zipfile way, with its errors.
        """
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            return None
        # (flags: encrypted, compressed patched data, strong encryption)
        if info.flag_bits & 0x61 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
                or info.file_size > MAX_PART_BYTES:
            return None
        data, offset = self._data, info.header_offset
        header = data[offset : offset + _LOCAL_HEADER.size]
        if len(header) != _LOCAL_HEADER.size:
            return None
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
        start = offset + _LOCAL_HEADER.size
        if signature != _LOCAL_SIGNATURE or _local_name(data[start : start + name_length], info) != info.orig_filename:
            return None
        start += name_length + extra_length
        end = start + info.compress_size
        if end > len(data) or ((limit := getattr(info, "_end_offset", None)) is not None and end > limit):
            return None
        raw = data[start:end]
        if info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            try:
                raw = inflater.decompress(raw, info.file_size + 1)
            except zlib.error:
                return None
        if len(raw) != info.file_size or zlib.crc32(raw) != info.CRC:
            return None
        return raw

    def xml(self, name: str, raw: bytes | None = None) -> _Element:
        """Parse a member (``raw``: its bytes, when the caller has just read them); raises :class:`ExtractError`
        on bad XML."""
        from lxml import etree

        if raw is None:
            raw = self.read(name)
        refuse_dtd(raw, name)
        # (a tag is at least one byte: a part no longer than the bound is not counted)
        tags = raw.count(b"<") if len(raw) > MAX_PART_TAGS else 0
        if tags > MAX_PART_TAGS:
            raise ExtractError(f"部件 {name} 含 {tags:,} 个标签，超过上限 {MAX_PART_TAGS:,}，拒绝读取 "
                               f"/ part {name} has {tags:,} tags, more than {MAX_PART_TAGS:,}: refused")
        try:
            root = etree.fromstring(raw, self._parser)
        except etree.XMLSyntaxError as error:
            raise ExtractError(f"部件 {name} 不是有效的 XML / part {name} is not valid XML: {error}") from error
        if root is None:
            raise ExtractError(f"部件 {name} 不是有效的 XML / part {name} is not valid XML")
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise ExtractError(DTD_REFUSED.format(name=name))
        return root

    def rels(self, name: str, kind: str = "") -> dict[str, str]:
        """Relationship id -> absolute member name for the part ``name``.

        ``kind`` keeps only relationships whose type ends with it
        (``/comments``, ``/notesSlide``).
        """
        return {rel_id: member for rel_id, rel_type, member in self.relationships(name) if rel_type.endswith(kind)}

    def relationships(self, name: str) -> list[tuple[str, str, str]]:
        """``(id, type, member)`` of every internal relationship of part ``name`` (``""`` for the package)."""
        folder, base = posixpath.split(name)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if not self.has(rels_name):
            return []
        if (known := self._relationships.get(rels_name)) is not None:
            return list(known)
        raw = self.read(rels_name)
        found: list[tuple[str, str, str]] | None = _parsed_structure((rels_name, raw))
        if found is None:
            found = []
            for rel in self.xml(rels_name, raw).iter(q("rel", "Relationship")):
                if rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                found.append((rel.get("Id", ""), rel.get("Type", ""), path))
            _remember_structure((rels_name, raw), found)
        self._relationships[rels_name] = found
        return list(found)

    def main_part(self, default: str) -> str:
        """The package's main part, named by ``_rels/.rels`` (never guessed from a file name).

        ``default`` is used only for a package without a package-level
        relationship to an office document (a few writers omit ``_rels/.rels``).
        """
        for _, kind, target in self.relationships(""):
            if kind.endswith("/officeDocument"):
                return target
        return default

    def content_type(self, name: str) -> str:
        """The member's content type from ``[Content_Types].xml`` (``""`` if none is declared)."""
        if self._types is None:
            self._types = self._content_types()
        if (known := self._type_of.get(name)) is not None:
            return known
        defaults, overrides = self._types
        found = overrides[name] if name in overrides else \
            defaults.get(posixpath.splitext(name)[1].lstrip(".").lower(), "")
        self._type_of[name] = found  # (asked for each member by the reader, the orphan search and the ledger)
        return found


    def _content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        """``[Content_Types].xml``: content type by extension (lower case) and by part name; empty if unreadable."""
        if not self.has("[Content_Types].xml"):
            return {}, {}
        try:
            raw = self.read("[Content_Types].xml")
            if (known := _parsed_structure(("[Content_Types].xml", raw))) is not None:
                return known  # type: ignore[no-any-return]
            root = self.xml("[Content_Types].xml", raw)
        except ExtractError:
            return {}, {}
        defaults: dict[str, str] = {}
        overrides: dict[str, str] = {}
        for element in root:
            if element.tag == q("ct", "Default"):
                defaults[element.get("Extension", "").lower()] = element.get("ContentType", "")
            elif element.tag == q("ct", "Override"):
                overrides[element.get("PartName", "").lstrip("/")] = element.get("ContentType", "")
        _remember_structure(("[Content_Types].xml", raw), (defaults, overrides))
        return defaults, overrides


# The package structure parts (relationships, content types) parsed, by their
# name and exact bytes: a site's documents come from a few templates, so the
# same few parts come back file after file, and reading one by structure cost
# 17-29 µs to parse against 5-8 µs to inflate.  Keyed by the bytes themselves,
# the entry is what parsing them gives, whichever file they are in; the
# results are never changed by their users.  Small parts only, a bounded number.
_STRUCTURES: dict[tuple[str, bytes], Any] = {}
_STRUCTURE_ENTRIES = 128
_STRUCTURE_BYTES = 16 * 1024


def _parsed_structure(key: tuple[str, bytes]) -> Any:
    return _STRUCTURES.get(key) if len(key[1]) <= _STRUCTURE_BYTES else None


def _remember_structure(key: tuple[str, bytes], parsed: Any) -> None:
    if len(key[1]) > _STRUCTURE_BYTES:
        return
    if len(_STRUCTURES) >= _STRUCTURE_ENTRIES:
        _STRUCTURES.clear()  # (a site with more templates than this parses them again, nothing worse)
    _STRUCTURES[key] = parsed


_DOCTYPE_MARKS = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
_ROOT_START = re.compile(rb"<[A-Za-z_]")


# A zip member's local header: signature, then (skipped) version, flags,
# method, time, date, CRC, sizes; then the lengths of its name and extra field.
_LOCAL_HEADER = struct.Struct("<I22xHH")
_LOCAL_SIGNATURE = 0x04034B50


def _local_name(raw: bytes, info: zipfile.ZipInfo) -> str:
    """The name in a member's local header, decoded as zipfile decodes it ("" when it cannot be)."""
    try:
        return raw.decode("utf-8" if info.flag_bits & 0x800 else "cp437")
    except UnicodeDecodeError:
        return ""


def refuse_dtd(raw: bytes, name: str) -> None:
    """Raise :class:`ExtractError` if an XML part declares a DTD.

    Office never writes one; in a package it only serves entity attacks
    (billion laughs, external entities).  Entities are never resolved
    anyway, but refusing makes the attack visible instead of leaving
    unexpanded references and silently dropped text.  Only the prolog
    (before the root element) can hold a DTD.
    """
    root = _ROOT_START.search(raw)
    prolog = raw[: root.start()] if root and not raw.startswith((b"\xff\xfe", b"\xfe\xff")) else raw[:65536]
    if any(mark in prolog for mark in _DOCTYPE_MARKS):
        raise ExtractError(DTD_REFUSED.format(name=name))


def text_of(element: _Element) -> str:
    return "".join(element.itertext())


def read_properties(package: Package, out: Collector) -> None:
    """Core, extended (app) and custom document properties, plus custom XML.

    Properties are where a classification mark or an author's name often
    survives after the body was cleaned, so each becomes a metadata unit
    named after the property.
    """
    for name, reader in (
        ("docProps/core.xml", _core),
        ("docProps/app.xml", _app),
        ("docProps/custom.xml", _custom),
    ):
        if not package.has(name):
            continue
        try:
            reader(package.xml(name), out, name)
        except ExtractError as error:
            out.error(str(error))
    _custom_xml(package, out)


def _core(root: _Element, out: Collector, source: str) -> None:
    for prefix, local in _CORE_FIELDS:
        element = root.find(q(prefix, local))
        if element is not None and (element.text or "").strip():
            value = element.text.strip()
            out.add(value, part="metadata", source=local, numbered=False)
            if local == "title" and not out.title:
                out.title = value


def _app(root: _Element, out: Collector, source: str) -> None:
    for local in _APP_FIELDS:
        element = root.find(q("ep", local))
        if element is not None and (element.text or "").strip():
            out.add(element.text.strip(), part="metadata", source=local, numbered=False)


def _custom(root: _Element, out: Collector, source: str) -> None:
    for prop in root.iter(q("cup", "property")):
        value = text_of(prop).strip()
        if value:
            out.add(value, part="metadata", source=f"custom:{prop.get('name', '')}", numbered=False)


_CUSTOM_XML_ITEM = re.compile(r"^customXml/item\d+\.xml$")


def _custom_xml(package: Package, out: Collector) -> None:
    """Text inside customXml/item*.xml (data bound to content controls,
    SharePoint fields), which Word never shows."""
    texts = []
    for name in package.names:
        if not _CUSTOM_XML_ITEM.match(name):
            continue
        try:
            root = package.xml(name)
        except ExtractError as error:
            out.error(str(error))
            continue
        values = [value.strip() for value in root.itertext() if value.strip()]
        if not values:
            package.textless.add(name)  # read, and nothing in it: the ledger need not parse it again
        if values:
            text = "\n".join(values)
            out.add(text, part="metadata", source=name, numbered=False)
            texts.append((name, text))
    if texts:
        out.notice(
            NoticeKind.CUSTOM_XML,
            text=texts[0][1][:80],
            part="metadata",
            source=texts[0][0],
            detail=f"{len(texts)} 个自定义 XML 部件",
        )


_IMAGE_EXT = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".webp", ".jfif")


def embedded_objects_notice(package: Package, out: Collector, media: str, embeddings: str) -> None:
    """One notice listing images and OLE objects whose text the scanner cannot read."""
    handed_to_ocr = {image.name for image in out.images}  # the OCR stage reports on those
    images = [
        n for n in package.names if n.startswith(media) and n.lower().endswith(_IMAGE_EXT) and n not in handed_to_ocr
    ]
    objects = [n for n in package.names if n.startswith(embeddings) and not n.endswith("/")]
    if not images and not objects:
        return
    out.extra_layers.add("embedded")
    listed = [posixpath.basename(n) for n in (*objects, *images)]
    detail = f"{len(images)} 张图片、{len(objects)} 个嵌入对象：{'、'.join(listed[:5])}"
    if len(listed) > 5:
        detail += " 等"
    out.notice(NoticeKind.UNREAD_EMBEDDED, text=listed[0], part="embedded", source=(objects or images)[0], detail=detail)


# -- the coverage ledger ------------------------------------------------------

# Content types (their endings) of parts that hold no document text: styles,
# settings, themes, fonts, relationships, layout definitions, identifiers.
_NO_TEXT_TYPES = (
    "relationships+xml", "styles+xml", "stylesWithEffects+xml", "settings+xml", "webSettings+xml",
    "fontTable+xml", "numbering+xml", "theme+xml", "themeOverride+xml", "presProps+xml", "viewProps+xml",
    "tableStyles+xml", "calcChain+xml", "commentsIds+xml", "commentsExtensible+xml", "commentsExtended+xml", "people+xml",
    "customXmlProperties+xml", "diagramLayout+xml", "diagramStyle+xml", "diagramColors+xml",
    "chartStyle+xml", "chartcolorstyle+xml", "commentAuthors+xml", "printerSettings", "vbaProject",
    "obfuscatedFont", "font-ttf", "x-font", "x-fontdata", "vmlDrawing", "sheetMetadata+xml",
    "volatileDependencies+xml", "pivotCacheDefinition+xml", "pivotCacheRecords+xml", "connections+xml",
    "tags+xml", "keymapcustomizations+xml", "wordprocessingml.fontTable+xml",
    # a cached rendering of a SmartArt graphic's data part, which is read
    "diagramDrawing+xml",
)
CHART_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
DIAGRAM_DATA_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml"
_TEXT_TYPE_MARKS = ("xml", "text/", "rtf", "message/")
_EMBEDDED_EXT = (".bin", ".docx", ".xlsx", ".pptx", ".doc", ".xls", ".ppt", ".pdf", ".docm", ".xlsm", ".odt", ".zip")


def part_holds_text(content_type: str, name: str) -> bool:
    """Whether a part of this type can carry text a reader sees (judged by content type, then extension)."""
    if not content_type:
        return name.lower().endswith((".xml", ".htm", ".html", ".rtf", ".txt", ".mht"))
    return _type_holds_text(content_type)


# (the ledger asks for every member of every package, and a site's packages hold a few dozen
# content types: each judged once, against the 41 endings, in a bounded cache)
@functools.lru_cache(maxsize=512)
def _type_holds_text(content_type: str) -> bool:
    if content_type.endswith(_NO_TEXT_TYPES):
        return False
    return any(mark in content_type for mark in _TEXT_TYPE_MARKS)


_PROPERTY_TYPES = ("core-properties+xml", "extended-properties+xml", "custom-properties+xml")


def account(
    package: Package,
    out: Collector,
    kinds: dict[str, str] | None = None,
    *,
    units_name_their_part: bool = True,
    prompts_only: frozenset[str] = frozenset(),
) -> None:
    """Fill the coverage ledger for every member of the package, after the extractor has read it.

    Parts whose bytes were read are ``read``; images and embedded objects
    ``listed`` (images are OCR's to read; objects are in
    :attr:`Collector.embedded` or reported); parts that hold no text
    ``listed``.  Chart and SmartArt data parts nobody read yet are read here
    (part ``chart`` / ``smartart``), found by content type wherever they
    sit.  Any other part that can carry text and was not read is ``unread``
    with a located notice.  ``kinds`` names what the extractor read a part
    as (``header``, ``master`` …).

    When ``units_name_their_part`` (each unit's ``source`` is its member,
    or ``member#…``), a part that was read, holds text and gave no unit is
    ``partial``: its reader did not understand it (a comments part without
    comments in it, say), so its text was never checked.  ``prompts_only``
    are parts whose text the extractor judged never shown (the placeholder
    prompts of a slide master).
    """
    kinds = kinds or {}
    handed_on = {embedded.source for embedded in out.embedded}
    # the members the units came from (a unit's source is its member, or ``member#…``): gathered
    # once, not searched for in every unit per part
    sources: set[str] = set()
    for unit in out.units:
        source = unit.source
        sources.add(source)
        while "#" in source:
            source = source.rpartition("#")[0]
            sources.add(source)
    for name in package.names:
        if name.endswith("/"):
            continue
        if name in handed_on:
            out.cover(name, "embedded", "listed", "嵌入文档，由扫描流程单独扫描 / embedded document, scanned on its own")
            continue
        content_type = package.content_type(name)
        if name not in package.touched and content_type in (CHART_TYPE, DIAGRAM_DATA_TYPE):
            before = len(out.units)
            read_drawing_text(package, name, "chart" if content_type == CHART_TYPE else "smartart", out)
            sources.update(unit.source for unit in out.units[before:])
        if name in package.touched:
            kind = kinds[name] if name in kinds else _kind(name, content_type)
            if units_name_their_part and name not in prompts_only and not content_type.endswith(_PROPERTY_TYPES) and \
                    part_holds_text(content_type, name) and _text_not_understood(package, name, sources):
                out.unread(name, kind, "部件中的文字未能识别 / the part holds text its reader did not understand",
                           part="embedded", status="partial")
            else:
                out.cover(name, kind)
        elif name.lower().endswith((".emf", ".wmf")) or content_type in ("image/x-emf", "image/x-wmf"):
            # no OCR for a vector picture (the unread-embedded notice names it): unread, as in the legacy formats
            out.cover(name, "image", "unread", "矢量图片，其中的文字无法自动识别 / vector picture: its text cannot be read")
        elif content_type.startswith("image/") or name.lower().endswith(_IMAGE_EXT):
            out.cover(name, "image", "listed", "图片中的文字由 OCR 读取 / text in images is for OCR")
        elif name.lower().endswith(_EMBEDDED_EXT) or "oleObject" in content_type or content_type == "package":
            out.cover(name, "embedded", "listed", "嵌入对象，单独扫描 / embedded object, scanned on its own")
        elif part_holds_text(content_type, name):
            out.unread(name, _kind(name, content_type),
                       f"文档结构未引用此部件，未读取 / no relationship leads to this part ({content_type or 'no type'})",
                       part="embedded")
        else:
            out.cover(name, _kind(name, content_type), "listed")


def _text_not_understood(package: Package, name: str, sources: set[str]) -> bool:
    """True if no unit came from part ``name`` (``sources``: the units' members) although its XML holds text."""
    if name in sources or name in package.textless:
        return False
    if name.endswith(".rels") or name == "[Content_Types].xml":
        return False
    try:
        root = package.xml(name)
    except ExtractError:
        return False  # the reader has reported it
    return any(text.strip() for text in root.itertext())


def _kind(name: str, content_type: str) -> str:
    """A short kind for the ledger: the content type's last word (``header``, ``chart``, ``styles``)."""
    tail = _type_word(content_type) if content_type else ""
    return tail or posixpath.splitext(name)[1].lstrip(".") or "member"


@functools.lru_cache(maxsize=512)
def _type_word(content_type: str) -> str:
    return content_type.rsplit(".", 1)[-1].removesuffix("+xml")


def read_drawing_text(package: Package, name: str, part: str, out: Collector, page: int | None = None) -> None:
    """The text of a chart (titles, axis titles, category and series labels) or a SmartArt data part.

    DrawingML text (``a:t`` in paragraphs) and a chart's cached string
    values (``c:strCache``); numbers are not text to review.
    """
    try:
        root = package.xml(name)
    except ExtractError as error:
        out.unread(name, part, str(error), part=part, page=page)
        return
    index = 0
    for paragraph in root.iter(q("a", "p")):
        text = "".join(t.text or "" for t in paragraph.iter(q("a", "t")))
        index += 1
        out.add(text, part=part, page=page, source=name, paragraph=index)
    for cache in root.iter(q("c", "strCache")):
        for value in cache.iter(q("c", "v")):
            index += 1
            out.add(value.text or "", part=part, page=page, source=name, paragraph=index)
