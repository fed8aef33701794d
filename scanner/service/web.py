"""The reviewers' pages: server-rendered Chinese HTML (Jinja2), plain forms, a little JavaScript.

Every page needs a session except the login page; every form carries the
session's CSRF token.  A user sees and acts on their own unit's items only;
the buttons a page shows follow the workflow, and the server checks the same
rules again (:mod:`scanner.service.workflow`), so a hand-made request out of
turn is refused with the reason.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from scanner.report.common import location_label
from scanner.service import audit
from scanner.service.auth import check_password, end_session, login_csrf, new_session
from scanner.service.core import (
    SECURE_SESSION_COOKIE,
    SESSION_COOKIE,
    Principal,
    accept_upload,
    check_csrf,
    check_origin,
    identify,
    item_or_404,
    render_html,
    service_of,
    unit_name,
)
from scanner.service.db import AuditEvent, Inspection, InspectionPage, Site, User
from scanner.service.sheet import chinese_time
from scanner.service.store import (
    decide,
    decisions_of,
    delete_item,
    document_of,
    sign,
    signatures_of,
    unit_items,
)
from scanner.service.workflow import (
    DECISION_LABELS,
    OUTCOME_LABELS,
    ROLES,
    STATUS_LABELS,
    STEP_BY_STATUS,
    STEPS,
    WorkflowError,
)

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
templates.env.globals.update(ROLES=ROLES, STATUS_LABELS=STATUS_LABELS, OUTCOME_LABELS=OUTCOME_LABELS,
                             DECISION_LABELS=DECISION_LABELS, STEPS=STEPS, STEP_BY_STATUS=STEP_BY_STATUS,
                             when=chinese_time, where=location_label,
                             at=lambda iso: chinese_time(dt.datetime.fromisoformat(iso)))
LOGIN_COOKIE = "secscan_login"


class LoginRequired(Exception):
    """Raised by :func:`_user` for a request without a live session: the app redirects to the login page."""


def _user(request: Request) -> Principal:
    with service_of(request).sessions() as db:
        principal = identify(request, db)
    if principal is None or principal.kind != "session":
        raise LoginRequired
    return principal


def _page(request: Request, name: str, principal: Principal | None, status: int = 200, **context: Any) -> HTMLResponse:
    context.update(request=request, me=principal.user if principal else None,
                   csrf=principal.csrf if principal else "")
    return templates.TemplateResponse(request, name, context, status_code=status)


async def _form(request: Request, principal: Principal) -> dict[str, str]:
    form = await request.form()
    values = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    check_csrf(request, principal, values.get("csrf_token", ""))
    return values


# ---------------------------------------------------------------- login


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    nonce = secrets.token_urlsafe(24)
    response = _page(request, "login.html", None, error="",
                     login_token=login_csrf(service_of(request).key, nonce))
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=service_of(request).secure(request),
                        max_age=3600, path="/login")
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    service = service_of(request)
    check_origin(request)
    form = await request.form()
    username = str(form.get("username", "")).strip()[:100]
    password = str(form.get("password", ""))
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not secrets.compare_digest(login_csrf(service.key, nonce), str(form.get("csrf_token", ""))):
        raise HTTPException(403, "登录页已过期，请刷新后重试 / login form CSRF check failed")
    client = request.client.host if request.client else "?"
    keys = (f"user:{username.lower()}", f"ip:{client}")
    wait = service.limiter.blocked(*keys)
    if wait:
        return _page(request, "login.html", None, status=429, login_token=login_csrf(service.key, nonce),
                     error=f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试")
    with service.sessions() as db:
        user = check_password(db, username, password)
        if user is None:
            service.limiter.failed(*keys)
            audit.record(db, actor=username or "?", action="login_failed", client=client)
            db.commit()
            return _page(request, "login.html", None, status=401, login_token=login_csrf(service.key, nonce),
                         error="用户名或密码错误")
        service.limiter.succeeded(keys[0])
        token, _row = new_session(db, user)
        audit.record(db, actor=user.username, action="login", unit_id=user.unit_id, client=client)
        db.commit()
    response = RedirectResponse("/", status_code=303)
    secure = service.secure(request)
    response.set_cookie(SECURE_SESSION_COOKIE if secure else SESSION_COOKIE, token, httponly=True,
                        samesite="strict", secure=secure, path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    principal = _user(request)
    await _form(request, principal)
    cookie = request.cookies.get(SECURE_SESSION_COOKIE) or request.cookies.get(SESSION_COOKIE) or ""
    with service_of(request).sessions() as db:
        end_session(db, cookie)
        audit.record(db, actor=principal.actor.name, action="logout", unit_id=principal.actor.unit_id)
        db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(SECURE_SESSION_COOKIE, path="/", secure=True)
    return response


# ---------------------------------------------------------------- items


@router.get("/")
def dashboard(request: Request) -> HTMLResponse:
    principal = _user(request)
    with service_of(request).sessions() as db:
        items = unit_items(db, principal.actor.unit_id)
        sites = list(db.execute(select(Site).where(Site.unit_id == principal.actor.unit_id)).scalars())
        inspections = {site.id: db.execute(select(Inspection).where(Inspection.site_id == site.id)
                                           .order_by(Inspection.id.desc()).limit(1)).scalar_one_or_none()
                       for site in sites}
        changes = {}
        for site_id, inspection in inspections.items():
            if inspection is not None:
                changes[site_id] = list(db.execute(
                    select(InspectionPage).where(InspectionPage.inspection_id == inspection.id,
                                                 InspectionPage.change != "same")).scalars())
        mine = [item for item in items if (step := STEP_BY_STATUS.get(item.status)) and step.role == principal.user.role]  # type: ignore[union-attr]
        return _page(request, "dashboard.html", principal, items=items, mine=mine, sites=sites,
                     inspections=inspections, changes=changes, unit=unit_name(db, principal.actor.unit_id))


@router.post("/items")
async def upload(request: Request) -> Response:
    principal = _user(request)
    item, _future, _upload = await accept_upload(request, principal, source="upload")
    return RedirectResponse(f"/items/{item.id}", status_code=303)


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: str) -> HTMLResponse:
    return _item_page(request, item_id)


def _item_page(request: Request, item_id: str, *, error: str = "", status: int = 200) -> HTMLResponse:
    """The item's page; ``error`` (a refused action's reason) is set by the server only, never from the URL."""
    principal = _user(request)
    with service_of(request).sessions() as db:
        item = item_or_404(db, item_id, principal)
        doc = document_of(item)
        decisions = decisions_of(db, item.id)
        deciders = {row.user_id: db.get(User, row.user_id) for row in decisions.values()}
        events = list(db.execute(select(AuditEvent).where(AuditEvent.item_id == item.id)
                                 .order_by(AuditEvent.id)).scalars())
        step = STEP_BY_STATUS.get(item.status)
        return _page(request, "item.html", principal, status=status, item=item, doc=doc, decisions=decisions,
                     deciders=deciders, signatures=signatures_of(db, item.id), events=events, step=step,
                     can_act=step is not None and step.role == principal.user.role,  # type: ignore[union-attr]
                     error=error, action_labels=audit.ACTION_LABELS)


@router.get("/items/{item_id}/view.html")
def item_report(request: Request, item_id: str) -> Response:
    """The HTML report, for the frame on the item's page (sandboxed: the document cannot run anything)."""
    principal = _user(request)
    with service_of(request).sessions() as db:
        item = item_or_404(db, item_id, principal)
        if item.result is None:
            return HTMLResponse("<p>扫描中……</p>")
        body = render_html(item)
    # The report's own script (its side list) may run, in an opaque origin (no cookies, no parent page);
    # nothing else can: the CSP names that one script by its hash.
    scripts = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"
                       for code in re.findall(r"<script>(.*?)</script>", body, flags=re.S))
    return HTMLResponse(body, headers={
        "Content-Security-Policy": f"sandbox allow-scripts; default-src 'none'; style-src 'unsafe-inline'; "
                                   f"img-src data:; script-src {scripts or chr(39) + 'none' + chr(39)}; "
                                   "frame-ancestors 'self'",
        "X-Frame-Options": "SAMEORIGIN"})


