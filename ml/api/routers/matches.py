"""Fixtures after the clock and the champion's stored predictions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from ml import clock
from ml.api import sql
from ml.api.deps import AppState, Clock
from ml.api.errors import ApiError
from ml.api.predict import check_league
from ml.api.schemas import (
    MAX_PAGE,
    ErrorOut,
    MatchOut,
    Page,
    PredictionOut,
    UpcomingPredictionsOut,
)

router = APIRouter(tags=["matches"])

League = Annotated[str, Query(min_length=1, max_length=10, description="football-data league code")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Page size, 1 to {MAX_PAGE}")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip")]
Text = Annotated[str | None, Query(min_length=1, max_length=100)]


def page(rows, items, limit: int, offset: int) -> dict:
    total = sql.total(rows)
    return {
        "items": items,
        "limit": limit,
        "offset": offset,
        "total": total,
        "next_offset": offset + limit if offset + limit < total else None,
    }


@router.get(
    "/matches/upcoming",
    response_model=Page[MatchOut],
    summary="Fixtures after the clock, with the market's de-vigged probabilities",
    responses={422: {"model": ErrorOut}},
)
def upcoming_matches(
    app: AppState, as_of: Clock, league: League = "E0", limit: Limit = 100, offset: Offset = 0
) -> dict:
    with app.warehouse.read() as conn:
        check_league(conn, league)
        rows = sql.frame(
            conn,
            "matches__upcoming",
            league=league,
            as_of=clock.utc_naive(as_of),
            row_limit=limit,
            row_offset=offset,
        )
    return page(rows, sql.records(rows), limit, offset)


@router.get(
    "/predictions/upcoming",
    response_model=UpcomingPredictionsOut,
    summary="The champion's predictions in force for the fixtures, beside the market, with the edge",
    responses={422: {"model": ErrorOut}},
)
def upcoming_predictions(app: AppState, as_of: Clock, league: League = "E0") -> dict:
    with app.warehouse.read() as conn:
        check_league(conn, league)
        rows = sql.frame(conn, "predictions__upcoming", league=league, as_of=clock.utc_naive(as_of))
    return {"league": league, "as_of": as_of, "items": sql.records(rows)}


@router.get(
    "/predictions",
    response_model=Page[PredictionOut],
    summary="Stored predictions (every version), each with its result once played",
    responses={422: {"model": ErrorOut}},
)
def predictions(
    app: AppState,
    league: Text = None,
    season: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", examples=["2024-25"])] = None,
    team: Text = None,
    date_from: Annotated[
        date | None, Query(alias="from", description="First kickoff date (UK)")
    ] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last kickoff date (UK)")] = None,
    model_version: Annotated[str | None, Query(pattern=r"^\d{1,9}$")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict:
    if date_from and date_to and date_from > date_to:
        raise ApiError(422, "invalid_request", "from is after to")
    with app.warehouse.read() as conn:
        rows = sql.frame(
            conn,
            "predictions__list",
            league=league,
            season=season,
            team=team,
            date_from=date_from,
            date_to=date_to,
            model_version=model_version,
            row_limit=limit,
            row_offset=offset,
        )
    return page(rows, sql.records(rows), limit, offset)


@router.get(
    "/predictions/{prediction_id}",
    response_model=PredictionOut,
    summary="One stored prediction",
    responses={404: {"model": ErrorOut}},
)
def prediction(
    app: AppState, prediction_id: Annotated[str, Path(min_length=1, max_length=200)]
) -> dict:
    with app.warehouse.read() as conn:
        rows = sql.frame(conn, "predictions__list", prediction_id=prediction_id, row_limit=1)
    if rows.empty:
        raise ApiError(404, "not_found", f"no prediction {prediction_id!r} in ml.predictions")
    return sql.records(rows)[0]
