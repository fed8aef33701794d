"""OFD (GB/T 33190, the Chinese fixed-layout format) extraction.

An OFD file is a zip of XML: ``OFD.xml`` names each document's root
(``DocBody/DocRoot``, e.g. ``Doc_0/Document.xml``) and its metadata
(``DocInfo``); the document lists its pages (``Pages/Page@BaseLoc``); each
page's ``Content.xml`` holds ``TextObject`` elements whose ``TextCode``
children carry the text.  Generators often write one text object per
character, so text objects on the same baseline are joined into one line
(one unit, part ``body``, ``page`` = page number).

Pictures: a page's ``ImageObject`` names a ``MultiMedia`` resource (in the
document's ``PublicRes``/``DocumentRes`` files, whose ``BaseLoc`` is the
media folder); each is handed to OCR with its box on the page (mm turned
into points), or named as unread when it is missing or cannot be decoded
(see :func:`scanner.extract._images.picture`).

The package goes through the same bomb and DTD checks as OOXML.  Templates,
annotations and attachments are not read; when present an error says so,
so such a document never passes unread.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from scanner.extract._common import Collector, ExtractError
from scanner.extract._images import picture
from scanner.extract._ooxml import Package
from scanner.roles import NoticeKind

if TYPE_CHECKING:
    from lxml.etree import _Element

_DOC_INFO_FIELDS = ("Title", "Author", "Subject", "Abstract", "Keyword", "Creator")
# A baseline shift smaller than this (in millimetres) is the same line.
_LINE_TOLERANCE = 1.0


def extract(data: bytes, out: Collector) -> None:
    package = Package(data)
    root = package.xml("OFD.xml")
    bodies = [child for child in root if _local(child) == "DocBody"]
    if not bodies:
        raise ExtractError("OFD 缺少文档入口（DocBody） / OFD has no DocBody")
    page_number = 0
    for body in bodies:
        for child in body:
            if _local(child) == "DocInfo":
                _doc_info(child, out)
        doc_root = _child_text(body, "DocRoot")
        if not doc_root:
            out.error("OFD 文档入口缺少 DocRoot / OFD DocBody has no DocRoot")
            continue
        page_number = _document(package, _resolve("", doc_root), page_number, out)
    out.pages = page_number


def _document(package: Package, name: str, page_number: int, out: Collector) -> int:
    """Read one document's pages; returns the last page number used."""
    try:
        document = package.xml(name)
    except ExtractError as error:
        out.error(str(error))
        return page_number
    folder = posixpath.dirname(name)
    read: set[str] = set()
    media = _media(package, document, folder, out)
    size = _page_size(document)
    for element in document.iter():
        local = _local(element)
        if local == "Page" and element.get("BaseLoc"):
            page_number += 1
            page = _resolve(folder, element.get("BaseLoc", ""))
            if page in read:
                continue  # one page's content listed many times (50,000 in a 130 kB file): read once
            read.add(page)
            try:
                content = package.xml(page)
                _page(content, page_number, page, out)
                _pictures(package, content, page_number, media, size, out)
            except ExtractError as error:
                out.error(str(error))
        elif local == "Annotations" and (element.text or "").strip():
            out.error("OFD 注释层未读取，请人工检查 / OFD annotations were not read")
        elif local == "Attachments" and (element.text or "").strip():
            out.notice(NoticeKind.ATTACHMENT, part="attachment", source=name, detail="OFD 附件未读取")
            out.error("OFD 附件未读取，请人工检查 / OFD attachments were not read")
    return page_number


def _page(root: _Element, number: int, source: str, out: Collector) -> None:
    line: list[str] = []
    baseline: float | None = None
    for element in root.iter():
        if _local(element) != "TextObject":
            continue
        text = "".join(code.text or "" for code in element.iter() if _local(code) == "TextCode")
        y = _baseline(element)
        if baseline is not None and (y is None or abs(y - baseline) > _LINE_TOLERANCE):
            out.add("".join(line), page=number, source=source)
            line = []
        line.append(text)
        baseline = y
    out.add("".join(line), page=number, source=source)


