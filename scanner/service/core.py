"""What the API and the pages share: the running service, who is asking, uploads and downloads."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from scanner.batch import Task
from scanner.service import audit
from scanner.service.auth import LoginLimiter, csrf_matches, load_api_token, load_session
from scanner.service.config import ServiceConfig
from scanner.service.db import Item, Unit, User
from scanner.service.runner import ScanRunner
from scanner.service.store import (
    Actor,
    decisions_of,
    get_item,
    new_item,
    result_of,
    signatures_of,
    store_result,
)
from scanner.service.uploads import Upload, UploadError, fetch_url, receive_upload
from scanner.types import DocumentResult

log = logging.getLogger("secscan.service")
SESSION_COOKIE = "secscan_session"
SECURE_SESSION_COOKIE = "__Host-secscan_session"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Service:
    """The running service: configuration, database, scan workers, login limiter."""

    config: ServiceConfig
    sessions: sessionmaker[Session]
    runner: ScanRunner
    meta: dict[str, str]  # version, catalogue and model hashes of the scanner that checks uploads
    key: bytes
    limiter: LoginLimiter
    background: set[Future[Any]] = field(default_factory=set)

    def secure(self, request: Request) -> bool:
        if self.config.cookie_secure == "always":
            return True
        return self.config.cookie_secure == "auto" and request.url.scheme == "https"


@dataclass(frozen=True, kw_only=True)
class Principal:
    """Who is asking: a logged-in user (``csrf`` set) or an API token (``scopes``)."""

    actor: Actor
    kind: str  # session | token
    scopes: frozenset[str] = frozenset()
    csrf: str = ""

    @property
    def user(self) -> User | None:
        return self.actor.user


def service_of(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


def identify(request: Request, db: Session) -> Principal | None:
    """The principal of a request, from ``Authorization: Bearer`` or the session cookie; ``None`` if neither."""
    service = service_of(request)
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        token = load_api_token(db, header[7:].strip())
        if token is None:
            raise HTTPException(401, "接口令牌无效或已撤销 / invalid or revoked API token",
                                headers={"WWW-Authenticate": "Bearer"})
        return Principal(actor=Actor(name=f"token:{token.name}", unit_id=token.unit_id), kind="token",
                         scopes=frozenset(token.scopes.split()))
    cookie = request.cookies.get(SECURE_SESSION_COOKIE) or request.cookies.get(SESSION_COOKIE) or ""
    loaded = load_session(db, cookie, idle=service.config.session_idle_seconds,
                          maximum=service.config.session_max_seconds)
    if loaded is None:
        return None
    row, user = loaded
    return Principal(actor=Actor(name=user.username, unit_id=user.unit_id, user=user), kind="session",
                     scopes=frozenset({"scans:write", "scans:read"}), csrf=row.csrf)


def check_origin(request: Request) -> None:
    """A browser's ``Origin`` (or ``Referer``) on an unsafe request must be this service."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        if origin == "null":
            raise HTTPException(403, "跨站请求被拒绝 / cross-site request refused")
        return
    parts = urlsplit(origin)
    if parts.netloc != request.headers.get("host", ""):
        raise HTTPException(403, "跨站请求被拒绝 / cross-site request refused")


def check_csrf(request: Request, principal: Principal, form_token: str | None = None) -> None:
    """For a session's unsafe request: the session's CSRF token and a same-origin ``Origin``.  Raises 403."""
    if principal.kind != "session" or request.method not in UNSAFE:
        return
    check_origin(request)
    given = form_token if form_token is not None else request.headers.get("x-csrf-token")
    if not csrf_matches(principal.csrf, given):
        raise HTTPException(403, "CSRF 校验失败，请刷新页面后重试 / CSRF token missing or wrong")


def require_scope(principal: Principal, scope: str) -> None:
    if scope not in principal.scopes:
        raise HTTPException(403, f"接口令牌没有 {scope} 权限 / token lacks scope {scope}")


def unit_name(db: Session, unit_id: int) -> str:
    unit = db.get(Unit, unit_id)
    return unit.name if unit else ""


def item_or_404(db: Session, item_id: str, principal: Principal) -> Item:
    from scanner.service.store import NotFound

    try:
        return get_item(db, item_id, principal.actor.unit_id)
    except NotFound:
        raise HTTPException(404, "没有这个事项 / no such item") from None


async def accept_upload(request: Request, principal: Principal, *, source: str) -> tuple[Item, Future[DocumentResult], Upload]:
    """Stream the upload to disk, create its item and queue its scan.  Raises 4xx ``HTTPException``."""
    service = service_of(request)
    if principal.kind == "session":
        check_origin(request)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > service.config.max_upload_bytes + 64 * 1024:
        raise HTTPException(413, f"文件超过上限 {service.config.max_upload_bytes // 2**20} MB / upload too large")
    try:
        upload = await receive_upload(request.headers.get("content-type", ""), request.stream(),
                                      service.config.uploads_dir, max_bytes=service.config.max_upload_bytes)
    except UploadError as error:
        raise HTTPException(error.status, str(error)) from None
    if upload.path is None:
        raise HTTPException(400, "请选择要上传的文件（字段名 file）/ no file in the form")
    if principal.kind == "session":
        try:
            check_csrf(request, principal, upload.fields.get("csrf_token", request.headers.get("x-csrf-token", "")))
        except HTTPException:
            upload.discard()
            raise

    return await _register(service, principal, upload, source, key=upload.filename)


