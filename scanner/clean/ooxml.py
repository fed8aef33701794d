"""Editing an OOXML package (docx, xlsx, pptx) part by part.

The package is held as its zip members in their original order.  A part
is parsed with lxml only when a cleaner asks for it, and written back only
when it was changed, so every untouched member keeps its bytes.  Removing
a part also removes every relationship that points at it, its own
relationships and its ``[Content_Types].xml`` override: a dangling
relationship is what makes Word and Excel offer to "repair" a file.

Shared steps for all three formats live here: document properties,
custom XML, thumbnails, printer settings and image alt text.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.etree import _Element

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
}
CONTENT_TYPES = "[Content_Types].xml"
MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 512 * 2**20

# Core properties that name people or describe the content (the scanner
# reads each as a metadata layer).  Dates, language and revision stay.
PERSONAL_CORE = (("dc", "creator"), ("cp", "lastModifiedBy"), ("cp", "category"), ("cp", "contentStatus"),
                 ("dc", "identifier"), ("cp", "lastPrinted"))
DESCRIPTIVE_CORE = {"title": ("dc", "title"), "subject": ("dc", "subject"), "keywords": ("cp", "keywords"),
                    "description": ("dc", "description")}
# Extended (app) properties that name people, places or the template, and
# the part titles list (it names hidden sheets and slide titles).
PERSONAL_APP = ("Company", "Manager", "HyperlinkBase", "Template", "TotalTime", "HeadingPairs", "TitlesOfParts")

REL_THUMBNAIL = "/metadata/thumbnail"
REL_PRINTER = "/printerSettings"
REL_CUSTOM_XML = "/customXml"
REL_CUSTOM_PROPS = "/custom-properties"
ALT_ATTRIBUTES = ("descr", "title")


def q(prefix: str, local: str) -> str:
    """Clark name ``{namespace}local``."""
    return f"{{{NS[prefix]}}}{local}"


class PackageError(Exception):
    """The package cannot be opened or edited safely; the message says why (Chinese / English)."""


def xml_parser():  # type: ignore[no-untyped-def]
    from lxml import etree

    # No entities, no network, no DTD: the same stance as the extractors.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def source_of_rels(name: str) -> str:
    """``word/_rels/document.xml.rels`` -> ``word/document.xml`` (``_rels/.rels`` -> ``""``, the package)."""
    folder, base = posixpath.split(name)
    return posixpath.join(posixpath.dirname(folder), base[: -len(".rels")]) if folder.endswith("_rels") else ""


def resolve(source: str, target: str) -> str:
    """The member a relationship of ``source`` (``""`` for the package) points at."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target)).lstrip("/")


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str  # absolute member name, or the raw target when external
    external: bool


