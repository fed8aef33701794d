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
scanned with the page (a directory, an archive, a saved ``.mht``), or
fetched by ``scan --crawl`` (:func:`content_pictures`).  Only ``data:``
pictures' file-name words are not trusted: their bytes are here, so only
size and template position spare them OCR.

CSS background pictures are pictures too: an inline ``style`` with
``background(-image): url(...)`` is judged like an ``<img>`` on that
element, and a ``<style>`` rule's picture by the rule's declared size, its
selector's words and the picture's name.  Where a ``<style>`` element
stands says nothing (style sheets sit in the head by convention), so a
rule is in the template only when its selector names a template block
(nav, header, footer, ...).
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
# A background declaration's value: up to the next ";" or "}" outside url(...) (a data: URI holds a ";").
_BACKGROUND = re.compile(r"background(?:-image)?\s*:((?:url\([^)]*\)|[^;}])*)", re.IGNORECASE)
_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
# one rule of a style sheet: selector { declarations } (at-rules' own braces are not nested here)
_RULE = re.compile(r"([^{}]*)\{([^{}]*)\}")
# Style-sheet text scanned for rules at most (a style sheet is small; a generated one is not read further).
MAX_STYLE_CHARS = 1024 * 1024


@dataclass
class Picture:
    """One picture of the page as the walker met it."""

    element: Any
    source: str  # the src (or the first srcset candidate)
    template: bool  # in the site's template: outside the article, or in a nav/menu/share block
    anchor: int  # units before it: its OCR text goes here
    background: bool = False  # a CSS background picture (inline style or a <style> rule)


class StyleRule:
    """A ``<style>`` rule seen as an element: its declarations are its style, its selector its class."""

    def __init__(self, selector: str, declarations: str) -> None:
        self._attributes = {"style": declarations, "class": selector}

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._attributes.get(name, default)


def background_sources(style: str) -> list[str]:
    """The picture addresses of a CSS text's ``background``/``background-image`` declarations, in order."""
    sources = []
    for value in _BACKGROUND.findall(style):
        for quoted, single, bare in _URL.findall(value):
            if source := (quoted or single or bare).strip():
                sources.append(source)
    return sources


def style_pictures(root: Any, anchor: int) -> list[Picture]:
    """The background pictures of the page's ``<style>`` rules; in the template when the selector names a
    template block (see the module docstring)."""
    from scanner.extract.html import _TEMPLATE_BLOCK

    pictures = []
    for style in root.iter("style"):
        text = (style.text or "")[:MAX_STYLE_CHARS]
        if "url(" not in text:
            continue
        for selector, declarations in _RULE.findall(text):
            for source in background_sources(declarations):
                rule = StyleRule(" ".join(selector.split()), declarations)
                pictures.append(Picture(element=rule, source=source, anchor=anchor, background=True,
                                        template=bool(_TEMPLATE_BLOCK.search(selector))))
    return pictures


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
            media = data_uri_media(picture.source) or "image"
            name = f"内嵌{'背景' if picture.background else ''}图片{embedded}（{media}）"
        if name in seen:
            continue
        seen.add(name)
        why = decorative_reason(picture, linked=linked)
        if why:
            decorative.append(name)
            out.cover(name, "image", "listed", f"装饰性图片（{why}），不作文字识别 / decorative picture")
        elif linked:
            what = "网页样式引用的背景图片" if picture.background else "网页引用的图片"
            out.cover(name, "image", "listed",
                      f"{what}，不在本文件中，未读取；与网页一并扫描或抓取网站时单独审查 / linked picture, not inside this file")
        else:
            _data_picture(picture, name, out)
    if decorative:
        listed = "、".join(decorative[:NOTICE_NAMES])
        more = " 等" if len(decorative) > NOTICE_NAMES else ""
        out.notice(NoticeKind.DECORATIVE_IMAGE, text=decorative[0], part="embedded", source=decorative[0],
                   detail=f"{len(decorative)} 张装饰性图片（徽标、图标、按钮、线条）：{listed}{more}")


def data_uri_media(source: str) -> str:
    """The media type a ``data:`` URI declares, in lower case (``""`` when it declares none)."""
    return source[5:].partition(",")[0].split(";")[0].strip().lower()


def data_uri_bytes(source: str) -> bytes:
    """The bytes a ``data:`` URI carries, base64 or percent-encoded.  Raises ``binascii.Error`` / ``ValueError``."""
    header, _, payload = source[5:].partition(",")
    return base64.b64decode(payload, validate=False) if ";base64" in header.lower() else unquote_to_bytes(payload)


def _data_picture(picture: Picture, name: str, out: Collector) -> None:
    """A picture whose bytes are in the page: handed to OCR, or an unread part naming it."""
    try:
        data = data_uri_bytes(picture.source)
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


def content_pictures(root: Any) -> list[str]:
    """The linked pictures of a parsed page that are not decoration, as written (``src``, ``url(...)``), in
    page order: what ``scan --crawl`` fetches and scans as documents of their own.

    The same judgement as the extractor's (size, name, template position),
    with the article found the same way, so a logo the page scan lists as
    decoration is never fetched.
    """
    from scanner.extract.html import _PICTURE_TAGS, _SKIP, _TEMPLATE_BLOCK, _TEMPLATE_TAGS, _article

    body = root.find("body")
    top = body if body is not None else root
    article = _article(top)
    found: list[Picture] = []

    def visit(element: Any, in_article: bool, in_template: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag in _SKIP:
            return
        in_article = in_article or element is article
        classes = f"{element.get('id') or ''} {element.get('class') or ''}"
        in_template = in_template or tag in _TEMPLATE_TAGS or (classes.strip() != "" and bool(
            _TEMPLATE_BLOCK.search(classes)))
        template = article is not None and (not in_article or in_template)
        sources = [source] if tag in _PICTURE_TAGS and (source := picture_source(element, tag)) else []
        style = element.get("style") or ""
        backgrounds = background_sources(style) if "url(" in style else []
        for source in sources:
            found.append(Picture(element=element, source=source, template=template, anchor=0))
        for source in backgrounds:
            found.append(Picture(element=element, source=source, template=template, anchor=0, background=True))
        for child in element:
            visit(child, in_article, in_template)

    # (the walk is as deep as the tree: libxml2 stops at 256 levels, as for the extractor's walker)
    visit(top, False, False)
    found.extend(style_pictures(root, 0))
    return [picture.source for picture in found
            if picture.source[:5].lower() != "data:" and not decorative_reason(picture, linked=True)]

