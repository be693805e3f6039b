"""Predictions on demand, one or up to 500 at a time (:mod:`ml.api.predict` says how)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ml import clock
from ml.api import predict as service
from ml.api.deps import AppState, Clock, require_write_token
from ml.api.errors import ApiError
from ml.api.schemas import ErrorOut, PredictBatchIn, PredictBatchOut, PredictIn, PredictOut
from ml.modeling.score import prediction_rows

router = APIRouter(tags=["predict"])

Store = Annotated[
    bool,
    Query(
        description="Write the prediction to ml.predictions (needs the write token; only a "
        "match the marts hold, not yet predicted by this version). Off: nothing is written."
    ),
]


def _out(item: service.Resolved, row: Any, champion, as_of: datetime, stored: str | None) -> dict:
    features_as_of = item.features["features_as_of"].iloc[0]
    return {
        "league": item.request.league,
        "home_team": item.request.home_team,
        "away_team": item.request.away_team,
        "kickoff_at": item.kickoff_at,
        "p_home": float(row["p_home"]),
        "p_draw": float(row["p_draw"]),
        "p_away": float(row["p_away"]),
        "model_name": champion.name,
        "model_version": champion.version,
        "model_label": champion.label,
        "features_as_of": None if features_as_of is None else clock_date(features_as_of),
        "features_source": item.source,
        "market_source": item.market_source,
        "match_id": item.match_id,
        "as_of": as_of,
        "stored": stored is not None,
        "prediction_id": stored,
    }


def clock_date(value: Any):
    import pandas as pd

    return None if pd.isna(value) else pd.Timestamp(value).date()


def _store(app: AppState, item: service.Resolved, output, champion, as_of: datetime) -> str:
    from ml.api import sql

    if item.match_id is None:
        raise ApiError(
            422,
            "cannot_store",
            "only a match the marts hold can be stored in ml.predictions (it needs a match_id)",
        )
    if item.market_source == "request":
        raise ApiError(
            422,
            "cannot_store",
            "a prediction on posted odds is not stored: the ledger holds "
            "predictions on the warehouse's own features",
        )
    with app.warehouse.write() as conn:
        exists = sql.frame(
            conn,
            "predict__stored_count",
            model_name=champion.name,
            model_version=champion.version,
            match_id=item.match_id,
        )
        if int(exists["n"].iloc[0]):
            raise ApiError(
                409,
                "already_predicted",
                f"{champion.name} v{champion.version} has already predicted {item.match_id}",
            )
        rows = prediction_rows(
            item.features, output, champion, item.request.league, clock.utc_naive(as_of)
        )
        with conn.transaction():
            conn.insert_df("ml.predictions", rows)
    return str(rows["prediction_id"].iloc[0])


@router.post(
    "/predict",
    response_model=PredictOut,
    summary="The champion's prediction of a match, on the features as of its kickoff",
    responses={
        409: {"model": ErrorOut, "description": "No champion yet, or already stored"},
        422: {"model": ErrorOut, "description": "Unknown team or league, kickoff not valid"},
    },
)
def predict(
    request: Request, app: AppState, as_of: Clock, body: PredictIn, store: Store = False
) -> dict:
    if store:
        require_write_token(request)
    with app.warehouse.read() as conn:
        item = service.resolve(conn, body, as_of)
    champion = service.check_champion(
        app.champions.version(body.league), body.league, [item], as_of
    )
    model = app.champions.model(body.league, champion)
    output = service.predict_frames(model, [item])
    stored = _store(app, item, output, champion, as_of) if store else None
    return _out(item, output.iloc[0], champion, as_of, stored)


@router.post(
    "/predict/batch",
    response_model=PredictBatchOut,
    summary="Up to 500 predictions in one call; each item answers or says why not",
    responses={422: {"model": ErrorOut}},
)
def predict_batch(app: AppState, as_of: Clock, body: PredictBatchIn) -> dict:
    results: list[dict] = []
    with app.warehouse.read() as conn:
        resolved: list[tuple[int, service.Resolved | ApiError]] = []
        for index, item in enumerate(body.matches):
            try:
                resolved.append((index, service.resolve(conn, item, as_of)))
            except ApiError as exc:
                resolved.append((index, exc))
    for index, item in resolved:
        if isinstance(item, service.Resolved):
            try:
                champion = service.check_champion(
                    app.champions.version(item.request.league), item.request.league, [item], as_of
                )
                output = service.predict_frames(
                    app.champions.model(item.request.league, champion), [item]
                )
                results.append(
                    {
                        "index": index,
                        "prediction": _out(item, output.iloc[0], champion, as_of, None),
                        "error": None,
                    }
                )
                continue
            except ApiError as exc:
                item = exc
        results.append(
            {
                "index": index,
                "prediction": None,
                "error": {"error": item.error, "detail": item.detail},
            }
        )
    return {"results": results}
