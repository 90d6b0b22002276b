"""The server-rendered pages, in Chinese: 总览, 待复核, 证书核查, 单位, 审计, 上传.

A page needs the login cookie (the same tokens as the API, typed once into /login); the
writes are plain HTML forms that go through the same functions as the API, then redirect
back (a reload never posts twice).
"""
from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ingest.reasons import reason as reason_for
from web import reads as r
from web.api import ApiError, current_user
from web.auth import ROLE_NAMES_ZH
from web.uploads import COUNTY_NAMES, UploadRefused

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)

STATUS_ZH = {"valid": "有效", "invalid": "无效", "attention": "需关注", "needs_review": "待复核"}
ENTITY_STATUS_ZH = {"self_check_missing": "未交自查报告", "needs_review": "待复核", "unsigned": "未签字",
                    "open_problems": "问题未整改完", "ok": "正常"}
KIND_ZH = {"training_institution": "培训机构", "exam_site": "考试点", "enterprise": "生产经营单位"}
FIELD_ZH = {"cert_no": "证号", "name": "姓名", "sex": "性别", "id_number": "身份证号", "category": "作业类别",
            "item": "准操项目", "first_issued": "初领日期", "valid_from": "有效期起", "valid_until": "有效期止",
            "review_due": "应复审日期", "reviews": "复审记录", "issuer": "发证机关", "unit_name": "单位名称",
            "unit_kind": "单位类型", "county": "县市区", "report_date": "报告日期", "signed": "负责人签字",
            "sealed": "单位盖章", "credit_code": "统一社会信用代码", "employer": "单位"}
FLAG_ZH = {"expired": "过期", "not_yet_valid": "未生效", "review_overdue": "逾期未复审", "id_checksum_invalid": "身份证号无效",
           "cert_no_mismatch": "证号与身份证号不符", "unknown_item": "作业类别或项目不在目录内",
           "conflicting_holder": "同一证号持证人不一致", "underage_at_issue": "初领时未满18岁",
           "date_inconsistent": "日期不一致", "other_certificate_kind": "非特种作业操作证", "sex_mismatch": "性别与身份证号不符",
           "out_of_province": "外省证件", "out_of_city": "外地证件", "name_mismatch": "人证不一致"}
STATE_ZH = {"received": "读取中", "processed": "已处理", "rejected": "已退回"}


def explain_flag(flag: str, c: dict) -> str:
    """One flag in words, with the values it rests on."""
    g = lambda k: c.get(k) or "（空）"  # noqa: E731
    return {
        "expired": f"有效期至 {g('valid_until')}，已过期",
        "not_yet_valid": f"有效期自 {g('valid_from')} 起，尚未生效",
        "review_overdue": f"应于 {g('review_due')} 复审，未见按期复审记录",
        "id_checksum_invalid": f"身份证号 {g('id_number')} 校验位或出生日期不正确",
        "cert_no_mismatch": f"证号 {g('cert_no')} 与身份证号 {g('id_number')} 不一致",
        "unknown_item": f"作业类别“{g('category')}”/准操项目“{g('item')}”不在特种作业目录内",
        "conflicting_holder": "同一证号另有扫描件，姓名或身份证号不同",
        "underage_at_issue": f"初领日期 {g('first_issued')} 时持证人未满 18 周岁",
        "date_inconsistent": f"有效期 {g('valid_from')} 至 {g('valid_until')} 不是 6 年，或日期先后不对",
        "other_certificate_kind": "不是应急管理部门的特种作业操作证（如住建或特种设备证件）",
        "sex_mismatch": f"性别“{g('sex')}”与身份证号所示性别不符",
        "out_of_province": f"发证机关为{g('issuer')}，属外省证件",
        "out_of_city": f"发证机关为{g('issuer')}，属省内外地证件",
        "name_mismatch": "花名册或检查记录中该身份证号对应的姓名不同（人证不一致）",
    }.get(flag, flag)


def page_user(request: Request, right: str = "projections"):
    user = current_user(request)
    if not user.may(right):
        raise ApiError(403, "forbidden", f"角色 {ROLE_NAMES_ZH.get(user.role, user.role)} 无此权限")
    return user