@dataclass
class Package:
    """The members of a package, editable; :meth:`save` writes a new zip."""

    infos: list[zipfile.ZipInfo]
    data: dict[str, bytes]
    trees: dict[str, _Element] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    removed: list[str] = field(default_factory=list)  # what was taken out, in Chinese, for the report
    dropped: list[str] = field(default_factory=list)  # sources of removed hidden sheets/slides

    @classmethod
    def open(cls, raw: bytes) -> Package:
        """Raises :class:`PackageError` for a corrupt, encrypted or oversized package."""
        try:
            archive = zipfile.ZipFile(io.BytesIO(raw))
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS or sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
                raise PackageError("压缩包成员过多或过大，拒绝清理 / package too large to clean")
            data = {info.filename: archive.read(info) for info in infos}
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise PackageError(f"文件损坏或被截断，无法清理 / corrupt or truncated package: {error}") from error
        except RuntimeError as error:
            raise PackageError("压缩包成员已加密，无法清理 / encrypted package member") from error
        return cls(infos=infos, data=data)

    @property
    def names(self) -> list[str]:
        return [info.filename for info in self.infos if info.filename in self.data]

    def has(self, name: str) -> bool:
        return name in self.data

    def xml(self, name: str) -> _Element:
        """The parsed part (kept, so edits accumulate); raises :class:`PackageError` on bad XML."""
        from lxml import etree

        if name not in self.trees:
            raw = self.data[name]
            if b"<!DOCTYPE" in raw[:4096]:
                raise PackageError(f"部件 {name} 含 DTD 声明，拒绝清理 / part {name} declares a DTD")
            try:
                self.trees[name] = etree.fromstring(raw, xml_parser())
            except etree.XMLSyntaxError as error:
                raise PackageError(f"部件 {name} 不是有效的 XML / part {name} is not valid XML: {error}") from error
        return self.trees[name]

    def touch(self, name: str) -> None:
        self.dirty.add(name)

    def note(self, what: str) -> None:
        if what not in self.removed:
            self.removed.append(what)

    # -- relationships ------------------------------------------------------

    def rels(self, source: str) -> list[Rel]:
        name = rels_name(source) if source else "_rels/.rels"
        if not self.has(name):
            return []
        found = []
        for rel in self.xml(name).iter(q("rel", "Relationship")):
            external = rel.get("TargetMode") == "External"
            target = rel.get("Target", "")
            found.append(Rel(id=rel.get("Id", ""), type=rel.get("Type", ""),
                             target=target if external else resolve(source, target), external=external))
        return found

    def rel_targets(self, source: str, kind: str) -> list[Rel]:
        return [rel for rel in self.rels(source) if rel.type.endswith(kind)]

    def drop_rel(self, source: str, rel_id: str) -> None:
        """Remove one relationship of ``source`` and any ``r:`` reference to it in the source part."""
        name = rels_name(source) if source else "_rels/.rels"
        root = self.xml(name)
        for rel in list(root):
            if rel.get("Id") == rel_id:
                root.remove(rel)
                self.touch(name)
        if source and self.has(source) and source.endswith(".xml"):
            self._drop_references(source, {rel_id})

    def _drop_references(self, source: str, ids: set[str]) -> None:
        r_ns = "{" + NS["r"] + "}"
        root = self.xml(source)
        for element in list(root.iter()):
            if not isinstance(element.tag, str):
                continue
            for attribute, value in list(element.attrib.items()):
                if attribute.startswith(r_ns) and value in ids:
                    # An optional reference (a sheet's printer settings) loses
                    # the attribute; an element that only exists to point at
                    # the part (legacyDrawing, attachedTemplate) goes.
                    if element.tag in (q("s", "pageSetup"),):
                        del element.attrib[attribute]
                    else:
                        parent = element.getparent()
                        if parent is not None:
                            parent.remove(element)
                    self.touch(source)

    def remove_part(self, name: str) -> bool:
        """Remove a part, every relationship to it, its own relationships and its content-type override.

        False when there was no such part.
        """
        if not self.has(name):
            return False
        del self.data[name]
        self.trees.pop(name, None)
        self.dirty.discard(name)
        own_rels = rels_name(name)
        if self.has(own_rels):
            del self.data[own_rels]
            self.trees.pop(own_rels, None)
            self.dirty.discard(own_rels)
        for rels in [n for n in self.data if n.endswith(".rels")]:
            source = source_of_rels(rels)
            for rel in self.rels(source):
                if not rel.external and rel.target == name:
                    self.drop_rel(source, rel.id)
        types = self.xml(CONTENT_TYPES)
        for override in list(types.iter(q("ct", "Override"))):
            if override.get("PartName", "").lstrip("/") == name:
                types.remove(override)
                self.touch(CONTENT_TYPES)
        return True

    def remove_related(self, source: str, kind: str) -> list[str]:
        """Remove every part that ``source`` relates to with a type ending in ``kind``; their names."""
        gone = []
        for rel in self.rel_targets(source, kind):
            if rel.external:
                self.drop_rel(source, rel.id)
            elif self.remove_part(rel.target):
                gone.append(rel.target)
        return gone

    # -- saving -------------------------------------------------------------

    def save(self) -> bytes:
        from lxml import etree

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in self.infos:
                name = info.filename
                if name not in self.data:
                    continue
                body = self.data[name]
                if name in self.dirty:
                    body = etree.tostring(self.trees[name], xml_declaration=True, encoding="UTF-8", standalone=True)
                copy = zipfile.ZipInfo(name, date_time=info.date_time)
                copy.compress_type = info.compress_type
                copy.external_attr = info.external_attr
                target.writestr(copy, body)
        return out.getvalue()


