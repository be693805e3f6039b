"""What the routes share: the app's state, the request's clock and the write token check."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from ml import clock
from ml.api.config import TOKEN_ENV, ApiConfig
from ml.api.db import Warehouse
from ml.api.errors import ApiError


@dataclass
class State:
    config: ApiConfig
    warehouse: Warehouse
    champions: object  # ml.api.champions.Champions
    jobs: object  # ml.api.jobs.Jobs
    airflow: object = None  # ml.api.airflow.Airflow, when configured


def state(request: Request) -> State:
    return request.app.state.plpred


def request_clock(
    request: Request,
    as_of: Annotated[
        str | None,
        Query(
            description="The clock: answer as that moment saw it, e.g. '2026-02-27 10:00' (UK "
            "time), '2026-02-27T10:00Z' or '2026-02-27T1856'. Default: now.",
            max_length=40,
        ),
    ] = None,
) -> datetime:
    """The request's clock (aware UTC): ``as_of``, else the entry point's now."""
    if as_of is None:
        return clock.as_utc(state(request).config.now())
    try:
        return clock.parse_as_of(as_of)
    except clock.ClockError as exc:
        raise ApiError(422, "invalid_request", f"as_of: {exc}".replace("--as-of", "as_of")) from exc


Clock = Annotated[datetime, Depends(request_clock)]
AppState = Annotated[State, Depends(state)]


def require_write_token(request: Request) -> None:
    """The write endpoints: disabled (403) without a configured token, 401 without the right
    one in ``Authorization: Bearer``; compared in constant time and never logged."""
    expected = state(request).config.write_token
    if not expected:
        raise ApiError(
            403,
            "writes_disabled",
            f"the write endpoints are disabled: start the API with {TOKEN_ENV} set to a token",
        )
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise ApiError(
            401,
            "unauthorized",
            "this endpoint needs the write token: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise ApiError(
            401, "unauthorized", "the write token is wrong", headers={"WWW-Authenticate": "Bearer"}
        )


WriteToken = Depends(require_write_token)
