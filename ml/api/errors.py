"""Errors as JSON: ``{"error", "detail", "request_id"}`` with the status that says whose fault
it is, and nothing of a stack trace outside the server's log."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ml.api.db import RETRY_AFTER_SECONDS, WarehouseBusy, WarehouseUnavailable

log = logging.getLogger("plpred.api")


class ApiError(Exception):
    """A request the API refuses or cannot answer: ``status``, a short ``error`` code and a
    ``detail`` that says what to do; ``extra`` fields (the known teams, say) ride along."""

    def __init__(
        self,
        status: int,
        error: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "") or ""


def error_response(
    request: Request,
    status: int,
    error: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    rid = request_id(request)
    body = {"error": error, "detail": detail, **extra, "request_id": rid}
    return JSONResponse(body, status_code=status, headers={**(headers or {}), "X-Request-ID": rid})


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the JSON error shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(request, exc.status, exc.error, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": _field(tuple(e.get("loc", ()))), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return error_response(request, 422, "invalid_request", summary, fields=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return error_response(
            request,
            exc.status_code,
            codes.get(exc.status_code, "http_error"),
            str(exc.detail),
            dict(exc.headers or {}),
        )

    @app.exception_handler(WarehouseBusy)
    async def _busy(request: Request, exc: WarehouseBusy) -> JSONResponse:
        return error_response(
            request,
            503,
            "warehouse_busy",
            str(exc),
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(WarehouseUnavailable)
    async def _unavailable(request: Request, exc: WarehouseUnavailable) -> JSONResponse:
        return error_response(request, 503, "warehouse_unavailable", str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request %s failed", request_id(request))
        return error_response(
            request,
            500,
            "internal_error",
            "the server failed on this request; its log has the details under this request id",
        )
