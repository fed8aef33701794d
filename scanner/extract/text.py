"""Plain text: encoding detection and one unit per line.

Encoding detection is guarded because short Chinese text is ambiguous:
the same bytes often decode without error as both GB18030 and Big5, and
charset-normalizer regularly picks the wrong one for a dozen characters.
We decode strictly with each candidate and keep the decoding that yields
the most *common* characters (GB2312 level 1 or Big5 frequent hanzi) — a
wrong decoding produces rare characters and symbols.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import cache

from scanner.extract._common import MAX_DOCUMENT_CHARS, TRUNCATED, Collector, ExtractError, decoded_safely

BINARY = "二进制或无法识别的内容，不是文本 / binary or unrecognised content, not text"
UNDECIDABLE = "无法确定文本编码 / cannot determine the text encoding"

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_SAMPLE = 65536
# Control characters that do not occur in text: all below U+0020 except
# \t \n \v \f \r and ESC (terminal colour codes in logs).
_BINARY_CONTROLS = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
# Three bytes per character (a hanzi in UTF-8): bytes past this could only
# feed text the collector drops (see MAX_DOCUMENT_CHARS), so they are never
# decoded and memory stays bounded for a 2 GB file.
MAX_TEXT_BYTES = 3 * MAX_DOCUMENT_CHARS
TEXT_TRUNCATED = (
    f"文件超过 {MAX_TEXT_BYTES:,} 字节，只读取了开头部分，其余未读取 "
    f"/ file larger than {MAX_TEXT_BYTES:,} bytes: only the beginning was read"
)
# A file that is mostly valid in one encoding but holds a few bad bytes
# (a stray GBK line in a UTF-8 file, a truncated last character) is read
# with replacement characters and an error, so its readable text is still
# checked; with more damage than this it is not text.
MAX_REPLACED_SHARE = 0.1
PARTLY_DECODED = (
    "部分字节不是有效的 {encoding} 文本，已跳过（{count} 处） / {count} invalid {encoding} byte sequence(s) skipped"
)
MIXED = "文件混用多种编码：{count} 行按 {other} 读取，其余按 {encoding} / mixed encodings: {count} line(s) read as {other}"
NUL_BYTES = "文件含 {count} 个空字节（NUL），已忽略 / {count} NUL byte(s) ignored"


def extract(data: bytes, out: Collector) -> None:
    partial = len(data) > MAX_TEXT_BYTES
    if partial:
        out.error(TEXT_TRUNCATED)
        data = data[:MAX_TEXT_BYTES]
    text, _ = decode_lenient(data, out, partial=partial)
    if len(text) > MAX_DOCUMENT_CHARS:
        # Cut before splitting into lines: the copies made there would
        # otherwise cost several times the text the collector keeps.
        out.error(TRUNCATED)
        text = text[:MAX_DOCUMENT_CHARS]
    add_lines(text, out)


def add_lines(text: str, out: Collector) -> None:
    """One unit per line; a form feed starts a new page (text after it on
    the same line belongs to the new page)."""
    # str.splitlines would also split at form feeds, which mark pages here.
    if "\r" in text:  # one search instead of two replace scans over most texts, which have none
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\f" not in text:
        out.add_lines(text.split("\n"))
        out.pages = None
        return
    number = 1
    pages = text.split("\f")
    for page, chunk in enumerate(pages, start=1):
        lines = chunk.split("\n")
        out.add_lines(lines, first=number, page=page)
        number += len(lines) - 1  # the next page goes on with this line
    out.pages = len(pages)


def decode_lenient(data: bytes, out: Collector, *, partial: bool = False) -> tuple[str, str]:
    """:func:`decode`, falling back line by line, recorded as an error.

    A file pasted together from several sources mixes encodings (a GBK
    line in a UTF-8 file) or carries stray bytes and NULs; the odd line is
    as likely as any to hold the secret, so each line is decoded on its own
    (UTF-8, else GB18030, else UTF-8 with replacement characters) rather than
    giving up on the whole file.  Raises :class:`ExtractError` when the
    result still does not look like text.
    """
    try:
        return decode(data, partial=partial)
    except ExtractError as error:
        undecided = error
    nuls = data.count(0)
    if nuls > MAX_REPLACED_SHARE * len(data):
        raise undecided
    for primary, other in (("utf-8", "gb18030"), ("gb18030", "utf-8")):
        lines = []
        switched = replaced = 0
        for line in data.replace(b"\x00", b"").split(b"\n"):
            try:
                lines.append(line.decode(primary))
                continue
            except UnicodeDecodeError:
                pass
            try:
                lines.append(line.decode(other))
                switched += 1
            except UnicodeDecodeError:
                decoded = line.decode(primary, errors="replace")
                replaced += decoded.count("\ufffd")
                lines.append(decoded)
        text = "\n".join(lines)
        if replaced > MAX_REPLACED_SHARE * max(len(text), 1) or _plausibility(text[:_SAMPLE]) < 0.6:
            continue
        try:
            _check_textual(text)
        except ExtractError:
            continue
        if switched:
            out.error(MIXED.format(encoding=primary, other=other, count=switched))
        if replaced:
            out.error(PARTLY_DECODED.format(encoding=primary, count=replaced))
        if nuls:
            out.error(NUL_BYTES.format(count=nuls))
        return text, primary
    raise undecided


def _decoded(data: bytes, encoding: str, partial: bool) -> str:
    """Strict decoding; with ``partial`` an incomplete last character (the
    file was cut at a byte limit) is dropped instead of failing."""
    if not partial:
        return data.decode(encoding)
    return codecs.getincrementaldecoder(encoding)().decode(data, final=False)


def decode(data: bytes, *, partial: bool = False) -> tuple[str, str]:
    """Decode ``data`` and name the encoding; ``partial`` says ``data`` is
    the beginning of a longer file, so it may end inside a character.

    Raises :class:`ExtractError` for binary content or an encoding that
    cannot be decided.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _decoded(data[len(bom):], encoding, partial), encoding
            except UnicodeDecodeError as error:
                raise ExtractError(f"文本编码错误（{encoding}） / invalid {encoding} text: {error.reason}") from error
    if b"\x00" in data[:_SAMPLE]:
        guessed = _bomless_utf16(data)
        if guessed is None:
            raise ExtractError(BINARY)
        return guessed
    try:
        text = _decoded(data, "utf-8", partial)
    except UnicodeDecodeError:
        pass
    else:
        _check_textual(text)
        return text, "utf-8"
    best: tuple[float, str, str] | None = None
    for encoding in ("gb18030", "cp950"):
        try:
            text = _decoded(data, encoding, partial)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text[:_SAMPLE], common_hanzi(encoding))
        # Ties go to GB18030: mainland government text is the common case.
        if best is None or score > best[0]:
            best = (score, text, encoding)
    if best is not None and best[0] >= 0.6:
        return best[1], best[2]
    fallback = _charset_normalizer(data)
    if fallback is not None:
        return fallback
    if best is not None and best[0] >= 0.3:
        return best[1], best[2]
    raise ExtractError(UNDECIDABLE)


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    sample = data[:4096]
    even_zero = sample[0::2].count(0)
    odd_zero = sample[1::2].count(0)
    half = len(sample) / 2
    for zeros, encoding in ((odd_zero, "utf-16-le"), (even_zero, "utf-16-be")):
        if zeros > 0.3 * half:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _plausibility(text[:_SAMPLE]) >= 0.6:
                return text, encoding
    return None