async def accept_url(request: Request, principal: Principal, *, source: str) -> tuple[Item, Future[DocumentResult], Upload]:
    """``{"url": …, sheet fields…}``: fetch the draft from an allow-listed host, then as :func:`accept_upload`."""
    import json

    service = service_of(request)
    try:
        payload = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, "请求体不是 JSON / body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("url"), str):
        raise HTTPException(400, "缺少 url / url missing")
    try:
        upload = await asyncio.to_thread(fetch_url, payload["url"], service.config.uploads_dir,
                                         allow_hosts=service.config.allow_hosts,
                                         max_bytes=service.config.max_upload_bytes)
    except UploadError as error:
        raise HTTPException(error.status, str(error)) from None
    upload.fields = {key: str(value) for key, value in payload.items() if isinstance(value, str) and key != "url"}
    return await _register(service, principal, upload, source, key=payload["url"])


async def _register(service: Service, principal: Principal, upload: Upload, source: str,
                    *, key: str) -> tuple[Item, Future[DocumentResult], Upload]:
    def create() -> Item:
        with service.sessions() as db:
            item = new_item(db, principal.actor, filename=key, path=upload.path,  # type: ignore[arg-type]
                            size=upload.size, sha256=upload.sha256, source=source, fields=upload.fields)
            db.commit()
            return item

    try:
        item = await asyncio.to_thread(create)
    except BaseException:
        upload.discard()
        raise
    return item, queue_scan(service, item, Task(key=key, path=str(upload.path))), upload


def queue_scan(service: Service, item: Item, task: Task) -> Future[DocumentResult]:
    """Scan ``task`` for ``item``; the returned future resolves once the result is stored."""
    stored: Future[DocumentResult] = Future()

    def finished(scanned: Future[DocumentResult]) -> None:
        try:
            doc = scanned.result()
            if service.runner.stopping:  # not scanned: the item stays queued and is scanned after a restart
                stored.set_exception(RuntimeError("服务正在停止 / the service is stopping"))
                return
            with service.sessions() as db:
                row = db.get(Item, item.id)
                if row is not None:  # deleted while it was scanned
                    store_result(db, row, doc, service.meta)
                    db.commit()
            stored.set_result(doc)
        except Exception as error:  # reported to the waiter; the runner thread must go on
            log.exception("storing the result of item %s failed", item.id)
            stored.set_exception(error)

    service.runner.submit(task).add_done_callback(finished)
    return stored


def requeue(service: Service) -> int:
    """Scan again every item left ``queued`` by a stopped service (its file still stored); returns how many."""
    from sqlalchemy import select

    with service.sessions() as db:
        waiting = list(db.execute(select(Item).where(Item.status == "queued")).scalars())
    count = 0
    for item in waiting:
        if item.stored_path and Path(item.stored_path).exists():
            key = item.filename
            queue_scan(service, item, Task(key=key, path=item.stored_path))
            count += 1
    return count


async def wait_for(future: Future[DocumentResult], seconds: float) -> DocumentResult | None:
    with contextlib.suppress(TimeoutError):
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), seconds)
    return None


def render_json(item: Item) -> str:
    from scanner.report import RENDERERS, ReportOptions

    result = result_of(item)
    assert result is not None
    return RENDERERS["json"](result, ReportOptions())  # type: ignore[return-value]


def render_html(item: Item) -> str:
    from scanner.report import RENDERERS, ReportOptions

    result = result_of(item)
    assert result is not None
    return RENDERERS["html"](result, ReportOptions())  # type: ignore[return-value]


def render_sheet_for(db: Session, item: Item) -> bytes:
    from scanner.service.sheet import render_sheet

    result = result_of(item)
    assert result is not None
    signatures = signatures_of(db, item.id)
    first = next((s for s in signatures if s.step == "first"), None)
    submitter = first.name if first else item.created_by
    decisions = [(row, db.get(User, row.user_id)) for row in decisions_of(db, item.id).values()]
    return render_sheet(result, item, unit_name=unit_name(db, item.unit_id), submitter=submitter,
                        signatures=signatures, decisions=decisions)


def record_download(db: Session, item: Item, principal: Principal, what: str) -> None:
    audit.record(db, actor=principal.actor.name, action="download", unit_id=item.unit_id, item_id=item.id, what=what)
    db.commit()


def download_name(item: Item, suffix: str) -> str:
    stem = Path(item.filename).stem or "item"
    return f"{stem}{suffix}"
