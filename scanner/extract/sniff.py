"""Tell a document's real type from its content; the extension is only a hint.

A file whose extension lies (a PDF named ``.txt``) is read by what it is.
"""

from __future__ import annotations

import io
import re
import zipfile

# Kinds that have an extractor, and kinds recognised only to explain why
# they cannot be read.
READABLE = ("docx", "xlsx", "pptx", "pdf", "html", "text", "ofd", "zip", "7z", "rar", "tar", "gzip", "eml", "msg", "doc",
            "xls", "ppt", "rtf", "odf", "wordml", "mht", "image")

UNSUPPORTED_REASONS = {
    "encrypted-office": "加密文件，无法读取 / encrypted Office document",
    "legacy-office": "旧版 Office 复合文档无法识别（不是可读取的 doc/xls/ppt/msg，或文件已损坏），请另存为 docx/xlsx/pptx 后再审查 "
    "/ unrecognised or damaged compound (OLE2) file",
    "image": "图像文件，无法读取其中文字（需人工或 OCR 审查） / image file: text cannot be read",
}

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SEVENZIP = b"7z\xbc\xaf\x27\x1c"
# the BOF record that opens a BIFF2/3/4/5/8 stream: its type, a body of 4-16 bytes, then a version and a
# substream type (worksheet, chart, macro sheet or workbook globals)
_RAW_BIFF = re.compile(rb"\x09[\x00\x02\x04\x08][\x04\x06\x08\x10]\x00..[\x05\x06\x10\x20\x40\x00\x01]\x00", re.DOTALL)
_RAR = (b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00")
_GZIP = b"\x1f\x8b\x08"
# the start of a mail (RFC 5322): header fields only, one of them a mail's own
_MAIL_HEADER = re.compile(rb"[A-Za-z][A-Za-z0-9-]{0,40}:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*")
_MAIL_FIELDS = re.compile(rb"^(?:received|return-path|message-id|mime-version|from|to|subject|date|x-mailer|delivered-to):", re.IGNORECASE | re.MULTILINE)
# Streams at the root of a compound file that say which legacy format it is, in the order asked
# (a .doc may hold a workbook object deeper down: only the root's own streams decide)
_OLE_ROOT_KINDS = (
    ("EncryptionInfo", "encrypted-office"),
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),  # Excel 5/95 and some WPS .et files
    ("PowerPoint Document", "ppt"),
)
# the same names as UTF-16LE bytes, searched for where the directory cannot be read
_OLE_KINDS = (
    ("__substg1.0_".encode("utf-16-le"), "msg"),
    *((name.encode("utf-16-le"), kind) for name, kind in _OLE_ROOT_KINDS[1:]),
)
_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"RIFF")
# Word 2003 XML: the root element in the WordprocessingML 2003 namespace (saved as .doc or .xml)
_WORDML = re.compile(rb"<w:wordDocument\b[^>]*schemas\.microsoft\.com/office/word/2003/wordml")
# Flat OpenDocument (.fodt/.fods/.fodp): one XML file whose root is office:document in the ODF office namespace
_FLAT_ODF = re.compile(rb"<(?:[\w.-]+:)?document\b[^>]*?xmlns(?::[\w.-]+)?=[\"']urn:oasis:names:tc:opendocument:xmlns:office:1\.0[\"']")
_HTML_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)
_HTML_ANYWHERE = re.compile(rb"<(html|head|body|meta\s+[^>]*charset|title)\b", re.IGNORECASE)
_OOXML_MAIN = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"), ("ppt/presentation.xml", "pptx"))
_EXT_HINT = {
    ".docx": "docx", ".docm": "docx", ".dotx": "docx", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".pptx": "pptx", ".pptm": "pptx", ".pdf": "pdf", ".eml": "eml", ".ofd": "ofd", ".html": "html", ".htm": "html", ".xhtml": "html",
}


def sniff(data: bytes, name: str = "") -> str:
    """The document kind: one of :data:`READABLE` or a key of :data:`UNSUPPORTED_REASONS`."""
    head = data[:4096]
    hint = _EXT_HINT.get(suffix_of(name.split("?")[0].lower()), "")
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data, hint)
    if head.startswith(_OLE):
        return _ole_kind(data)
    if _RAW_BIFF.match(head):
        return "xls"  # an Excel 2-4 worksheet or workbook saved as a bare BIFF stream, without a compound file
    if head.startswith(_SEVENZIP):
        return "7z"
    if head.startswith(_RAR):
        return "rar"
    if head.startswith(_GZIP):
        return "gzip"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar"
    if head.startswith(_IMAGES) or (head.startswith(b"BM") and head[6:10] == b"\0\0\0\0"):  # BMP: zero reserved bytes
        return "image"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    # (each pattern after the literal it cannot match without: a web page has
    # a hundred "<" in its first 4 KB, and both searches tried each, 3.6 µs a page)
    if b"<w:wordDocument" in head and _WORDML.search(head):
        return "wordml"
    if b"opendocument:xmlns:office:1.0" in head and _FLAT_ODF.search(head):
        return "odf"
    if _looks_like_mht(head):
        return "mht"
    if _looks_html(head, hint):
        return "html"
    if _looks_like_mail(head, hint):
        return "eml"
    return "text"