_PT_PER_MM = 72 / 25.4


def _media(package: Package, document: _Element, folder: str, out: Collector) -> dict[str, str]:
    """Resource ID -> member name of every picture (``MultiMedia``) the document's resource files list."""
    found: dict[str, str] = {}
    for element in document.iter():
        if _local(element) not in ("PublicRes", "DocumentRes") or not (element.text or "").strip():
            continue
        name = _resolve(folder, element.text.strip())
        try:
            res = package.xml(name)
        except ExtractError as error:
            out.error(str(error))
            continue
        base = _resolve(posixpath.dirname(name), res.get("BaseLoc", ""))
        for item in res.iter():
            if _local(item) == "MultiMedia" and item.get("ID"):
                location = _child_text(item, "MediaFile")
                if location:
                    found[item.get("ID", "")] = _resolve(base, location)
    return found


def _page_size(document: _Element) -> tuple[float, float] | None:
    """The default page's width and height in mm (``CommonData/PageArea/PhysicalBox``)."""
    for element in document.iter():
        if _local(element) == "PhysicalBox":
            try:
                _, _, width, height = (float(v) for v in (element.text or "").split())
            except ValueError:
                return None
            return width, height
    return None


def _pictures(package: Package, root: _Element, number: int, media: dict[str, str],
              size: tuple[float, float] | None, out: Collector) -> None:
    """The page's ``ImageObject`` pictures, to OCR with their boxes (points, origin top left)."""
    for element in root.iter():
        if _local(element) != "ImageObject":
            continue
        resource = element.get("ResourceID", "")
        name = media.get(resource, "")
        if not name or not package.has(name):
            out.unread(name or f"第{number}页图片资源 {resource}", "image",
                       "图片资源缺失 / picture resource is missing", part="embedded", page=number)
            continue
        try:
            x, y, width, height = (float(v) * _PT_PER_MM for v in (element.get("Boundary") or "").split())
            box: tuple[float, float, float, float] | None = (x, y, x + width, y + height)
        except ValueError:
            box = None
        page_size = (size[0] * _PT_PER_MM, size[1] * _PT_PER_MM) if size else None
        try:
            data = package.read(name)
        except ExtractError as error:
            out.unread(name, "image", str(error), part="embedded", page=number)
            continue
        picture(name, data, out, source="ofd", page=number, box=box if page_size else None, page_size=page_size)


def _baseline(text_object: _Element) -> float | None:
    """Top of the object's box plus the first TextCode's Y offset."""
    try:
        top = float((text_object.get("Boundary") or "").split()[1])
    except (IndexError, ValueError):
        return None
    for code in text_object.iter():
        if _local(code) == "TextCode":
            try:
                return top + float(code.get("Y") or 0)
            except ValueError:
                return top
    return top


def _doc_info(info: _Element, out: Collector) -> None:
    for child in info:
        local = _local(child)
        if local in _DOC_INFO_FIELDS and (child.text or "").strip():
            value = child.text.strip()
            out.add(value, part="metadata", source=local, numbered=False)
            if local == "Title" and not out.title:
                out.title = value
        elif local == "Keywords":
            for keyword in child:
                if (keyword.text or "").strip():
                    out.add(keyword.text.strip(), part="metadata", source="Keyword", numbered=False)


def _child_text(element: _Element, local: str) -> str:
    for child in element:
        if _local(child) == local:
            return (child.text or "").strip()
    return ""


def _resolve(folder: str, location: str) -> str:
    """Member name of a location: absolute (``/Doc_0/...``) or relative to ``folder``."""
    if location.startswith("/"):
        return posixpath.normpath(location.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, location))


def _local(element: _Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return ""
    return tag.rsplit("}", 1)[-1]