def render(request: Request, name: str, user, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {
        "user": user, "role_zh": ROLE_NAMES_ZH.get(user.role, user.role) if user else "", "STATUS_ZH": STATUS_ZH,
        "ENTITY_STATUS_ZH": ENTITY_STATUS_ZH, "FIELD_ZH": FIELD_ZH, "FLAG_ZH": FLAG_ZH, "KIND_ZH": KIND_ZH,
        "STATE_ZH": STATE_ZH, "COUNTIES": COUNTY_NAMES, "FLAGS": r.FLAG_CODES, "STATUSES": r.STATUSES,
        "explain_flag": explain_flag, "quote": quote, **context})


def to_login(request: Request) -> Response:
    return RedirectResponse("/login?next=" + quote(str(request.url.path)), status_code=303)


def not_found(request: Request, message: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>未找到</title><p>未找到：{_esc(message)}</p>"
                        f"<p><a href='/'>返回总览</a></p>", status_code=404)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _day(request: Request, as_of: str | None):
    try:
        return r.parse_day(as_of)
    except r.BadClock as exc:
        raise ApiError(422, "bad_clock", str(exc)) from None


# -- login ---------------------------------------------------------------------------------

@router.get("/login")
def login_form(request: Request, next: str = "/", error: str | None = None):
    return render(request, "login.html", None, next=next if next.startswith("/") else "/", error=error)


@router.post("/login")
def login(request: Request, token: str = Form(...), next: str = Form("/")):
    user = request.app.state.tokens.user(token.strip())
    if user is None:
        return render(request, "login.html", None, next=next, error="令牌无效，请重新输入")
    response = RedirectResponse(next if next.startswith("/") and not next.startswith("//") else "/", status_code=303)
    response.set_cookie("zhili_token", token.strip(), httponly=True, samesite="strict")
    return response


@router.get("/logout")
def logout():
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie("zhili_token")
    return response


# -- 总览 -------------------------------------------------------------------------------------

@router.get("/")
def overview(request: Request, as_of: str | None = None):
    user = page_user(request)
    day = _day(request, as_of)
    reads: r.Reads = request.app.state.reads
    rows = reads.summary(day)
    counties = [row for row in rows if row["county"] != r.views.TOTAL]
    top = max([row["certificates_invalid"] + row["out_of_province"] + row["out_of_city"] for row in counties] + [1])
    uploads = request.app.state.uploads
    intake = None
    if user.may("review"):
        docs = reads.documents()
        today = day.isoformat()
        from domain.dates import local_day
        from datetime import datetime

        rejected = [dict(d, reason_zh=reason_for(d["reason_code"] or "processing_failed").zh) for d in docs
                    if d["state"] == "rejected"
                    and local_day(datetime.fromisoformat(d["recorded_at"])).isoformat() == today]
        refused = [f for f in reads.refused_files()
                   if local_day(datetime.fromisoformat(f["recorded_at"])).isoformat() == today]
        intake = {"waiting": sum(1 for d in docs if d["state"] == "received") - len(uploads.reading),
                  "reading": len(uploads.reading), "rejected": rejected, "refused": refused}
    return render(request, "overview.html", user, rows=rows, counties=counties, top=top, day=day, intake=intake,
                  summary_columns=r.views.SUMMARY_COLUMNS, short=r.views.SHORT_LABELS)


# -- 待复核 -------------------------------------------------------------------------------------

@router.get("/review")
def review_page(request: Request, county: str | None = None, doc: str | None = None, saved: str | None = None,
                error: str | None = None):
    user = page_user(request, "review")
    reads: r.Reads = request.app.state.reads
    items = [i for i in reads.review() if not county or i["county"] == county]
    docs = []
    for i in items:
        if i["doc_id"] not in docs:
            docs.append(i["doc_id"])
    current = doc if doc in docs else (docs[0] if docs else None)
    context = {"items": items, "docs": docs, "current": current, "county": county, "saved": saved, "error": error}
    if current:
        context.update(_document_view(reads, current, [i for i in items if i["doc_id"] == current]))
    return render(request, "review.html", user, **context)