async def _act(request: Request, item_id: str, action: str) -> Response:
    principal = _user(request)
    form = await _form(request, principal)
    refused = ""
    with service_of(request).sessions() as db:
        item = item_or_404(db, item_id, principal)
        try:
            if action == "decide":
                decide(db, item, principal.user, fingerprint=form.get("fingerprint", ""),  # type: ignore[arg-type]
                       decision=form.get("decision", ""), reason=form.get("reason", ""))
            elif action == "sign":
                sign(db, item, principal.user, outcome=form.get("outcome", ""),  # type: ignore[arg-type]
                     opinion=form.get("opinion", ""))
            else:
                delete_item(db, item, principal.actor)
        except WorkflowError as error:
            db.rollback()
            refused = str(error)
        else:
            db.commit()
    if refused:  # the page again, with the reason (after the session above is closed)
        return _item_page(request, item_id, error=refused, status=409)
    return RedirectResponse("/" if action == "delete" else f"/items/{item_id}", status_code=303)


@router.post("/items/{item_id}/decide")
async def decide_finding(request: Request, item_id: str) -> Response:
    return await _act(request, item_id, "decide")


@router.post("/items/{item_id}/sign")
async def sign_step(request: Request, item_id: str) -> Response:
    return await _act(request, item_id, "sign")