def suffix_of(path: str) -> str:
    """``PurePosixPath(path).suffix``, without making the path object (8 µs a document).

    The name is the last component that is neither empty nor ``.``; its
    suffix starts at its last dot, unless that dot begins or ends the name.
    """
    name = next((part for part in reversed(path.split("/")) if part and part != "."), "")
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _ole_kind(data: bytes) -> str:
    """The format of a compound file (OLE2) by the streams at its root.

    An encrypted docx/xlsx/pptx is a compound file holding the encrypted
    package and an ``EncryptionInfo`` stream.  Where olefile cannot read the
    directory (a damaged file), the stream names are looked for in the bytes,
    so that the format's own reader reports the damage.
    """
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            # names compare without case, as [MS-CFB] says (some writers save "WORKBOOK" or "worddocument")
            root = {entry[0].lower() for entry in ole.listdir(streams=True, storages=True) if len(entry) == 1}
    except Exception:  # noqa: BLE001 - olefile raises many types for damaged input; the byte search decides then
        if "EncryptionInfo".encode("utf-16-le") in data[:1_000_000]:
            return "encrypted-office"
        return next((kind for stream, kind in _OLE_KINDS if stream in data), "legacy-office")
    if any(name.startswith("__substg1.0_") for name in root):
        return "msg"
    return next((kind for name, kind in _OLE_ROOT_KINDS if name.lower() in root), "legacy-office")


# The zip file sniffing opened, handed on to the package reader of the same
# bytes (``_ooxml.Package``): reading a small docx's central directory a
# second time was a tenth of its extraction.  One entry, matched by the
# identity of the bytes, taken once; ``extract_nested`` drops it after the
# extractor ran, so it never outlives the document.
_opened: tuple[bytes, zipfile.ZipFile] | None = None


def take_zip(data: bytes) -> zipfile.ZipFile | None:
    """The :class:`zipfile.ZipFile` :func:`sniff` opened over exactly ``data``, or None; it is handed out once."""
    global _opened
    entry = _opened
    if entry is None or entry[0] is not data:
        return None
    _opened = None
    return entry[1]


def drop_zip() -> None:
    """Forget the zip file :func:`sniff` opened, if nobody took it."""
    global _opened
    _opened = None


def _zip_kind(data: bytes, hint: str) -> str:
    global _opened
    try:
        opened = zipfile.ZipFile(io.BytesIO(data))
        names = set(opened.namelist())
        _opened = (data, opened)
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError):
        # (a damaged directory can name an unknown zip version: NotImplementedError, found by
        # tests/test_legacy_mutations.py; sniffing must never raise)
        # A truncated package has no central directory, but its local file
        # headers still name the members.
        for member, kind in _OOXML_MAIN:
            if member.encode() in data[:1_000_000]:
                return kind
        if b"OFD.xml" in data[:1_000_000]:
            return "ofd"
        if b"mimetypeapplication/vnd.oasis.opendocument" in data[:200]:
            return "odf"  # the stored mimetype member opens every OpenDocument file
        return hint if hint in ("docx", "xlsx", "pptx", "ofd") else "zip"
    for member, kind in _OOXML_MAIN:
        if member in names:
            return kind
    # OFD (GB/T 33190, the Chinese fixed-layout format) is a zip of XML
    # whose entry point is OFD.xml.
    if "OFD.xml" in names:
        return "ofd"
    if "mimetype" in names and "content.xml" in names:
        return "odf"
    return "zip"


def _looks_html(head: bytes, hint: str) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
        head = head.decode(encoding, errors="ignore").encode("utf-8")
    elif head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if _HTML_START.match(head):
        return True
    return (hint == "html" and head.lstrip().startswith(b"<")) or bool(
        hint == "html" and _HTML_ANYWHERE.search(head)
    )


def _looks_like_mht(head: bytes) -> bool:
    """A web archive (MHTML, a "single file web page" Word and browsers save as .mht or .doc):
    header fields at the start, one of them ``Content-Type: multipart/related``."""
    position = 0
    while (match := _MAIL_HEADER.match(head, position)) is not None:
        position = match.end()
    fields = head[:position].lower()
    return b"mime-version:" in fields and re.search(rb"content-type:\s*multipart/related", fields) is not None


def _looks_like_mail(head: bytes, hint: str) -> bool:
    """A block of header fields at the very start, ending in a blank line, with fields only a mail has.

    Two such fields (``From:`` and ``Subject:`` …) are asked for unless the
    name says ``.eml``, so that a text note starting "Date: …" stays text.
    """
    position = 0
    fields = 0
    while (match := _MAIL_HEADER.match(head, position)) is not None:
        position = match.end()
        fields += 1
    ended = head[position : position + 2] in (b"\r\n", b"\n") or head[position : position + 1] == b"\n"
    if fields < 2 or not ended:
        return False
    known = len(_MAIL_FIELDS.findall(head[:position]))
    return known >= 1 if hint == "eml" else known >= 3
