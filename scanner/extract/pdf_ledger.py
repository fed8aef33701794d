"""The coverage ledger of a PDF, and the pre-check that keeps a hostile page away from PDFium.

Before PDFium loads a page, :class:`Structure` walks that page's objects
with pdfminer.six, by structure: the content streams, the form XObjects it
draws (recursively, each object once), its image XObjects and its fonts.
For each it records a ledger entry (``Extraction.coverage``) and checks
what PDFium would decode:

* a stream that decodes past :data:`~scanner.extract.pdf_streams.STREAM_LIMIT`
  (a Flate bomb) or a form structure that expands past
  :data:`MAX_FORM_DRAWS` drawings (a form drawing a form drawing a form ...,
  each many times) means the page is not loaded at all: PDFium would decode
  or build it whole;
* a content stream whose compressed data is damaged is read as far as it
  goes, and the page is reported as read only in part (PDFium says
  nothing: the rest of the page is silently missing);
* fonts without a ToUnicode map are named, so a page whose text cannot be
  decoded says which font is to blame.

Objects shared by many pages (fonts, a letterhead form) are checked once:
a structure referenced many times is parsed once.  The walk costs about
0.2 ms a page in pdfminer, so it runs only for a file whose raw bytes show
something to find (:func:`~scanner.extract.pdf_streams.needs_walk`: a stream
too large or damaged, LZW or chained filters, a form drawing a form,
encryption); the pages of every file are in the ledger either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from scanner.extract._common import Collector
from scanner.extract.pdf_streams import (
    STREAM_LIMIT,
    StreamCorrupt,
    StreamTooLarge,
    cheap_to_decode,
    decode,
    may_expand_past,
    needs_walk,
)

# Drawings of form XObjects one page may expand to (each ``Do`` of a form
# counts the form's own drawings).  PDFium builds every one as an object; a
# real page draws a few dozen.
MAX_FORM_DRAWS = 20_000
# Form nesting PDFium follows at most (it refuses deeper forms itself).
MAX_FORM_DEPTH = 32
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do(?![A-Za-z0-9])")


@dataclass
class PageCheck:
    """What the pre-check found on one page."""

    refuse: str = ""  # why PDFium must not load the page (it would decode a bomb); "" to go ahead
    damaged: list[str] = field(default_factory=list)  # streams read only in part, with the reason
    fonts_without_unicode: list[str] = field(default_factory=list)


@dataclass
class _Form:
    draws: int  # drawings this form expands to, itself included
    problem: str = ""


class Structure:
    """pdfminer's view of each page's objects, for the ledger and the pre-check.  One per document."""

    def __init__(self, miner: Any, out: Collector, data: bytes = b"") -> None:
        self.miner = miner
        self.out = out
        # A file whose streams all inflate cleanly within the bound and whose forms draw
        # no other forms (a look at the raw bytes, in C) needs no walk at all: its
        # pages have nothing to refuse (the walk costs 0.2 ms a page in pdfminer).
        self.walk = bool(data) and needs_walk(data)
        self._forms: dict[int, _Form] = {}
        self._fonts: dict[int, str] = {}  # font object -> its name if it has no ToUnicode map, else ""
        self._images: set[int] = set()

    def check(self, index: int) -> PageCheck:
        """Walk page ``index`` (0-based): ledger entries for its objects, and what PDFium must be spared."""
        from pdfminer.pdftypes import PDFStream, resolve1

        from scanner.extract.pdf_pdfium import PageError

        number = index + 1
        result = PageCheck()
        if not self.walk:
            return result
        try:
            page = self.miner.page_object(index)
        except PageError:
            return result  # the page tree is pdfminer's problem only: PDFium may still read the page
        try:
            contents = resolve1(page.attrs.get("Contents"))
            streams = contents if isinstance(contents, list) else [contents] if contents is not None else []
            draws = 0
            for position, reference in enumerate(streams, start=1):
                stream = resolve1(reference)
                if not isinstance(stream, PDFStream):
                    continue
                name = f"内容流 {position}（对象 {getattr(reference, 'objid', '?')}）"
                if not cheap_to_decode(stream) and not may_expand_past(stream):
                    # cannot be a bomb, and decoding it (ASCII85 in Python) to look for damage costs more
                    # than reading the page: only streams of no filter or Flate alone are checked for damage
                    self.out.cover(f"第{number}页{name}", "content")
                    continue
                try:
                    data = decode(stream)
                except StreamTooLarge as error:
                    self.out.cover(f"第{number}页{name}", "content", "unread", str(error))
                    result.refuse = f"{name}{error.zh}"
                    return result
                except (StreamCorrupt, ValueError) as error:
                    self.out.cover(f"第{number}页{name}", "content", "partial", str(error))
                    result.damaged.append(f"{name}{getattr(error, 'zh', '无法解码')}")
                    continue
                self.out.cover(f"第{number}页{name}", "content")
                draws += self._draws(data, resolve1(page.resources), 0, result)
                if result.refuse:
                    return result
            if draws > MAX_FORM_DRAWS:
                result.refuse = f"表单对象嵌套引用展开后达 {draws:,} 次，超过上限 {MAX_FORM_DRAWS:,} 次"
                return result
            self._fonts_of(resolve1(page.resources), result)
        except self.miner.malformed as error:
            # the structure is damaged where PDFium may not care: PDFium reads the page, the ledger says so
            self.out.cover(f"第{number}页资源", "resources", "partial", f"{type(error).__name__}: {error}")
        return result

    # -- forms and images ---------------------------------------------------

    def _draws(self, content: bytes, resources: Any, depth: int, result: PageCheck) -> int:
        """Form drawings ``content`` expands to; sets ``result.refuse`` on a bomb."""
        from pdfminer.pdftypes import PDFStream, resolve1

        names = _DO.findall(content) if b"Do" in content else []
        if not names:
            return 0
        xobjects = resolve1(resources.get("XObject")) if isinstance(resources, dict) else None
        if not isinstance(xobjects, dict):
            return 0
        total = 0
        for raw_name in names:
            reference = xobjects.get(raw_name.decode("latin-1"))
            objid = getattr(reference, "objid", None)
            stream = resolve1(reference)
            if not isinstance(stream, PDFStream):
                continue
            subtype = getattr(resolve1(stream.attrs.get("Subtype")), "name", "")
            if subtype == "Image":
                key = objid if objid is not None else id(stream)
                if key not in self._images:
                    self._images.add(key)
                    self.out.cover(f"图片 {raw_name.decode('latin-1')}（对象 {objid}）", "image", "listed")
                continue
            if subtype != "Form":
                continue
            form = self._form(stream, objid, raw_name.decode("latin-1"), resources, depth, result)
            if result.refuse:
                return total
            total += form.draws
            if total > MAX_FORM_DRAWS:
                return total
        return total

    def _form(self, stream: Any, objid: int | None, name: str, outer: Any, depth: int, result: PageCheck) -> _Form:
        from pdfminer.pdftypes import resolve1

        key = objid if objid is not None else id(stream)
        known = self._forms.get(key)
        if known is not None:
            if known.problem:
                result.refuse = known.problem
            return known
        label = f"表单对象 {name}（对象 {objid}）"
        self._forms[key] = _Form(draws=1)  # a form that draws itself: PDFium stops there
        if depth >= MAX_FORM_DEPTH:
            return self._forms[key]
        try:
            data = decode(stream)
        except StreamTooLarge as error:
            form = self._forms[key] = _Form(draws=1, problem=f"{label}{error.zh}")
            self.out.cover(label, "xobject", "unread", str(error))
            result.refuse = form.problem
            return form
        except (StreamCorrupt, ValueError) as error:
            self.out.cover(label, "xobject", "partial", str(error))
            result.damaged.append(f"{label}{getattr(error, 'zh', '无法解码')}")
            return self._forms[key]
        resources = resolve1(stream.attrs.get("Resources")) or outer
        inner = self._draws(data, resources, depth + 1, result)
        form = self._forms[key] = _Form(draws=1 + inner, problem=result.refuse)
        self.out.cover(label, "xobject", "unread" if result.refuse else "read", result.refuse)
        if not result.refuse and resources is not outer:
            self._fonts_of(resources, result)
        return form

    # -- where text drawn by a form stands ---------------------------------------

    def form_names(self, index: int, paths: set[tuple[int, ...]]) -> dict[tuple[int, ...], str]:
        """Names of the forms of page ``index`` that ``paths`` point to (ordinals in drawing order, as PDFium's
        walk counts them: :attr:`~scanner.extract.pdf_pdfium.PageContent.forms`), e.g. ``"XObject /Fm1"`` or
        ``"XObject /Fm1 › /Inner"``, read from the ``Do`` operators of the page's content.

        A form whose name cannot be had (a damaged stream, an ordinal past
        the operators found) is left out: the caller says ``XObject #n``.
        """
        from pdfminer.pdftypes import PDFStream, resolve1

        from scanner.extract.pdf_pdfium import PageError

        names: dict[tuple[int, ...], str] = {}
        try:
            page = self.miner.page_object(index)
            contents = resolve1(page.attrs.get("Contents"))
            streams = contents if isinstance(contents, list) else [contents] if contents is not None else []
            data = b"\n".join(decode(stream) for stream in map(resolve1, streams) if isinstance(stream, PDFStream))
            self._name_forms(data, resolve1(page.resources), (), [], paths, names)
        except (PageError, StreamTooLarge, StreamCorrupt, ValueError, *self.miner.malformed):
            pass  # the names found so far stand
        return names

    def _name_forms(self, content: bytes, resources: Any, path: tuple[int, ...], labels: list[str],
                    paths: set[tuple[int, ...]], names: dict[tuple[int, ...], str]) -> None:
        from pdfminer.pdftypes import PDFStream, resolve1

        xobjects = resolve1(resources.get("XObject")) if isinstance(resources, dict) else None
        if not isinstance(xobjects, dict) or b"Do" not in content or len(path) >= MAX_FORM_DEPTH:
            return
        ordinal = 0
        for raw_name in _DO.findall(content):
            name = raw_name.decode("latin-1")
            stream = resolve1(xobjects.get(name))
            if not isinstance(stream, PDFStream) or getattr(resolve1(stream.attrs.get("Subtype")), "name", "") != "Form":
                continue
            ordinal += 1
            here = (*path, ordinal)
            label = [*labels, f"/{name}"]
            if here in paths:
                names[here] = "XObject " + " › ".join(label)
            if any(len(wanted) > len(here) and wanted[: len(here)] == here for wanted in paths):
                inner = resolve1(stream.attrs.get("Resources")) or resources
                self._name_forms(decode(stream), inner, here, label, paths, names)

    # -- fonts ----------------------------------------------------------------

    def fonts_without_unicode(self, index: int) -> list[str]:
        """Names of the fonts of page ``index`` (and its forms' own resources) that have no ToUnicode map."""
        from pdfminer.pdftypes import resolve1

        from scanner.extract.pdf_pdfium import PageError

        result = PageCheck()
        try:
            resources = resolve1(self.miner.page_object(index).resources)
            self._fonts_of(resources, result)
            xobjects = resolve1(resources.get("XObject")) if isinstance(resources, dict) else None
            for reference in (xobjects or {}).values() if isinstance(xobjects, dict) else ():
                form = resolve1(reference)
                if getattr(form, "attrs", None) is not None:
                    self._fonts_of(resolve1(form.attrs.get("Resources")), result)
        except (PageError, *self.miner.malformed):
            pass
        return list(dict.fromkeys(result.fonts_without_unicode))

    def _fonts_of(self, resources: Any, result: PageCheck) -> None:
        from pdfminer.pdftypes import resolve1

        fonts = resolve1(resources.get("Font")) if isinstance(resources, dict) else None
        if not isinstance(fonts, dict):
            return
        for reference in fonts.values():
            objid = getattr(reference, "objid", None)
            font = resolve1(reference)
            if not isinstance(font, dict):
                continue
            key = objid if objid is not None else id(font)
            if key not in self._fonts:
                self._fonts[key] = self._font(font, result)
                if result.refuse:
                    return
            if self._fonts[key]:
                result.fonts_without_unicode.append(self._fonts[key])

    def _font(self, font: dict[str, Any], result: PageCheck) -> str:
        """Check a font's embedded streams; its name if it has no ToUnicode map, else ""."""
        from pdfminer.pdftypes import PDFStream, resolve1

        name = _name(font.get("BaseFont")) or "（无名字体）"
        subtype = _name(font.get("Subtype"))
        streams = [("ToUnicode", resolve1(font.get("ToUnicode")))]
        descendants = resolve1(font.get("DescendantFonts"))
        inner = resolve1(descendants[0]) if isinstance(descendants, list) and descendants else None
        descriptor = resolve1((inner if isinstance(inner, dict) else font).get("FontDescriptor"))
        if isinstance(descriptor, dict):
            streams += [(key, resolve1(descriptor.get(key))) for key in ("FontFile", "FontFile2", "FontFile3")]
        for key, stream in streams:
            if isinstance(stream, PDFStream) and may_expand_past(stream, STREAM_LIMIT):
                try:
                    decode(stream)
                except StreamTooLarge as error:
                    self.out.cover(f"字体 {name} {key}", "font", "unread", str(error))
                    result.refuse = f"字体 {name} 的 {key} {error.zh}"
                    return ""
                except (StreamCorrupt, ValueError):
                    pass  # a damaged font shows as undecoded text, which the page reading reports
        if isinstance(streams[0][1], PDFStream) or subtype != "Type0":
            # simple fonts map to Unicode through their encoding; predefined CJK CMaps (UniGB-UCS2-H) do too
            self.out.cover(f"字体 {name}", "font")
            return ""
        encoding = resolve1(font.get("Encoding"))
        if isinstance(encoding, PDFStream) or _name(encoding) in ("Identity-H", "Identity-V"):
            # glyph ids with no map back to characters: readers guess from the embedded font, if at all
            self.out.cover(f"字体 {name}", "font", "read", "无 ToUnicode 映射 / no ToUnicode map")
            return name
        self.out.cover(f"字体 {name}", "font")
        return ""


def defused(miner: Any, data: bytes, out: Collector) -> bytes:
    """``data`` for PDFium: with the document's XMP stream blanked if it is a bomb (PDFium decodes it on opening).

    The bytes of the stream are overwritten with zeros of the same length,
    so every offset in the file stays right and the stream only fails to
    decode.  pdfminer reads (and reports) the metadata itself.
    """
    from pdfminer.pdftypes import PDFStream, resolve1

    try:
        reference = miner.document.catalog.get("Metadata")
        stream = resolve1(reference)
        if not isinstance(stream, PDFStream) or not may_expand_past(stream) or stream.rawdata is None:
            return data
        try:
            decode(stream)
            return data
        except StreamTooLarge as error:
            out.cover("XMP 元数据", "metadata", "unread", str(error))
        raw = stream.rawdata
        start = data.find(raw, _offset(miner.document, getattr(reference, "objid", None)))
        if start < 0:
            return data
        return data[:start] + bytes(len(raw)) + data[start + len(raw):]
    except (*miner.malformed, StreamCorrupt):
        return data


def _offset(document: Any, objid: int | None) -> int:
    """Where object ``objid`` starts in the file (0 when unknown)."""
    if objid is None:
        return 0
    for xref in document.xrefs:
        try:
            stream_id, position, _ = xref.get_pos(objid)
        except KeyError:
            continue
        return position if stream_id is None else 0
    return 0


def _name(value: Any) -> str:
    from pdfminer.pdftypes import resolve1

    value = resolve1(value)
    name = getattr(value, "name", value)
    if isinstance(name, bytes):
        return name.decode("latin-1")
    return name if isinstance(name, str) else ""