def _charset_normalizer(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    match = from_bytes(data[:_SAMPLE]).best()
    if match is None or match.encoding is None:
        return None
    try:
        text = decoded_safely(data.decode(match.encoding), match.encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    if _plausibility(text[:_SAMPLE]) < 0.6:
        return None
    return text, match.encoding


def _check_textual(text: str) -> None:
    sample = text[:_SAMPLE]
    # findall scans in C; a per-character Python loop was a third of the
    # cost of reading a plain-text document.
    # The controls are ASCII, so they are counted in the ASCII bytes alone: a
    # class test per character over a mostly-hanzi text was 5x slower.
    controls = len(_BINARY_CONTROLS.findall(sample.encode("ascii", "ignore")))
    if sample and controls > 0.05 * len(sample):
        raise ExtractError(BINARY)


def _plausibility(text: str, common: frozenset[str] | None = None) -> float:
    """Share of characters a real document is made of (0..1).

    Common hanzi, ASCII, CJK punctuation and full-width forms count; rare
    hanzi, control characters, private-use and odd symbols do not.  Each
    candidate decoding is judged by the common characters of its own
    script (a Big5 file misread as GBK yields simplified characters that are
    rare or traditional ones that GB2312 lacks), unless ``common`` is not
    given, when both sets count.
    """
    if not text:
        return 1.0
    if common is None:
        common = common_hanzi("gb18030") | common_hanzi("cp950")
    good = 0.0  # a Latin letter outside ASCII counts half
    total = 0
    for ch in text:
        if ch in "\r\n\t ":
            continue
        total += 1
        code = ord(ch)
        if 0x20 <= code < 0x7F or ch in common or 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E or 0x2010 <= code <= 0x2642:
            good += 1
        elif code >= 0x80 and unicodedata.category(ch) in ("Ll", "Lu"):
            good += 0.5
    return good / total if total else 1.0


@cache
def common_hanzi(encoding: str) -> frozenset[str]:
    """Frequent hanzi of an encoding's script, built once on first use:
    GB2312 level 1 for GB18030, the Big5 frequent-character block for Big5."""
    chars: set[str] = set()
    if encoding != "gb18030":
        return _big5_common()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


@cache
def _big5_common() -> frozenset[str]:
    chars: set[str] = set()
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            try:
                chars.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)