def _document_view(reads: r.Reads, doc_id: str, pending: list[dict]) -> dict:
    """The document's pages with every field box, the pending ones marked."""
    row = reads.document_row(doc_id)
    pages = reads.pages(doc_id)
    boxes = reads.field_boxes(doc_id)
    wanted = {(i["record"], i["field"]) for i in pending}
    for i in pending:
        if i["box"] and not any((b["record"], b["field"]) == (i["record"], i["field"]) for b in boxes):
            boxes.append({"record": i["record"], "field": i["field"], "value": i["value"], "page": i["page"],
                          "box": i["box"], "confidence": i["confidence"]})
    for b in boxes:
        b["pending"] = (b["record"], b["field"]) in wanted
    numbers = sorted(pages) or [1]
    return {"document": row, "pages": [{"number": n, **pages.get(n, {}),
                                         "boxes": [b for b in boxes if (b["page"] or 1) == n]} for n in numbers],
            "pending": pending}


@router.post("/review/correct")
def review_correct(request: Request, doc_id: str = Form(...), field: str = Form(...), value: str = Form(""),
                   reason: str = Form(""), back: str = Form("/review")):
    user = page_user(request, "correct")
    reads: r.Reads = request.app.state.reads
    target = back if back.startswith("/") and not back.startswith("//") else "/review"
    joiner = "&" if "?" in target else "?"
    try:
        done = reads.correct(doc_id, field, value, reason or None, user.name)
    except r.ProjectionError as exc:
        return RedirectResponse(f"{target}{joiner}error={quote(str(exc))}", status_code=303)
    return RedirectResponse(f"{target}{joiner}saved={quote(done['field'])}", status_code=303)


@router.get("/documents/{doc_id}/pages/{number}.png")
def page_image(request: Request, doc_id: str, number: int):
    page_user(request, "review")
    data, media_type, filename = request.app.state.reads.original(doc_id)
    return Response(render_page(data, filename, number), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})


def render_page(data: bytes, filename: str, number: int, long_side: int = 1600) -> bytes:
    """Page `number` of the original as PNG, as it lies in the file (EXIF turned, as the reader does)."""
    from PIL import Image, ImageOps, ImageSequence

    if data[:5] == b"%PDF-":
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(data)
        try:
            if not 1 <= number <= len(document):
                raise r.NotFound(f"no page {number}")
            page = document[number - 1]
            width, height = page.get_size()
            image = page.render(scale=min(200 / 72, long_side / max(width, height, 1))).to_pil().convert("RGB")
        finally:
            document.close()
    else:
        source = Image.open(io.BytesIO(data))
        frames = list(ImageSequence.Iterator(source))
        if not 1 <= number <= len(frames):
            raise r.NotFound(f"no page {number}")
        image = ImageOps.exif_transpose(frames[number - 1]).convert("RGB")
        image.thumbnail((long_side, long_side))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


# -- 证书核查 -----------------------------------------------------------------------------------

@router.get("/certificates")
def certificates_page(request: Request, q: str | None = None, county: str | None = None, flag: str | None = None,
                      status: str | None = None, as_of: str | None = None, after: str | None = None):
    user = page_user(request)
    day = _day(request, as_of)
    county = county if county in COUNTY_NAMES else None
    flag = flag if flag in r.FLAG_CODES else None
    status = status if status in r.STATUSES else None
    found = request.app.state.reads.find_certificates(day, None, county, flag, status, (q or "").strip() or None,
                                                      after, 50)
    items = [r.mask(c) if user.masked else c for c in found["items"]]
    return render(request, "certificates.html", user, items=items, next=found["next"], q=q or "", county=county,
                  flag=flag, status=status, day=day, as_of=as_of or "")


