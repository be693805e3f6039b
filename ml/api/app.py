"""The app factory: :func:`create_app` wires the routers under ``/v1``, the JSON errors, the
request id and the structured access log; :func:`serve` runs it with uvicorn (``plpred api``).
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response

from ml.api import errors
from ml.api.airflow import Airflow
from ml.api.champions import Champions
from ml.api.config import ApiConfig
from ml.api.db import Warehouse
from ml.api.deps import State
from ml.api.jobs import Jobs
from ml.api.routers import betting, health, matches, predict, retraining
from ml.config import PROJECT_ROOT

API_VERSION = "1"
OPENAPI_PATH = PROJECT_ROOT / "docs" / "api" / "openapi.json"

access_log = logging.getLogger("plpred.api.access")

DESCRIPTION = """\
Predictions of football matches over HTTP, read from the plpred warehouse (the dbt marts and
`ml.predictions`) and the MLflow registry's champion.

Every read takes `as_of` (default: now): it answers as that moment saw it. Errors are JSON
`{"error", "detail", "request_id"}`. The write actions (`store=true`, the retraining
actions) need `Authorization: Bearer <PLPRED_API_TOKEN>`; without a token configured they
are disabled. On-demand predictions are not written to `ml.predictions` unless
`store=true` is passed with the token.
"""


def _log_line(record: dict[str, Any]) -> None:
    access_log.info(json.dumps(record, default=str, separators=(",", ":")))


def create_app(config: ApiConfig) -> FastAPI:
    """The API on the warehouse and registry of ``config.settings``."""
    warehouse = Warehouse(config.settings)
    airflow = Airflow(config.airflow) if config.airflow else None

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        warehouse.close()
        if airflow is not None:
            airflow.close()

    app = FastAPI(
        title="plpred API",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below from the packaged Swagger UI, not a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.plpred = State(
        config=config,
        warehouse=warehouse,
        champions=Champions(config.settings, ttl=config.champion_ttl_seconds),
        jobs=Jobs(config.settings),
        airflow=airflow,
    )
    errors.install(app)
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @app.middleware("http")
    async def request_id_and_access_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("x-request-id", "")
        rid = given if 0 < len(given) <= 64 and given.isascii() else uuid.uuid4().hex
        request.state.request_id = rid
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = rid
            return response
        finally:
            _log_line(
                {
                    "request_id": rid,
                    "method": request.method,
                    "path": request.url.path,
                    "query": request.url.query or None,
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "client": request.client.host if request.client else None,
                }
            )

    _docs(app)
    for router in (
        health.router,
        matches.router,
        predict.router,
        betting.router,
        retraining.router,
    ):
        app.include_router(router, prefix="/v1")
    return app


def _docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the swagger-ui-bundle-v2 package's files: it works offline and
    loads nothing from a CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="plpred API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


def openapi_text(app: FastAPI) -> str:
    """The OpenAPI document as committed: sorted keys, two-space indent, final newline."""
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def write_openapi(app: FastAPI, path: Path = OPENAPI_PATH) -> bool:
    """Write the schema; True when the file changed."""
    text = openapi_text(app)
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True


def configure_logging() -> None:
    """Access lines as JSON on stderr, one per request (the token is never in them: it
    travels in a header, and headers are not logged)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("plpred.api.access", "plpred.api"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False


def serve(config: ApiConfig, *, host: str, port: int, workers: int = 1) -> None:
    """Run the API with uvicorn until interrupted."""
    import uvicorn

    configure_logging()
    app = create_app(config)
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