# -- steps shared by the three formats -----------------------------------------


def clean_properties(package: Package, keep: dict[str, str]) -> None:
    """Personal and descriptive properties out of core/app; custom properties removed.

    ``keep`` maps title/subject/keywords/description to the value the clean
    copy should carry (the user's own wording, not the draft's).
    """
    core = "docProps/core.xml"
    if package.has(core):
        root = package.xml(core)
        for prefix, local in PERSONAL_CORE:
            for element in root.findall(q(prefix, local)):
                root.remove(element)
                package.touch(core)
                if (element.text or "").strip():
                    package.note("文档属性中的个人信息（作者、最后修改者等）")
        for key, (prefix, local) in DESCRIPTIVE_CORE.items():
            element = root.find(q(prefix, local))
            if key in keep:
                if element is None:
                    from lxml import etree

                    element = etree.SubElement(root, q(prefix, local))
                element.text = keep[key]
                package.touch(core)
            elif element is not None:
                root.remove(element)
                package.touch(core)
                if (element.text or "").strip():
                    package.note("文档属性中的标题、主题、关键词、备注")
    app = "docProps/app.xml"
    if package.has(app):
        root = package.xml(app)
        for local in PERSONAL_APP:
            for element in root.findall(q("ep", local)):
                root.remove(element)
                package.touch(app)
                if "".join(element.itertext()).strip():
                    package.note("扩展属性（单位、经理、模板、编辑时间、部件标题）")
    for rel in package.rel_targets("", REL_CUSTOM_PROPS):
        if package.remove_part(rel.target):
            package.note("自定义文档属性")


_CUSTOM_XML = re.compile(r"^customXml/")


def clean_custom_xml(package: Package, story_parts: Iterable[str]) -> None:
    """Remove the customXml folder and the data bindings of content controls that pointed into it."""
    items = [name for name in package.names if _CUSTOM_XML.match(name) and not name.endswith(".rels")]
    for name in items:
        package.remove_part(name)
    for name in [n for n in package.names if _CUSTOM_XML.match(n)]:  # left-over rels
        del package.data[name]
    if items:
        package.note("自定义 XML 数据部件")
        for part in story_parts:
            root = package.xml(part)
            for binding in list(root.iter(q("w", "dataBinding"))):
                parent = binding.getparent()
                if parent is not None:
                    parent.remove(binding)
                    package.touch(part)


def clean_package_extras(package: Package) -> None:
    """Thumbnail (a picture of page one) and printer settings (printer and user names)."""
    for rel in package.rel_targets("", REL_THUMBNAIL):
        if package.remove_part(rel.target):
            package.note("缩略图")
    for name in [n for n in package.names if "/printerSettings/" in n]:
        if package.remove_part(name):
            package.note("打印机设置")


def clean_alt_text(package: Package, parts: Iterable[str]) -> None:
    """Alt text (descr/title) of drawings: ``docPr`` (Word) and ``cNvPr`` (Excel, PowerPoint)."""
    for part in parts:
        root = package.xml(part)
        for element in root.iter():
            if not isinstance(element.tag, str) or element.tag.rsplit("}", 1)[-1] not in ("docPr", "cNvPr"):
                continue
            for attribute in ALT_ATTRIBUTES:
                if element.get(attribute):
                    del element.attrib[attribute]
                    package.touch(part)
                    package.note("图片替代文字")


def xml_parts(package: Package, accept: Callable[[str], bool]) -> list[str]:
    return [name for name in package.names if name.endswith(".xml") and accept(name)]


def unwrap(element: _Element) -> None:
    """Replace ``element`` by its children (keeping the text order)."""
    parent = element.getparent()
    if parent is None:
        return
    index = parent.index(element)
    for offset, child in enumerate(list(element)):
        parent.insert(index + offset, child)
    remove_keeping_tail(element)


def remove_keeping_tail(element: _Element) -> None:
    """Remove an element; its tail text (rare in OOXML, common in HTML) moves to the previous node."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