@router.get("/certificates/{cert_no}")
def certificate_page(request: Request, cert_no: str, as_of: str | None = None):
    user = page_user(request)
    reads: r.Reads = request.app.state.reads
    day = _day(request, as_of)
    cert = reads.certificate(cert_no, day)
    context = {"cert": r.mask(cert) if user.masked else cert, "day": day}
    if user.may("review"):
        explained = reads.explain(cert_no, day)
        context["explained"] = explained
        context["scans"] = [dict(s, **_document_view(reads, s["doc_id"], [])) for s in explained["scans"]]
        context["corrections"] = sorted({e["position"]: dict(e, field=name) for name, f in explained["fields"].items()
                                         for e in f["events"] if e["type"] == "FieldCorrected"}.values(),
                                        key=lambda e: e["position"])
    return render(request, "certificate.html", user, **context)


# -- 单位 -----------------------------------------------------------------------------------------

@router.get("/entities")
def entities_page(request: Request, county: str | None = None, status: str | None = None, q: str | None = None):
    user = page_user(request)
    day = _day(request, None)
    items = [e for e in request.app.state.reads.entities(day)
             if (not county or e["county"] == county) and (not status or e["status"] == status)
             and (not q or q.strip() in e["name"])]
    return render(request, "entities.html", user, items=items[:500], total=len(items), county=county, status=status,
                  q=q or "")


@router.get("/entities/{entity_id}")
def entity_page(request: Request, entity_id: str, as_of: str | None = None):
    user = page_user(request)
    reads: r.Reads = request.app.state.reads
    day = _day(request, as_of)
    entity = reads.entity(entity_id, day)
    holders = set()
    for row in reads._facts_at(None)[0].roster_rows:  # the certificates of the entity's workers
        if row["employer"] and r.rules.entity_id("enterprise", row["employer"], entity["county"]) == entity_id:
            holders.add(row["id_number"])
    certs = [c for c in reads.certificates(day) if c["id_number"] and c["id_number"] in holders]
    if user.masked:
        entity, certs = r.mask(entity), [r.mask(c) for c in certs]
    return render(request, "entity.html", user, entity=entity, certs=certs, day=day)


# -- 审计 -----------------------------------------------------------------------------------------

@router.get("/audit")
def audit_page(request: Request, key: str | None = None, verify: bool = False):
    user = page_user(request, "events")
    reads: r.Reads = request.app.state.reads
    timeline, error = [], None
    key = (key or "").strip()
    if key:
        if len(key) == 64 or key.startswith("doc-"):
            doc_id = key.removeprefix("doc-")
            timeline = [e for e in reads.events(limit=10_000, stream_id=f"doc-{doc_id}")]
        else:
            try:
                explained = reads.explain(key, _day(request, None))
                streams = {f"doc-{s['doc_id']}" for s in explained.get("scans", ())}
                for rep in explained.get("self_check_reports", ()) + explained.get("rosters", ()):
                    streams.add(f"doc-{rep['doc_id']}")
                timeline = sorted((e for s in streams for e in reads.events(limit=10_000, stream_id=s)),
                                  key=lambda e: e["position"])
            except r.NotFound as exc:
                error = str(exc)
    check = reads.verify() if verify else None
    return render(request, "audit.html", user, key=key, timeline=timeline, error=error, check=check)


# -- 上传 -----------------------------------------------------------------------------------------

@router.get("/upload")
def upload_form(request: Request, taken: str | None = None, error: str | None = None, county: str | None = None):
    user = page_user(request, "upload")
    return render(request, "upload.html", user, taken=taken, error=error, county=county)


@router.post("/upload")
async def upload(request: Request, files: list[UploadFile] = File(...), county: str = Form(...)):
    page_user(request, "upload")
    uploads = request.app.state.uploads
    from starlette.concurrency import run_in_threadpool

    taken, errors = [], []
    for f in files:
        data = await f.read(uploads.max_bytes + 1)
        try:
            t = await run_in_threadpool(uploads.take, data, f.filename or "upload", county)
            taken.append(f"{t.filename}:{t.doc_id}:{t.state}")
        except UploadRefused as exc:
            errors.append(f"{f.filename}：{exc}")
    return RedirectResponse(f"/upload?county={quote(county)}&taken={quote('|'.join(taken))}"
                            f"&error={quote('；'.join(errors))}", status_code=303)
