"""The JSON API under /api: the contract's paths, query parameters that mirror the CLI.

Lists page by keyset: `after` is the last key of the previous page (a certificate's
normalised number, an entity id, a review item's `doc_id/record/field`, an event
position) and `limit` its size; a list answers `{"items": [...], "next": KEY|null}`.
Every error is `{"error": CODE, "message": TEXT}`.
"""
from __future__ import annotations

import io
import json
from typing import Any

from fastapi import APIRouter, Body, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from web import reads as r
from web.auth import User
from web.uploads import COUNTY_NAMES, UploadRefused


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


ERRORS = {
    401: {"description": "no or unknown token"}, 403: {"description": "the role has not this right"},
    404: {"description": "unknown id"}, 422: {"description": "a parameter or body that is not valid"},
}
ERROR_SCHEMA = {"content": {"application/json": {"schema": {
    "type": "object", "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}}}}
RESPONSES = {k: {**d, **ERROR_SCHEMA} for k, d in ERRORS.items()}


def current_user(request: Request) -> User:
    """The user of the bearer token (or, for pages, the login cookie)."""
    header = request.headers.get("authorization", "")
    token = None
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiError(401, "unauthorized", "Authorization 须为 Bearer TOKEN")
        token = value.strip()
    else:
        token = request.cookies.get("zhili_token")
    user = request.app.state.tokens.user(token)
    if user is None:
        raise ApiError(401, "unauthorized", "缺少或无效的令牌 (no or unknown token)")
    return user


def needs(right: str):
    def dependency(request: Request) -> User:
        user = current_user(request)
        if not user.may(right):
            raise ApiError(403, "forbidden", f"角色 {user.role} 无权限 {right} (role {user.role} may not {right})")
        return user

    return Depends(dependency)


def reads(request: Request) -> r.Reads:
    return request.app.state.reads


# -- parameters -------------------------------------------------------------------------------

def clocks(as_of: str | None = Query(None, description="Judge flags on this day (YYYY-MM-DD or ISO instant); default today, Asia/Shanghai"),
           known_at: str | None = Query(None, description="Only what the log had recorded by this instant")):
    try:
        return r.parse_day(as_of), r.parse_instant(known_at)
    except r.BadClock as exc:
        raise ApiError(422, "bad_clock", str(exc)) from None


def _choice(name: str, value: str | None, valid) -> str | None:
    if value is not None and value not in valid:
        raise ApiError(422, f"unknown_{name}", f"unknown {name} {value!r}; valid: {', '.join(valid)}")
    return value


def _page(items: list[dict], key, after: str | None, limit: int) -> dict:
    if after is not None:
        items = [i for i in items if key(i) > after]
    page = items[:limit]
    return {"items": page, "next": key(page[-1]) if len(items) > limit and page else None}


def _shown(user: User, record: dict) -> dict:
    return r.mask(record) if user.masked else record


LIMIT = Query(100, ge=1, le=1000, description="Page size")
AFTER = Query(None, max_length=200, description="The `next` of the previous page")
COUNTY = Query(None, max_length=40, description="County or zone (e.g. 泰山区)")


def _county(value: str | None) -> str | None:
    return _choice("county", value, COUNTY_NAMES + (r.views.UNKNOWN_COUNTY,))


router = APIRouter(prefix="/api", responses=RESPONSES)


@router.get("/certificates", summary="Certificates (export records), filtered, paged")
def list_certificates(clock=Depends(clocks), county: str | None = COUNTY,
                      flag: str | None = Query(None, max_length=40), status: str | None = Query(None, max_length=40),
                      q: str | None = Query(None, max_length=100, description="Name, ID number, certificate number, employer or page text"),
                      after: str | None = AFTER, limit: int = LIMIT, user: User = needs("projections"),
                      reads: r.Reads = Depends(reads)):
    day, known_at = clock
    found = reads.find_certificates(day, known_at, _county(county), _choice("flag", flag, r.FLAG_CODES),
                                    _choice("status", status, r.STATUSES), q, after, limit)
    return {"items": [_shown(user, c) for c in found["items"]], "next": found["next"]}


@router.get("/certificates/{cert_no}", summary="One certificate (export record)")
def get_certificate(cert_no: str, clock=Depends(clocks), user: User = needs("projections"),
                    reads: r.Reads = Depends(reads)):
    day, known_at = clock
    return _shown(user, reads.certificate(cert_no, day, known_at))


@router.get("/entities", summary="Entities (export records), filtered, paged")
def list_entities(clock=Depends(clocks), county: str | None = COUNTY, status: str | None = Query(None, max_length=40),
                  detail: bool = False, after: str | None = AFTER, limit: int = LIMIT,
                  user: User = needs("projections"), reads: r.Reads = Depends(reads)):
    day, known_at = clock
    county, status = _county(county), _choice("status", status, r.ENTITY_STATUSES)
    items = [e for e in reads.entities(day, known_at, detail=detail)
             if (county is None or e["county"] == county) and (status is None or e["status"] == status)]
    page = _page(items, lambda e: e["entity_id"], after, limit)
    return {"items": [_shown(user, e) for e in page["items"]], "next": page["next"]}


@router.get("/entities/{entity_id}", summary="One entity with its problems and workers without a certificate")
def get_entity(entity_id: str, clock=Depends(clocks), user: User = needs("projections"),
               reads: r.Reads = Depends(reads)):
    day, known_at = clock
    return _shown(user, reads.entity(entity_id, day, known_at))


def review_key(item: dict) -> str:
    return f"{item['doc_id']}/{item['record']}/{item['field']}"


@router.get("/review", summary="Fields waiting for a clerk")
def list_review(county: str | None = COUNTY, known_at: str | None = None, after: str | None = AFTER,
                limit: int = LIMIT, user: User = needs("review"), reads: r.Reads = Depends(reads)):
    try:
        instant = r.parse_instant(known_at)
    except r.BadClock as exc:
        raise ApiError(422, "bad_clock", str(exc)) from None
    county = _county(county)
    items = [i for i in reads.review(instant) if county is None or i["county"] == county]
    return _page(items, review_key, after, limit)


@router.get("/summary", summary="The 汇总表: one row per county and a 合计 row (JSON, CSV or XLSX)",
            responses={200: {"content": {"application/json": {}, "text/csv": {},
                                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def get_summary(clock=Depends(clocks), format: str = Query("json", pattern="^(json|csv|xlsx)$"),
                user: User = needs("projections"), reads: r.Reads = Depends(reads)):
    day, known_at = clock
    rows = reads.summary(day, known_at)
    if format == "csv":
        return Response(r.out.summary_csv(rows), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f"attachment; filename=\"summary-{day.isoformat()}.csv\""})
    if format == "xlsx":
        buffer = io.BytesIO()
        r.out.summary_xlsx(rows, day, buffer)
        return Response(buffer.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename=\"summary-{day.isoformat()}.xlsx\""})
    return rows


@router.get("/deadlines", summary="Campaign deadlines per county")
def get_deadlines(clock=Depends(clocks), year: int = Query(2024, ge=2000, le=2100),
                  user: User = needs("projections"), reads: r.Reads = Depends(reads)):
    day, known_at = clock
    return reads.deadlines(day, known_at, year)


@router.get("/events", summary="Events in log order (the shape of `zhili events`)")
def list_events(after: int = Query(0, ge=0, le=2**62), limit: int = LIMIT,
                stream: str | None = Query(None, max_length=200), type: list[str] | None = Query(None),
                known_at: str | None = None, user: User = needs("events"), reads: r.Reads = Depends(reads)):
    try:
        instant = r.parse_instant(known_at)
    except r.BadClock as exc:
        raise ApiError(422, "bad_clock", str(exc)) from None
    for t in type or ():
        _choice("type", t, r.EVENT_TYPES)
    items = reads.events(after, limit + 1, stream, type, instant)
    page = items[:limit]
    return {"items": page, "next": page[-1]["position"] if len(items) > limit else None}


@router.get("/documents/{doc_id}", summary="One document: its state and its events")
def get_document(doc_id: str, user: User = needs("review"), reads: r.Reads = Depends(reads)):
    return reads.document(doc_id)


@router.get("/documents/{doc_id}/original", summary="The original bytes a clerk dropped",
            responses={200: {"content": {"application/octet-stream": {}}}})
def get_original(doc_id: str, user: User = needs("review"), reads: r.Reads = Depends(reads)):
    data, media_type, filename = reads.original(doc_id)
    from urllib.parse import quote

    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(filename)}"})


@router.get("/explain/{key}", summary="The events and source pages behind a record's fields and flags")
def get_explain(key: str, clock=Depends(clocks), user: User = needs("review"), reads: r.Reads = Depends(reads)):
    day, known_at = clock
    return reads.explain(key, day, known_at)


@router.post("/documents", status_code=202, summary="Upload a file into a county's intake",
             responses={413: {"description": "too large", **ERROR_SCHEMA}, 415: {"description": "unsupported type", **ERROR_SCHEMA}})
async def post_document(request: Request, file: UploadFile = File(...), county: str = Form(..., max_length=40),
                        user: User = needs("upload")):
    uploads = request.app.state.uploads
    if file.size is not None and file.size > uploads.max_bytes:
        raise ApiError(413, "too_large", f"文件过大：上限 {uploads.max_bytes} 字节")
    data = await file.read(uploads.max_bytes + 1)
    from starlette.concurrency import run_in_threadpool

    try:
        taken = await run_in_threadpool(uploads.take, data, file.filename or "upload", county)
    except UploadRefused as exc:
        raise ApiError(exc.status, exc.code, str(exc)) from None
    body = {"doc_id": taken.doc_id, "state": taken.state, "county": taken.county, "filename": taken.filename}
    return JSONResponse(body, status_code=202 if taken.state in ("new", "resume") else 200)


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_id: str = Field(..., min_length=1, max_length=64, description="The document (a unique prefix is enough)")
    field: str = Field(..., min_length=1, max_length=60, description="`name`, `card2.name` or `problems.2`")
    value: Any = Field(..., description="The value as a clerk types it (a JSON object for a problem row)")
    reason: str | None = Field(None, max_length=500)


def value_text(value: Any) -> str:
    """The value as `zhili review correct` takes it on its command line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return ",".join(map(str, value)) if isinstance(value, list) else json.dumps(value, ensure_ascii=False)
    return str(value)


@router.post("/corrections", status_code=201, summary="Correct (or confirm) a field: appends FieldCorrected")
def post_correction(body: CorrectionIn = Body(...), user: User = needs("correct"), reads: r.Reads = Depends(reads)):
    try:
        return reads.correct(body.doc_id, body.field, value_text(body.value), body.reason, user.name)
    except r.ProjectionError as exc:
        raise ApiError(422, "invalid_correction", str(exc)) from None
