"""Liveness, readiness and the models in force."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter

from ml import clock
from ml.api import sql
from ml.api.deps import AppState, Clock
from ml.api.errors import ApiError
from ml.api.schemas import (
    ErrorOut,
    EvaluationOut,
    HealthOut,
    LeagueModelOut,
    ModelOut,
    ModelVersionOut,
    ReadyOut,
)
from ml.modeling import registry
from ml.warehouse.connection import Connection

router = APIRouter(tags=["health and model"])


@router.get("/health", response_model=HealthOut, summary="Liveness: the process answers")
def health() -> HealthOut:
    return HealthOut()


@router.get(
    "/ready",
    response_model=ReadyOut,
    summary="Readiness: warehouse reachable, marts built by a passing build, a champion",
    responses={503: {"model": ErrorOut, "description": "Not ready; detail says why"}},
)
def ready(app: AppState) -> ReadyOut:
    settings = app.config.settings
    checks: dict[str, str] = {}
    with app.warehouse.read() as conn:
        checks["warehouse"] = "ok"
        if not conn.table_exists("marts.mart_match_features"):
            raise ApiError(
                503, "not_ready", "the marts are not built: `plpred run` (or ingest, transform)"
            )
        checks["marts"] = "ok"
        build = (
            sql.frame(conn, "health__last_build") if conn.table_exists("ops.step_runs") else None
        )
        if build is not None and not build.empty and build["status"].iloc[0] == "failed":
            raise ApiError(
                503,
                "not_ready",
                f"the last dbt build ({build['step'].iloc[0]}) failed: fix it and run "
                "`plpred transform`",
            )
        checks["last_build"] = "ok" if build is not None and not build.empty else "unknown"
    if app.champions.version(settings.league) is None:
        raise ApiError(
            503,
            "not_ready",
            f"there is no champion model for {settings.league}: `plpred train` makes one",
        )
    checks["champion"] = "ok"
    return ReadyOut(ready=True, target=settings.target, checks=checks)


def _version_out(
    conn: Connection, version: registry.RegisteredVersion | None, by_version: dict[str, Any]
) -> ModelVersionOut | None:
    if version is None:
        return None
    # A refit keeps its configuration and has no walk-forward of its own: follow refit_of.
    origin = version
    seen: set[str] = set()
    while origin.tags.get(registry.TAG_REFIT_OF) and origin.version not in seen:
        seen.add(origin.version)
        origin = by_version.get(origin.tags[registry.TAG_REFIT_OF], origin)
    evaluations = sql.frame(conn, "model__evaluations", run_id=origin.run_id)
    config_text = version.tags.get(registry.TAG_CONFIG)
    try:
        configuration = json.loads(config_text) if config_text else None
    except json.JSONDecodeError:
        configuration = {"text": config_text}
    if configuration is not None and not isinstance(configuration, dict):
        configuration = {"value": configuration}
    return ModelVersionOut(
        name=version.name,
        version=version.version,
        label=version.label,
        run_id=version.run_id,
        trained_as_of=version.trained_as_of,
        training_data_end=version.training_data_end,
        refit_of=version.tags.get(registry.TAG_REFIT_OF),
        configuration=configuration,
        walk_forward=[
            EvaluationOut(**row) for row in sql.records(evaluations, drop=("model_label",))
        ],
    )


@router.get("/model", response_model=ModelOut, summary="The champion and challenger per league")
def model(app: AppState, as_of: Clock) -> ModelOut:
    settings = app.config.settings
    leagues: list[LeagueModelOut] = []
    with app.warehouse.read() as conn:
        from ml.api.predict import known_leagues

        for league in known_leagues(conn):
            champion = app.champions.version(league, registry.CHAMPION)
            challenger = app.champions.version(league, registry.CHALLENGER)
            if champion is None and challenger is None:
                continue
            by_version = {
                v.version: v for v in registry.versions(settings.with_overrides(league=league))
            }
            refit = (
                sql.frame(
                    conn,
                    "model__last_refit",
                    model_name=registry.model_name(league),
                    as_of=clock.utc_naive(as_of),
                )
                if conn.table_exists("marts.mart_champion_history")
                else None
            )
            leagues.append(
                LeagueModelOut(
                    league=league,
                    champion=_version_out(conn, champion, by_version),
                    challenger=_version_out(conn, challenger, by_version),
                    last_refit_at=(
                        None
                        if refit is None or refit.empty
                        else clock.as_utc(sql.plain(refit["decided_at"].iloc[0]))
                    ),
                )
            )
    return ModelOut(as_of=as_of, leagues=leagues)
