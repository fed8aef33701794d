"""The FastAPI application: routers, security headers, error pages, start-up and shut-down."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from scanner import __version__
from scanner.service.auth import LoginLimiter
from scanner.service.config import ServiceConfig
from scanner.service.core import Service, identify, service_of
from scanner.service.db import make_engine, session_factory
from scanner.service.migrate import upgrade

log = logging.getLogger("secscan.service")

_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
}
_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class SecurityHeaders:
    """Pure ASGI middleware (Starlette's ``BaseHTTPMiddleware`` costs a task and a stream per request)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._common = [(k.lower().encode(), v.encode()) for k, v in _COMMON_HEADERS.items()]
        self._page = [(k.lower().encode(), v.encode()) for k, v in _PAGE_HEADERS.items()]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                is_html = any(name.lower() == b"content-type" and value.startswith(b"text/html")
                              for name, value in headers)
                headers += [(k, v) for k, v in self._common + (self._page if is_html else []) if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def build_service(config: ServiceConfig) -> Service:
    """Prepare the data directory, migrate the database and start the scan workers."""
    from scanner.batch import SettingsSpec
    from scanner.pipeline import build_settings
    from scanner.service.runner import ScanRunner

    config.prepare()
    engine = make_engine(config.url())
    upgrade(engine)
    settings = build_settings(ocr=False)  # the parent only writes results for files no worker could scan
    spec = SettingsSpec(ocr=config.ocr)
    runner = ScanRunner(spec, settings, jobs=config.jobs, timeout=config.timeout, max_memory_mb=config.max_memory_mb)
    runner.start()
    meta = {"version": __version__, "catalogue": settings.catalogue.digest,
            "model": settings.model.digest if settings.model else ""}
    return Service(config=config, sessions=session_factory(engine), runner=runner, meta=meta,
                   key=config.secret_key(),
                   limiter=LoginLimiter(failures=config.login_failures, window=config.login_window_seconds))


def create_app(config: ServiceConfig) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = build_service(config)
        app.state.service = service
        from scanner.service.core import requeue

        if waiting := requeue(service):
            log.info("%d items left queued by the last run are scanned again", waiting)
        stop = threading.Event()
        scheduler = None
        if config.reinspect_every_seconds > 0:
            from scanner.service.reinspect import schedule

            scheduler = threading.Thread(target=schedule, args=(service, stop), name="secscan-reinspect", daemon=True)
            scheduler.start()
        try:
            yield
        finally:
            stop.set()
            service.runner.stop()
            if scheduler is not None:
                scheduler.join(5)

    app = FastAPI(title="secscan 上网信息保密审查服务", version=__version__, lifespan=lifespan,
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,
                  description="发布系统送审接口与审查流程（初审 → 复审 → 审批）。")
    from scanner.service import admin, api, web

    app.include_router(api.router)
    app.include_router(web.router)
    app.include_router(admin.router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).resolve().parent / "static")), name="static")

    @app.get("/api/v1/health", tags=["service"], summary="服务状态")
    def health(request: Request) -> dict[str, Any]:
        runner = service_of(request).runner
        return {"ok": True, "version": __version__, "scans_completed": runner.completed,
                "scans_isolated": runner.failures}

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        with service_of(request).sessions() as db:
            principal = identify(request, db)
        return web.templates.TemplateResponse(request, "apidocs.html", {
            "request": request, "spec": app.openapi(), "me": principal.user if principal else None,
            "csrf": principal.csrf if principal else ""})

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(web.LoginRequired)
    async def to_login(request: Request, _error: Exception) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)
        return web.templates.TemplateResponse(request, "error.html", {
            "request": request, "me": None, "csrf": "", "status": error.status_code, "message": error.detail},
            status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: Exception) -> Response:
        return JSONResponse({"detail": "请求参数有误 / invalid request"}, status_code=400)

    return app
