"""The application: the API, the pages, static files, JSON errors, and the intake thread."""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from events import StoreError
from web import api, pages
from web.auth import Tokens
from web.reads import NotFound, Reads
from web.uploads import Uploads

STATIC = Path(__file__).parent / "static"


def create_app(store, docs, tokens: Tokens, uploads: Uploads | None = None) -> FastAPI:
    """`uploads` is started with the app and stopped with it (None: one with default settings)."""
    uploads = uploads or Uploads(store, docs)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        uploads.start()
        try:
            yield
        finally:
            uploads.stop()

    app = FastAPI(title="zhili 治理", version="1", lifespan=lifespan,
                  description="泰安市特种作业人员专项治理: certificates, entities, the review queue, the 汇总表, the event log.",
                  docs_url=None, redoc_url=None)
    app.state.store, app.state.tokens, app.state.uploads = store, tokens, uploads
    app.state.reads = Reads(store, docs)

    @app.exception_handler(api.ApiError)
    async def api_error(request: Request, exc: api.ApiError):
        if exc.status == 401 and not request.url.path.startswith("/api/"):
            return pages.to_login(request)
        return api.error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        if not request.url.path.startswith("/api/"):
            return pages.not_found(request, str(exc))
        return api.error_response(404, "not_found", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()[:5])
        return api.error_response(422, "invalid_request", problems or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return api.error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError):
        return api.error_response(503, "store_unavailable", str(exc))

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
