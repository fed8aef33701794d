"""Multipart uploads (and URLs on allow-listed hosts) streamed to disk under a size cap.

Starlette's own form parser spools every file part to a temporary file with
no limit on its size; here the request body is fed chunk by chunk to
python-multipart's push parser, the one file part goes straight to its final
place in the uploads directory (created ``0600``), and the upload stops as
soon as it passes the cap: nothing larger than the cap is ever written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELDS = 32
MAX_FIELD_BYTES = 64 * 1024


class UploadError(ValueError):
    """The request is not an acceptable upload; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(kw_only=True)
class Upload:
    """What the form held: its text fields and the stored file (``path`` is ``None`` without one)."""

    fields: dict[str, str] = field(default_factory=dict)
    filename: str = ""
    path: Path | None = None
    size: int = 0
    sha256: str = ""

    def discard(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()


def safe_filename(name: str) -> str:
    """The file's own name without any directory part, control characters or excess length."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:200] or "upload"


async def receive_upload(content_type: str, body: AsyncIterator[bytes], directory: Path, *,
                         max_bytes: int, file_field: str = "file") -> Upload:
    """Parse a ``multipart/form-data`` body; the part named ``file_field`` is written into ``directory``.

    Raises :class:`UploadError` (413 past ``max_bytes``, 400 for a malformed
    form or a second file, 415 for another content type); nothing is left on
    disk then.
    """
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadError("请以 multipart/form-data 上传文件 / expected multipart/form-data", 415)
    upload = Upload()
    state: dict[str, Any] = {"headers": {}, "field": b"", "value": b"", "name": None, "file": None, "hash": None}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["field"].decode("latin-1").lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _disposition, options = parse_options_header(state["headers"].get("content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        state["name"] = name
        state["buffer"] = bytearray()
        if filename is not None and name == file_field:
            if upload.path is not None:
                raise UploadError("一次只能上传一个文件 / one file per upload")
            upload.filename = safe_filename(filename.decode("utf-8", "replace"))
            path = directory / secrets.token_hex(16)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            upload.path = path
            state["file"] = os.fdopen(fd, "wb")
            state["hash"] = hashlib.sha256()
        elif len(upload.fields) >= MAX_FIELDS:
            raise UploadError("表单字段过多 / too many form fields")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if state["file"] is not None:
            upload.size += len(chunk)
            if upload.size > max_bytes:
                raise UploadError(f"文件超过上限 {max_bytes // 2**20} MB / upload larger than the limit", 413)
            state["file"].write(chunk)
            state["hash"].update(chunk)
        else:
            state["buffer"] += chunk
            if len(state["buffer"]) > MAX_FIELD_BYTES:
                raise UploadError("表单字段过长 / form field too long")

    def on_part_end() -> None:
        if state["file"] is not None:
            state["file"].close()
            state["file"] = None
            upload.sha256 = state["hash"].hexdigest()
        elif state["name"]:
            upload.fields[state["name"]] = bytes(state["buffer"]).decode("utf-8", "replace")
        state["headers"] = {}

    def on_end() -> None:
        state["ended"] = True

    parser = MultipartParser(boundary, {
        "on_end": on_end,
        "on_header_field": on_header_field, "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data, "on_part_end": on_part_end,
    })
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
        if state["file"] is not None or not state.get("ended"):
            raise UploadError("上传不完整 / the upload was cut off")
    except UploadError:
        _abandon(state, upload)
        raise
    except Exception as error:  # python-multipart raises several kinds for a malformed body
        _abandon(state, upload)
        raise UploadError(f"表单格式错误 / malformed form: {type(error).__name__}") from error
    return upload


def _abandon(state: dict[str, Any], upload: Upload) -> None:
    if state.get("file") is not None:
        state["file"].close()
        state["file"] = None
    upload.discard()
    upload.path = None


def host_allowed(url: str, allow_hosts: tuple[str, ...]) -> bool:
    """Whether ``url`` is http(s) on a host of the allow list (``host`` or ``host:port``, case-insensitive)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    allowed = {host.lower() for host in allow_hosts}
    return parts.hostname.lower() in allowed or f"{parts.hostname.lower()}:{port}" in allowed


class _AllowListRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_hosts: tuple[str, ...]) -> None:
        self.allow_hosts = allow_hosts

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        if not host_allowed(newurl, self.allow_hosts):
            raise UploadError(f"重定向到未列入白名单的网址，已拒绝 / redirect to a host not allowed: {newurl}", 403)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_url(url: str, directory: Path, *, allow_hosts: tuple[str, ...], max_bytes: int,
              timeout: float = 30.0) -> Upload:
    """Download ``url`` (a host on ``allow_hosts`` only, redirects included) into ``directory``, capped like an upload.

    Raises :class:`UploadError`: 403 for a host not on the list, 413 past
    ``max_bytes``, 502 when the download fails; nothing is left on disk then.
    """
    if not host_allowed(url, allow_hosts):
        raise UploadError(f"该网址的主机不在白名单中 / host not on the allow list: {url}", 403)
    # No proxy handler: the service talks to the allowed host directly and to nothing else.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _AllowListRedirects(allow_hosts))
    name = safe_filename(urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])) or "download"
    upload = Upload(filename=name if name != "upload" else "download")
    path = directory / secrets.token_hex(16)
    digest = hashlib.sha256()
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "secscan-serve (pre-publication review)"})
        with opener.open(request, timeout=timeout) as response:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            upload.path = path
            with os.fdopen(fd, "wb") as out:
                while chunk := response.read(65536):
                    upload.size += len(chunk)
                    if upload.size > max_bytes:
                        raise UploadError(f"文件超过上限 {max_bytes // 2**20} MB / download larger than the limit", 413)
                    out.write(chunk)
                    digest.update(chunk)
    except UploadError:
        upload.discard()
        raise
    except (urllib.error.URLError, OSError, ValueError) as error:
        upload.discard()
        raise UploadError(f"下载失败 / download failed: {error}", 502) from error
    upload.sha256 = digest.hexdigest()
    return upload
