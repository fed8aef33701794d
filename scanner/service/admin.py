"""The administrator's page: the unit's users and API tokens (create, deactivate, revoke).

An administrator acts within their own unit only.  A new token's secret is
shown once, on the page that created it; the database keeps its hash.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from scanner.service import audit
from scanner.service.auth import SCOPES, AuthError, hash_password, new_api_token
from scanner.service.core import Principal, service_of, unit_name
from scanner.service.db import ApiToken, User
from scanner.service.web import _form, _page, _user
from scanner.service.workflow import ROLES

router = APIRouter(include_in_schema=False)


def _admin(request: Request) -> Principal:
    principal = _user(request)
    if principal.user is None or principal.user.role != "admin":
        raise HTTPException(403, "只有管理员可以管理用户和接口令牌")
    return principal


def _admin_page(request: Request, principal: Principal, *, status: int = 200, error: str = "",
                secret: str = "") -> HTMLResponse:
    with service_of(request).sessions() as db:
        unit = principal.actor.unit_id
        users = list(db.execute(select(User).where(User.unit_id == unit).order_by(User.username)).scalars())
        tokens = list(db.execute(select(ApiToken).where(ApiToken.unit_id == unit).order_by(ApiToken.id)).scalars())
        return _page(request, "admin.html", principal, status=status, users=users, tokens=tokens, error=error,
                     secret=secret, scopes=SCOPES, unit=unit_name(db, unit), roles=ROLES)


@router.get("/admin")
def admin_page(request: Request) -> HTMLResponse:
    return _admin_page(request, _admin(request))


@router.post("/admin/users")
async def create_user(request: Request) -> Response:
    principal = _admin(request)
    form = await _form(request, principal)
    username, role = form.get("username", "").strip(), form.get("role", "")
    if not username or role not in ROLES:
        return _admin_page(request, principal, status=400, error="请填写用户名并选择角色")
    try:
        hashed = hash_password(form.get("password", ""))
    except AuthError as error:
        return _admin_page(request, principal, status=400, error=str(error))
    with service_of(request).sessions() as db:
        refused = db.execute(select(User.id).where(User.username == username[:100])).first() is not None
        if not refused:
            db.add(User(username=username[:100], display_name=(form.get("display_name") or username)[:100],
                        password_hash=hashed, role=role, unit_id=principal.actor.unit_id,
                        department=form.get("department", "")[:200]))
            try:
                audit.record(db, actor=principal.actor.name, action="user_created", unit_id=principal.actor.unit_id,
                             username=username, role=role)
                db.commit()
            except IntegrityError:  # created by someone else in between
                db.rollback()
                refused = True
    if refused:
        return _admin_page(request, principal, status=409, error=f"用户名“{username}”已存在")
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{user_id}/active")
async def toggle_user(request: Request, user_id: int) -> Response:
    principal = _admin(request)
    form = await _form(request, principal)
    with service_of(request).sessions() as db:
        user = db.get(User, user_id)
        if user is None or user.unit_id != principal.actor.unit_id:
            raise HTTPException(404, "没有这个用户")
        if user.id == principal.user.id:  # type: ignore[union-attr]
            raise HTTPException(409, "不能停用自己的账号")
        user.active = form.get("active") == "1"
        audit.record(db, actor=principal.actor.name, action="user_changed", unit_id=user.unit_id,
                     username=user.username, active=user.active)
        db.commit()
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/tokens")
async def create_token(request: Request) -> Response:
    principal = _admin(request)
    form = await request.form()
    from scanner.service.core import check_csrf

    check_csrf(request, principal, str(form.get("csrf_token", "")))
    name = str(form.get("name", "")).strip()[:100]
    scopes = tuple(str(scope) for scope in form.getlist("scope"))
    if not name:
        return _admin_page(request, principal, status=400, error="请填写令牌名称（发布系统的名字）")
    with service_of(request).sessions() as db:
        try:
            secret = new_api_token(db, name=name, unit_id=principal.actor.unit_id, scopes=scopes)
        except AuthError as error:
            return _admin_page(request, principal, status=400, error=str(error))
        audit.record(db, actor=principal.actor.name, action="token_created", unit_id=principal.actor.unit_id,
                     name=name, scopes=list(scopes))
        db.commit()
    return _admin_page(request, principal, secret=secret)


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int) -> Response:
    principal = _admin(request)
    await _form(request, principal)
    with service_of(request).sessions() as db:
        token = db.get(ApiToken, token_id)
        if token is None or token.unit_id != principal.actor.unit_id:
            raise HTTPException(404, "没有这个令牌")
        token.revoked = True
        audit.record(db, actor=principal.actor.name, action="token_revoked", unit_id=token.unit_id, name=token.name)
        db.commit()
    return RedirectResponse("/admin", status_code=303)
