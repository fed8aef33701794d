"""Pictures that may hold text, handed to the OCR stage (``Extraction.images``).

The extractors call these helpers with one line each: a picture drawn in a
Word paragraph (:func:`docx_picture`), the remaining pictures of an OOXML
package (:func:`package_pictures`), a PDF page without a text layer
rendered whole (:func:`pdf_page_scan`).  Nothing here reads text; the OCR
stage (:mod:`scanner.ocr`) does, or reports the pictures as unread when it
is off.
"""

from __future__ import annotations

import io
import struct
from typing import Any

from scanner.extract._common import Collector
from scanner.types import ImageRef

# Picture formats OCR can decode (vector EMF/WMF cannot be, and stay in the
# embedded-objects notice).
OCR_IMAGE_EXT = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".jfif")
# A picture smaller than this (bytes) holds no readable text: a bullet, a rule line.
MIN_PICTURE_BYTES = 200
# Resolution a text-less PDF page is rendered at for OCR, and how many such
# pages of one file are (a 500-page scan would take minutes: the rest stay errors).
SCAN_DPI = 200
MAX_SCAN_PAGES = 50

_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def docx_picture(element: Any, package: Any, out: Collector, page: int | None, rels_of: str) -> None:
    """Register the pictures of one ``w:drawing`` / ``w:pict`` at the current reading position."""
    rels = package.rels(rels_of)
    for blip in element.iter(_BLIP):
        target = rels.get(blip.get(_EMBED, ""), "")
        if not target.lower().endswith(OCR_IMAGE_EXT) or not package.has(target):
            continue
        if any(image.name == target for image in out.images):
            continue  # the same picture drawn twice is read once
        data = package.read(target)
        if len(data) >= MIN_PICTURE_BYTES:
            out.images.append(ImageRef(name=target, data=data, page=page, anchor=len(out.units), source=rels_of))


def package_pictures(package: Any, out: Collector, media: str) -> None:
    """Register the pictures under ``media`` not yet registered (slides, sheets, headers), after the text."""
    seen = {image.name for image in out.images}
    for name in sorted(package.names):
        if name.startswith(media) and name.lower().endswith(OCR_IMAGE_EXT) and name not in seen:
            data = package.read(name)
            if len(data) >= MIN_PICTURE_BYTES:
                out.images.append(ImageRef(name=name, data=data, source=media.rstrip("/")))


# Vector picture formats, by their opening bytes: no OCR engine reads them and Pillow only
# identifies EMF/WMF on Linux ("cannot find loader for this WMF file", Pillow 13), so each one
# is named as unread (review) unless it is too small to hold text.
_EMF_SIGNATURE = b" EMF"  # at byte 40 of an EMR_HEADER record (type 1)
_WMF_STARTS = (b"\xd7\xcd\xc6\x9a", b"\x01\x00\x09\x00", b"\x02\x00\x09\x00")  # placeable, memory, disk
_RASTER_STARTS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")


def vector_kind(data: bytes) -> str:
    """``EMF``, ``WMF``, ``SVM`` or ``SVG`` for a vector picture, else ``""`` (a raster or unknown bytes)."""
    if data[:4] == b"\x01\x00\x00\x00" and data[40:44] == _EMF_SIGNATURE:
        return "EMF"
    if data.startswith(_WMF_STARTS):
        return "WMF"
    if data.startswith(b"VCLMTF"):
        return "SVM"  # StarView metafile, what LibreOffice writes
    if data.lstrip()[:256].lower().startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "SVG"
    return ""


# A vector picture narrower or lower than this (mm) cannot hold a legible character: a rule line, a dot.
MIN_VECTOR_MM = 2.0


def vector_size_mm(data: bytes, kind: str) -> tuple[float, float] | None:
    """Width and height (mm) an EMF or placeable WMF declares, else ``None`` (not known: no judgement by size)."""
    if kind == "EMF" and len(data) >= 40:
        left, top, right, bottom = struct.unpack_from("<4i", data, 24)  # rclFrame, in 0.01 mm
        return abs(right - left) / 100, abs(bottom - top) / 100
    if kind == "WMF" and data.startswith(b"\xd7\xcd\xc6\x9a") and len(data) >= 16:
        left, top, right, bottom, per_inch = struct.unpack_from("<4hH", data, 6)
        if per_inch:
            return abs(right - left) / per_inch * 25.4, abs(bottom - top) / per_inch * 25.4
    return None


def vector_unread(name: str, kind: str, out: Collector, *, page: int | None = None) -> None:
    """A vector picture large enough to hold text: a ledger entry ``unread`` and an ``unread-part`` notice naming it."""
    out.unread(name, "image", f"{kind} 矢量图片，无法自动识别其中的文字，须人工查看 "
               f"/ {kind} vector picture: its text cannot be read automatically", part="embedded", page=page)


