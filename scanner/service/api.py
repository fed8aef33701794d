"""``/api/v1``: the JSON API for the publishing system (CMS).

Authentication: ``Authorization: Bearer <token>`` (a token is scoped to one
unit and to ``scans:write`` / ``scans:read``), or a reviewer's session (then
unsafe requests need the CSRF token in ``X-CSRF-Token``).  An item of
another unit is answered 404, exactly like one that does not exist.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from scanner.report import RENDERERS, ReportOptions
from scanner.service.core import (
    Principal,
    accept_upload,
    accept_url,
    check_csrf,
    download_name,
    identify,
    item_or_404,
    record_download,
    render_html,
    render_json,
    render_sheet_for,
    require_scope,
    service_of,
    wait_for,
)
from scanner.service.store import delete_item, signatures_of, unit_baseline, unit_items
from scanner.service.workflow import STATUS_LABELS, WorkflowError
from scanner.types import ScanResult

router = APIRouter(prefix="/api/v1", tags=["scans"])

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "type": "object", "required": ["url"],
            "properties": {"url": {"type": "string", "format": "uri", "description": "白名单主机上的文件网址"}},
        }}, "multipart/form-data": {"schema": {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary", "description": "待审查的文件"},
                "department": {"type": "string", "description": "处室/部门"},
                "site": {"type": "string", "description": "拟发布网站"},
                "column": {"type": "string", "description": "栏目"},
                "planned_date": {"type": "string", "description": "拟发布日期"},
                "source": {"type": "string", "description": "信息来源"},
                "carrier": {"type": "string", "description": "载体（公文/非公文）"},
                "document_number": {"type": "string", "description": "发文字号"},
            },
        }}},
    }
}


def _principal(request: Request, scope: str) -> Principal:
    with service_of(request).sessions() as db:
        principal = identify(request, db)
    if principal is None:
        raise HTTPException(401, "请先登录或提供接口令牌 / authentication required",
                            headers={"WWW-Authenticate": "Bearer"})
    require_scope(principal, scope)
    return principal


def _status(item: Any) -> dict[str, Any]:
    return {"id": item.id, "status": item.status, "status_label": STATUS_LABELS.get(item.status, item.status),
            "verdict": item.verdict or None, "filename": item.filename, "sha256": item.sha256, "size": item.size,
            "links": {"self": f"/api/v1/scans/{item.id}", "report": f"/api/v1/scans/{item.id}/report.html",
                      "sheet": f"/api/v1/scans/{item.id}/sheet.docx", "page": f"/items/{item.id}"}}


@router.post("/scans", status_code=201, openapi_extra=_UPLOAD_BODY,
             responses={202: {"description": "大文件或扫描未及时完成：已排队，按 links.self 轮询"},
                        413: {"description": "文件超过上限"}})
async def create_scan(request: Request) -> Response:
    """上传一个文件送审（multipart，字段 file），或以 JSON {"url": …} 送审白名单主机上的文件（--allow-host）。

    小文件直接返回扫描结果（result 与命令行 --format json 相同），大文件返回 202 作为任务排队。
    """
    principal = await asyncio.to_thread(_principal, request, "scans:write")
    service = service_of(request)
    source = "api" if principal.kind == "token" else "upload"
    if request.headers.get("content-type", "").startswith("application/json"):
        check_csrf(request, principal)
        item, future, upload = await accept_url(request, principal, source=source)
    else:
        item, future, upload = await accept_upload(request, principal, source=source)
    headers = {"Location": f"/api/v1/scans/{item.id}"}
    if upload.size <= service.config.sync_bytes:
        doc = await wait_for(future, service.config.sync_wait)
        if doc is not None:
            # the result stored, its item now in 初审; rendered from the document in hand, not read back
            item.status, item.verdict = "first", doc.verdict.value
            result = ScanResult(version=service.meta["version"], documents=(doc,),
                                catalogue_hash=service.meta["catalogue"], model_hash=service.meta["model"])
            status = json.dumps(_status(item), ensure_ascii=False)
            body = status[:-1] + ', "result": ' + RENDERERS["json"](result, ReportOptions()) + "}"  # type: ignore[operator]
            return Response(body, status_code=201, headers=headers, media_type="application/json")
    return JSONResponse(_status(item), status_code=202, headers=headers)


@router.get("/scans", summary="本单位的送审事项")
def list_scans(request: Request) -> list[dict[str, Any]]:
    principal = _principal(request, "scans:read")
    with service_of(request).sessions() as db:
        return [_status(item) for item in unit_items(db, principal.actor.unit_id)]


@router.get("/baseline", summary="本单位基线：经审批认定为误报的发现（供 scan --baseline 使用，仅含指纹）")
def get_baseline(request: Request) -> Response:
    principal = _principal(request, "scans:read")
    with service_of(request).sessions() as db:
        baseline = unit_baseline(db, principal.actor.unit_id)
    return Response(json.dumps(baseline, indent=2) + "\n", media_type="application/json",
                    headers={"Content-Disposition": _attachment("secscan-baseline.json")})


@router.get("/scans/{item_id}", summary="扫描结果（与命令行 --format json 相同）",
            responses={202: {"description": "仍在扫描"}, 404: {"description": "没有这个事项（或不属于本单位）"}})
def get_scan(item_id: str, request: Request) -> Response:
    principal = _principal(request, "scans:read")
    with service_of(request).sessions() as db:
        item = item_or_404(db, item_id, principal)
        if item.result is None:
            return JSONResponse(_status(item), status_code=202)
        return Response(render_json(item), media_type="application/json")


@router.get("/scans/{item_id}/status", summary="审查流程状态与签署记录")
def get_status(item_id: str, request: Request) -> dict[str, Any]:
    principal = _principal(request, "scans:read")
    with service_of(request).sessions() as db:
        item = item_or_404(db, item_id, principal)
        signatures = [{"step": s.step, "name": s.name, "role": s.role, "outcome": s.outcome, "opinion": s.opinion,
                       "signed_at": s.signed_at.isoformat()} for s in signatures_of(db, item.id)]
        return {**_status(item), "signatures": signatures}


@router.get("/scans/{item_id}/report.html", summary="HTML 审查报告（下载）")
def get_report(item_id: str, request: Request) -> Response:
    principal = _principal(request, "scans:read")
    with service_of(request).sessions() as db:
        item = item_or_404(db, item_id, principal)
        if item.result is None:
            raise HTTPException(409, "仍在扫描 / still scanning")
        body = render_html(item)
        record_download(db, item, principal, "report.html")
    return Response(body, media_type="text/html; charset=utf-8", headers={
        "Content-Disposition": _attachment(download_name(item, ".report.html")),
        "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"})


@router.get("/scans/{item_id}/sheet.docx", summary="上网信息保密审查审批单（已填写签批）")
def get_sheet(item_id: str, request: Request) -> Response:
    principal = _principal(request, "scans:read")
    with service_of(request).sessions() as db:
        item = item_or_404(db, item_id, principal)
        if item.result is None:
            raise HTTPException(409, "仍在扫描 / still scanning")
        body = render_sheet_for(db, item)
        record_download(db, item, principal, "sheet.docx")
    return Response(body, headers={"Content-Disposition": _attachment(download_name(item, ".审批单.docx"))},
                    media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@router.delete("/scans/{item_id}", status_code=204, summary="删除事项及其存储的文件")
def remove_scan(item_id: str, request: Request) -> Response:
    principal = _principal(request, "scans:write")
    check_csrf(request, principal)
    with service_of(request).sessions() as db:
        item = item_or_404(db, item_id, principal)
        try:
            delete_item(db, item, principal.actor)
        except WorkflowError as error:
            raise HTTPException(409, str(error)) from None
        db.commit()
    return Response(status_code=204)


def _attachment(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