@router.post("/items/{item_id}/delete")
async def delete(request: Request, item_id: str) -> Response:
    return await _act(request, item_id, "delete")


# ---------------------------------------------------------------- audit, sites


@router.get("/audit")
def audit_page(request: Request) -> HTMLResponse:
    principal = _user(request)
    if principal.user.role not in ("admin", "secrecy"):  # type: ignore[union-attr]
        raise HTTPException(403, "只有管理员和保密部门可以查看审计记录")
    with service_of(request).sessions() as db:
        report = audit.verify(db)
        events = list(db.execute(select(AuditEvent).where(AuditEvent.unit_id == principal.actor.unit_id)
                                 .order_by(AuditEvent.id.desc()).limit(300)).scalars())
        return _page(request, "audit.html", principal, report=report, events=events,
                     action_labels=audit.ACTION_LABELS)


@router.post("/sites")
async def add_site(request: Request) -> Response:
    from scanner.service.reinspect import register_site

    principal = _user(request)
    form = await _form(request, principal)
    if principal.user.role not in ("admin", "secrecy"):  # type: ignore[union-attr]
        raise HTTPException(403, "只有管理员和保密部门可以登记网站")
    with service_of(request).sessions() as db:
        try:
            register_site(db, unit_id=principal.actor.unit_id, url=form.get("url", ""), actor=principal.actor.name,
                          interval_hours=float(form.get("interval_hours") or 24),
                          max_pages=int(form.get("max_pages") or 200))
        except ValueError as error:
            raise HTTPException(400, str(error)) from None
        db.commit()
    return RedirectResponse("/", status_code=303)


# ---------------------------------------------------------------- own password


@router.get("/account")
def account_page(request: Request) -> HTMLResponse:
    return _page(request, "account.html", _user(request), error="", done=False)


@router.post("/account")
async def change_password(request: Request) -> Response:
    """Change one's own password (the current one is asked again); every other session of the user ends."""
    from sqlalchemy import delete as delete_rows

    from scanner.service.auth import AuthError, digest, hash_password
    from scanner.service.db import LoginSession

    principal = _user(request)
    form = await _form(request, principal)
    service = service_of(request)
    client = request.client.host if request.client else "?"
    keys = (f"user:{principal.actor.name.lower()}", f"ip:{client}")
    if service.limiter.blocked(*keys):
        return _page(request, "account.html", principal, status=429, done=False, error="失败次数过多，请稍后再试")
    error = ""
    with service.sessions() as db:
        if check_password(db, principal.actor.name, form.get("current", "")) is None:
            service.limiter.failed(*keys)
            error = "当前密码不正确"
        elif form.get("new", "") != form.get("again", ""):
            error = "两次输入的新密码不一致"
        else:
            try:
                hashed = hash_password(form.get("new", ""))
            except AuthError as refused:
                error = str(refused)
        if not error:
            user = db.get(User, principal.user.id)  # type: ignore[union-attr]
            assert user is not None
            user.password_hash = hashed
            cookie = request.cookies.get(SECURE_SESSION_COOKIE) or request.cookies.get(SESSION_COOKIE) or ""
            db.execute(delete_rows(LoginSession).where(LoginSession.user_id == user.id,
                                                       LoginSession.id != digest(cookie)))
            audit.record(db, actor=user.username, action="password_changed", unit_id=user.unit_id)
            db.commit()
    if error:
        return _page(request, "account.html", principal, status=400, done=False, error=error)
    return _page(request, "account.html", principal, done=True, error="")