def picture(name: str, data: bytes, out: Collector, *, source: str = "", part: str = "body",
            page: int | None = None, box: tuple[float, float, float, float] | None = None,
            page_size: tuple[float, float] | None = None) -> None:
    """One picture found in a document, judged by its bytes: to OCR, listed as decorative, or named as unread.

    A raster picture (PNG, JPEG, GIF, TIFF, BMP, WebP) goes to OCR unless it
    is under :data:`MIN_PICTURE_BYTES` (then only listed); a vector one (EMF,
    WMF, SVM, SVG) cannot be read and is ``unread`` (review) unless its frame
    is under :data:`MIN_VECTOR_MM` on a side.
    Unknown bytes are named as unread too: fail closed.
    """
    kind = vector_kind(data)
    if kind:
        # a metafile's bytes say nothing of its size (a mark drawn as text is 200 bytes): its frame does
        size = vector_size_mm(data, kind)
        if size is not None and min(size) < MIN_VECTOR_MM:
            out.cover(name, "image", "listed", f"装饰性小矢量图 {size[0]:.1f}×{size[1]:.1f} mm / small decorative picture")
        else:
            vector_unread(name, kind, out, page=page)
    elif len(data) < MIN_PICTURE_BYTES:
        out.cover(name, "image", "listed", f"装饰性小图片 {len(data)} 字节 / small decorative picture")
    elif data.startswith(_RASTER_STARTS) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        out.cover(name, "image", "listed", "交文字识别 / handed to OCR")
        out.images.append(ImageRef(name=name, data=data, part=part, page=page, source=source, box=box,
                                   page_size=page_size))
    else:
        out.unread(name, "image", "图片格式无法识别 / unknown picture format", part="embedded", page=page)


# OfficeArt blips ([MS-ODRAW] 2.2.23) that Word, Excel and PowerPoint 97-2003 keep pictures in, by
# (recInstance, recType): the vector ones (the metafile is usually deflated) and the DIB bitmap.
# The instance says whether one or two 16-byte UIDs precede the data.
_VECTOR_BLIPS = {(0x3D4, 0xF01A): ("EMF", 16), (0x3D5, 0xF01A): ("EMF", 32), (0x216, 0xF01B): ("WMF", 16),
                 (0x217, 0xF01B): ("WMF", 32), (0x542, 0xF01C): ("PICT", 16), (0x543, 0xF01C): ("PICT", 32)}
_DIB_BLIPS = {(0x7A8, 0xF01F): 16, (0x7A9, 0xF01F): 32}
_EMU_PER_MM = 36_000
MAX_BLIPS = 200  # blips judged in one stream; past this the rest are one unread entry


def _blip_starts(data: bytes, keys: Any) -> list[tuple[int, tuple[int, int]]]:
    found = []
    for key in keys:
        header = struct.pack("<HH", key[0] << 4, key[1])
        position, count = data.find(header), 0
        while position >= 0 and count <= MAX_BLIPS:  # a hostile stream of headers is not collected whole
            found.append((position, key))
            position, count = data.find(header, position + 8), count + 1
    return sorted(found)


def officeart_blips(data: bytes, out: Collector, source: str, *, bitmaps: bool = True) -> None:
    """The vector pictures (and, with ``bitmaps``, the DIB bitmaps) in a stream of OfficeArt records.

    A metafile blip is named as unread (``unread-part``: no engine reads EMF/WMF/PICT
    here) unless the size it declares (``ptSize``, EMU) is under
    :data:`MIN_VECTOR_MM` on a side; a DIB becomes a ``.bmp`` for OCR.
    Found by their record headers, as :func:`~scanner.extract._ole.carve_pictures` finds PNG and JPEG.
    """
    keys = [*_VECTOR_BLIPS, *(_DIB_BLIPS if bitmaps else ())]
    counts: dict[str, int] = {}
    for judged, (start, key) in enumerate(_blip_starts(data, keys)):
        length = struct.unpack_from("<I", data, start + 4)[0] if start + 8 <= len(data) else -1
        body = data[start + 8 : start + 8 + length]
        if length < 0 or len(body) < length:
            continue  # not a record after all (or cut off): the bytes happened to match a header
        if judged == MAX_BLIPS:
            out.unread(f"{source} 其余图片", "image", f"一个数据流中超过 {MAX_BLIPS} 张图片，其余未检查 "
                       f"/ more than {MAX_BLIPS} pictures in one stream", part="embedded")
            return
        if key in _DIB_BLIPS:
            counts["bmp"] = counts.get("bmp", 0) + 1
            picture(f"{source}/位图{counts['bmp']}.bmp", dib_to_bmp(body[_DIB_BLIPS[key] + 1 :]), out, source=source)
            continue
        kind, uids = _VECTOR_BLIPS[key]
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{source}/矢量图{counts[kind]}.{kind.lower()}"
        if len(body) >= uids + 34:
            width, height = struct.unpack_from("<ii", body, uids + 20)  # OfficeArtMetafileHeader.ptSize
            if 0 <= min(width, height) < MIN_VECTOR_MM * _EMU_PER_MM:
                out.cover(name, "image", "listed", f"装饰性小矢量图 {width / _EMU_PER_MM:.1f}×{height / _EMU_PER_MM:.1f} mm "
                          "/ small decorative picture")
                continue
        vector_unread(name, kind, out)


