"""Pictures on a web page: listed, judged decorative or not, and read by OCR when the page holds their bytes.

Every ``<img>``, ``<picture><source srcset>`` and ``<input type=image>`` is
an entry of the coverage ledger (kind ``image``).  A picture is judged
*decorative* (logo, icon, button, spacer, rule line) by what the page says
about it: a small declared size (``width``/``height`` attributes or inline
style), a file name or class word such as ``logo``/``icon``/``banner``/
``spacer``, or its place in the site's template (outside the article, or in
a nav/menu/share block inside it).  Decorative pictures are listed in one
``info`` notice (``decorative-image``) and never sent to OCR.

The extractor sees the page's bytes only: a picture embedded as a ``data:``
URI is handed to OCR (``Extraction.images``, anchored where it stands in
the text), so text in it is matched like the page's own and a picture OCR
cannot read keeps the page at ``review`` naming it.  A linked picture
(``src`` a URL or a path) is not inside the scanned file: it is listed in
the ledger as not read, and it is read as a document of its own when it is
scanned with the page (a directory, an archive, a saved ``.mht``).  Only
``data:`` pictures' file-name words are not trusted: their bytes are here,
so only size and template position spare them OCR.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from scanner.extract._common import Collector
from scanner.extract._images import MIN_PICTURE_BYTES
from scanner.roles import NoticeKind
from scanner.types import ImageRef

# Largest data: picture decoded (the markup itself is bounded by MAX_HTML_BYTES).
MAX_DATA_PICTURE = 20 * 1024 * 1024
# Declared sizes (CSS pixels) of decoration: an area below this (a 48 x 48
# icon, a 70 x 18 button), or a side this thin (a rule line, a spacer).
DECORATIVE_AREA = 2400
RULE_LINE = 4
# File-name, id and class words of template pictures.
_DECORATIVE_WORDS = re.compile(
    r"logo|icon|ico[_.-]|favicon|banner|spacer|blank\.|pixel|transparent|dot\.|arrow|bullet|btn|button|"
    r"qrcode|qr[_.-]|ewm|erweima|share|fx_|weixin|wechat|weibo|beian|ipv6|jiucuo|wza|slh|sendmail|"
    r"openpage|close\.|print\.|save\.|search|nav|menu|divider|separator|\bline[_.-]|bg[_.-]",
    re.IGNORECASE,
)
_PIXELS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$", re.IGNORECASE)
_STYLE_SIZE = re.compile(r"(?<![-\w])(width|height)\s*:\s*(\d+(?:\.\d+)?)\s*px", re.IGNORECASE)
NOTICE_NAMES = 5


@dataclass
class Picture:
    """One picture of the page as the walker met it."""

    element: Any
    source: str  # the src (or the first srcset candidate)
    template: bool  # in the site's template: outside the article, or in a nav/menu/share block
    anchor: int  # units before it: its OCR text goes here


def picture_source(element: Any, tag: str) -> str:
    """The address of the picture an element shows, or "" when it shows none."""
    if tag == "input" and (element.get("type") or "").lower() != "image":
        return ""
    if tag == "source":
        parent = element.getparent()
        if parent is None or parent.tag != "picture":
            return ""  # a <video>/<audio> source: media, not a picture
        words = (element.get("srcset") or "").split()
        return words[0].rstrip(",") if words else ""
    source = (element.get("src") or "").strip()
    if not source and tag == "img":
        words = (element.get("srcset") or "").split()
        source = words[0].rstrip(",") if words else ""
    return source


def _declared(element: Any) -> tuple[float | None, float | None]:
    sizes: dict[str, float] = {}
    for name, value in _STYLE_SIZE.findall(element.get("style") or ""):
        sizes[name.lower()] = float(value)
    for name in ("width", "height"):
        if (match := _PIXELS.match(element.get(name) or "")) is not None:
            sizes[name] = float(match.group(1))
    return sizes.get("width"), sizes.get("height")


def decorative_reason(picture: Picture, *, linked: bool) -> str:
    """Why a picture is decoration ("" when it may hold text): size, name or template position."""
    width, height = _declared(picture.element)
    if width is not None and height is not None:
        if min(width, height) <= RULE_LINE or width * height <= DECORATIVE_AREA:
            return f"声明尺寸 {width:.0f}×{height:.0f}"
    elif (width is not None and width <= RULE_LINE) or (height is not None and height <= RULE_LINE):
        return "细线"
    if picture.template:
        return "位于站点模板"
    if linked:
        element = picture.element
        words = f"{picture.source.rsplit('/', 1)[-1]} {element.get('id') or ''} {element.get('class') or ''}"
        if (match := _DECORATIVE_WORDS.search(words)) is not None:
            return f"名称含“{match.group(0).strip('._-')}”"
    return ""


def record(pictures: list[Picture], out: Collector) -> None:
    """Ledger entries for the page's pictures, ``data:`` pictures for OCR, one notice for the decoration."""
    decorative: list[str] = []
    seen: set[str] = set()
    embedded = 0
    for picture in pictures:
        linked = picture.source[:5].lower() != "data:"
        if linked:
            name = picture.source[:200]
        else:
            embedded += 1
            media = picture.source[5:].partition(",")[0].split(";")[0].strip().lower() or "image"
            name = f"内嵌图片{embedded}（{media}）"
        if name in seen:
            continue
        seen.add(name)
        why = decorative_reason(picture, linked=linked)
        if why:
            decorative.append(name)
            out.cover(name, "image", "listed", f"装饰性图片（{why}），不作文字识别 / decorative picture")
        elif linked:
            out.cover(name, "image", "listed",
                      "网页引用的图片，不在本文件中，未读取；与网页一并扫描时单独审查 / linked picture, not inside this file")
        else:
            _data_picture(picture, name, out)
    if decorative:
        listed = "、".join(decorative[:NOTICE_NAMES])
        more = " 等" if len(decorative) > NOTICE_NAMES else ""
        out.notice(NoticeKind.DECORATIVE_IMAGE, text=decorative[0], part="embedded", source=decorative[0],
                   detail=f"{len(decorative)} 张装饰性图片（徽标、图标、按钮、线条）：{listed}{more}")


def _data_picture(picture: Picture, name: str, out: Collector) -> None:
    """A picture whose bytes are in the page: handed to OCR, or an unread part naming it."""
    header, _, payload = picture.source[5:].partition(",")
    try:
        data = base64.b64decode(payload, validate=False) if ";base64" in header.lower() else unquote_to_bytes(payload)
    except (binascii.Error, ValueError) as error:
        out.unread(name, "image", f"内嵌图片无法解码 / cannot decode: {error}", part="embedded")
        return
    if len(data) > MAX_DATA_PICTURE:
        out.unread(name, "image", "内嵌图片过大，未作文字识别 / picture too large", part="embedded")
        return
    if len(data) < MIN_PICTURE_BYTES:  # a bullet or a one-pixel spacer holds no readable text
        out.cover(name, "image", "listed", "极小的图片，不含可读文字 / tiny picture")
        return
    out.cover(name, "image", "listed", "交文字识别 / handed to OCR")
    out.images.append(ImageRef(name=name, data=data, anchor=picture.anchor, source="html"))
