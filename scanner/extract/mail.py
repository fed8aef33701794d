"""Mail: ``.eml`` (RFC 5322 / MIME) and Outlook ``.msg``.

The header fields a reader sees (from, to, cc, subject, date) are
``metadata`` units with the source ``邮件头``; each text body is read as
``body`` lines (source ``邮件正文``); an HTML body and every attachment,
decoded, go to the pipeline as embedded documents, so an attached PDF
marked 秘密★6个月 is found as ``附件 通知.pdf``, and a forwarded mail inside
a mail is read in turn.  ``.eml`` uses the standard library's parser with
``policy.default`` (it decodes RFC 2047 names and transfer encodings);
``.msg`` uses extract-msg, imported only when one is read.  A web archive
(``.mht``, also saved by Word as ``.doc``) is a MIME message too: its HTML
page is read as the body and its pictures as members.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage, Message
from typing import Any

from scanner.extract._common import no_surrogates
from scanner.extract._container import ContainerCollector

HEADER_SOURCE = "邮件头"
BODY_SOURCE = "邮件正文"
WEB_PAGE = "网页正文"  # the HTML of a web archive (.mht)
_SHOWN_HEADERS = ("From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date")


def extract(data: bytes, out: ContainerCollector) -> None:
    if out.format == "msg":
        _msg(data, out)
    else:
        message = email.message_from_bytes(data, policy=email.policy.default)
        _headers(message, out)
        _parts(message, out, [0])
        for defect in message.defects:
            if type(defect).__name__ in ("StartBoundaryNotFoundDefect", "MultipartInvariantViolationDefect"):
                out.error(f"邮件结构损坏，部分内容可能未读取 / malformed mail: {type(defect).__name__}")


def _headers(message: Message, out: ContainerCollector) -> None:
    for field in _SHOWN_HEADERS:
        for value in message.get_all(field, []):
            # undecodable header bytes arrive as surrogate escapes, which no report can write
            out.add(no_surrogates(f"{field}: {value}"), part="metadata", source=HEADER_SOURCE, numbered=False)
    subject = message.get("Subject")
    if subject:
        out.title = no_surrogates(str(subject)[:200])


def _parts(message: Message, out: ContainerCollector, counter: list[int]) -> None:
    """Every leaf of the MIME tree: text bodies read here, everything else embedded."""
    content_type = message.get_content_type()
    if content_type == "message/rfc822":
        # a forwarded mail: scanned as a mail of its own, so its findings name it
        counter[0] += 1
        inner = message.get_payload(0) if message.is_multipart() else message.get_payload()
        raw = inner.as_bytes() if isinstance(inner, Message) else _payload(message)
        _attach(out, message.get_filename() or f"转发邮件{counter[0]}.eml", raw)
        return
    if message.is_multipart():
        for sub in message.get_payload():
            if isinstance(sub, Message):
                _parts(sub, out, counter)
        return
    filename = message.get_filename()
    counter[0] += 1
    disposition = message.get_content_disposition()
    if filename or disposition == "attachment" or not content_type.startswith("text/"):
        _attach(out, filename or f"附件{counter[0]}{_suffix(content_type)}", _payload(message))
        return
    text = no_surrogates(_text(message))  # a UTF-7 body decodes to lone surrogates
    if content_type == "text/html":
        # the HTML extractor reads its hidden layers too (comments, hidden elements, titles)
        name = f"{WEB_PAGE if out.format == 'mht' else BODY_SOURCE}{counter[0]}.html"
        _attach(out, name, text.encode("utf-8"), part="body")
    else:
        for line in text.splitlines():
            out.add(line, source=BODY_SOURCE)


def _payload(message: Message) -> bytes:
    payload = message.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    return str(message.get_payload()).encode("utf-8", "surrogateescape")


def _text(message: Message) -> str:
    """A text part decoded by its charset; an unknown or wrong charset falls back to GB18030, then UTF-8."""
    try:
        content = message.get_content() if isinstance(message, EmailMessage) else None
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeDecodeError, AssertionError, KeyError):
        pass
    raw = _payload(message)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def _suffix(content_type: str) -> str:
    import mimetypes

    return mimetypes.guess_extension(content_type) or ".bin"


def _attach(out: ContainerCollector, name: str, data: bytes, *, part: str = "attachment") -> None:
    name = name.replace("/", "／").strip() or "附件"
    if not data:
        out.cover(name, "attachment", "listed", "empty")
        return
    if out.may_embed(name):
        out.embed(name, data, part=part, source=f"附件 {name}" if part == "attachment" else name)


def _msg(data: bytes, out: ContainerCollector) -> None:
    """An Outlook .msg: properties from its OLE streams, read by extract-msg."""
    import extract_msg

    from scanner.extract._ole import open_ole, short_streams

    with open_ole(data, "Outlook 邮件（msg）") as ole:
        short = short_streams(ole)
    if short:
        # extract-msg reads a cut-off stream without a word: an attachment would pass on half its bytes
        out.error(f"Outlook 邮件被截断，{len(short)} 个数据流不完整（{'、'.join(short[:3])}） / truncated .msg")

    try:
        message: Any = extract_msg.openMsg(data, delayAttachments=False, errorBehavior=extract_msg.enums.ErrorBehavior.SUPPRESS_ALL)
    except Exception as error:  # noqa: BLE001 - extract-msg raises many unrelated types for bad input
        out.error(f"Outlook 邮件（msg）无法读取 / cannot read .msg: {type(error).__name__}: {error}")
        return
    try:
        for field, value in (("From", message.sender), ("To", message.to), ("Cc", message.cc),
                             ("Subject", message.subject), ("Date", message.date)):
            if value:
                out.add(f"{field}: {value}", part="metadata", source=HEADER_SOURCE, numbered=False)
        if message.subject:
            out.title = str(message.subject)[:200]
        for line in (message.body or "").splitlines():
            out.add(line, source=BODY_SOURCE)
        html = message.htmlBody
        if html:
            _attach(out, f"{BODY_SOURCE}.html", html if isinstance(html, bytes) else str(html).encode(), part="body")
        for number, attachment in enumerate(message.attachments, 1):
            name = attachment.longFilename or attachment.shortFilename or f"附件{number}"
            payload = attachment.data
            if hasattr(payload, "exportBytes"):  # an embedded .msg
                payload = payload.exportBytes()
                name = name if name.lower().endswith(".msg") else f"{name}.msg"
            if isinstance(payload, bytes):
                _attach(out, str(name), payload)
            else:
                out.error(f"邮件附件“{name}”无法读取 / .msg attachment {name!r} could not be read")
                out.cover(str(name), "attachment", "unread", "unsupported attachment type")
    except Exception as error:  # noqa: BLE001 - extract-msg decodes properties lazily and raises many types for bad bytes
        out.error(f"Outlook 邮件（msg）的属性无法读取 / cannot read .msg properties: {type(error).__name__}: {error}")
    finally:
        message.close()