def dib_to_bmp(dib: bytes) -> bytes:
    """A DIB (a bitmap without its file header, as a blip stores it) as a .bmp file; ``b""`` if too short."""
    if len(dib) < 40:
        return b""
    header, bits, colours = struct.unpack_from("<I10xH16xI", dib)
    palette = 4 * (colours or (1 << bits if bits <= 8 else 0))
    return b"BM" + struct.pack("<I4xI", 14 + len(dib), 14 + header + palette) + dib


def registered(out: Collector) -> set[str]:
    """Names of the pictures handed to OCR (the embedded-objects notice leaves them out)."""
    return {image.name for image in out.images}


def pdf_page_scan(document: Any, index: int, out: Collector) -> None:
    """Render page ``index`` (0-based) of a ``pypdfium2.PdfDocument`` for OCR; nothing when it cannot be.

    The page keeps its "no text layer" error unless OCR reads it; past
    :data:`MAX_SCAN_PAGES` scanned pages no more are rendered (they stay errors).
    """
    from scanner.ocr import PAGE_SCAN

    if sum(image.source == PAGE_SCAN for image in out.images) >= MAX_SCAN_PAGES:
        return
    try:
        page = document[index]
        try:
            width, height = page.get_size()
            bitmap = page.render(scale=SCAN_DPI / 72, grayscale=True)
            buffer = io.BytesIO()
            bitmap.to_pil().save(buffer, format="PNG")
        finally:
            page.close()
    except Exception:  # noqa: BLE001 - a page that cannot be rendered keeps its error; OCR just does not run
        return
    number = index + 1
    out.images.append(
        ImageRef(
            name=f"第{number}页扫描图像",
            data=buffer.getvalue(),
            page=number,
            box=(0.0, 0.0, float(width), float(height)),
            page_size=(float(width), float(height)),
            source=PAGE_SCAN,
        )
    )


# A picture on a page with text is OCR'd when it is at least this big (points):
# room for a stamp or a pasted head block, not a bullet or a rule line.
MIN_PICTURE_PT = (40.0, 16.0)
# In the top band of page one (the head block), a smaller picture shaped like
# a line of text (a level mark pasted as a picture is about 30 x 14 pt) is OCR'd too.
MIN_HEAD_PICTURE_PT = (16.0, 8.0)
HEAD_BAND = 0.25
MAX_PICTURES_PER_PAGE = 8


def pdf_page_pictures(document: Any, index: int, out: Collector) -> list[str]:
    """Register the large pictures drawn on page ``index`` of a page that has text (stamps, pasted head blocks).

    Returns the small ones, judged by size and position as decoration (a
    logo, a rule line), each as ``"第N页图片k（w×h pt）"``; every picture gets a
    ledger entry.  A picture that cannot be taken out of the page is left
    alone: the page's own text was read, and the picture is no worse off than
    before OCR.
    """
    import pypdfium2.raw as pdfium_c

    small: list[str] = []
    try:
        page = document[index]
        try:
            width, height = page.get_size()
            found = 0
            for picture in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
                left, bottom, right, top = picture.get_bounds()
                w, h = right - left, top - bottom
                head = index == 0 and top >= height * (1 - HEAD_BAND) and w >= 1.5 * h
                least = MIN_HEAD_PICTURE_PT if head else MIN_PICTURE_PT
                if w < least[0] or h < least[1]:
                    name = f"第{index + 1}页小图片{len(small) + 1}"
                    small.append(f"{name}（{w:.0f}×{h:.0f} pt）")
                    out.cover(name, "image", "listed", f"装饰性小图片 {w:.0f}×{h:.0f} pt / small decorative picture")
                    continue
                name = f"第{index + 1}页图片{found + 1}"
                if found == MAX_PICTURES_PER_PAGE:
                    out.unread(name, "image", f"每页最多识别 {MAX_PICTURES_PER_PAGE} 张图片，其余未识别 "
                               f"/ more than {MAX_PICTURES_PER_PAGE} pictures on the page", page=index + 1)
                    break
                buffer = io.BytesIO()
                picture.get_bitmap(render=True).to_pil().save(buffer, format="PNG")
                found += 1
                out.cover(name, "image", "listed", "交文字识别 / handed to OCR")
                out.images.append(
                    ImageRef(
                        name=name,
                        data=buffer.getvalue(),
                        page=index + 1,
                        box=(float(left), float(height - top), float(right), float(height - bottom)),
                        page_size=(float(width), float(height)),
                    )
                )
        finally:
            page.close()
    except Exception:  # noqa: BLE001 - see the docstring: the page's text stands
        return small
    return small
