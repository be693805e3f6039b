"""The retraining policy, its decisions, and the actions that run the monitor or a training
step of the catalogue: through Airflow when it is configured (a DAG run, :mod:`ml.api.airflow`),
else as a local background job (:mod:`ml.api.jobs`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import Field

from ml import clock
from ml.api import sql
from ml.api.airflow import DAGS, Airflow
from ml.api.deps import AppState, Clock, WriteToken
from ml.api.errors import ApiError, request_id
from ml.api.jobs import ACTIONS, Job
from ml.api.predict import check_league
from ml.api.routers.matches import League, Limit, Offset, page
from ml.api.schemas import (
    AirflowRunOut,
    DecisionOut,
    ErrorOut,
    JobOut,
    Page,
    RetrainingStatusOut,
)
from ml.monitoring.policy import load_policy

router = APIRouter(tags=["retraining"])

# plpred_ingest's schedule (dags/plpred_ingest.py): the daily chain whose score-and-bet DAG
# runs the monitor step, which makes the next retraining decision.
DAILY_RUN_UK = time(7, 0)


def next_check(as_of: datetime) -> datetime:
    """The first daily run (07:00 UK) after the clock, aware UTC."""
    local = clock.as_utc(as_of).astimezone(clock.UK)
    day = local.date()
    for offset in range(3):
        start = datetime.combine(day + timedelta(days=offset), DAILY_RUN_UK, tzinfo=clock.UK)
        if start > local:
            return clock.as_utc(start)
    raise AssertionError("a 07:00 follows within two days")  # pragma: no cover


def _decisions(app: AppState, league: str, as_of: datetime, limit: int, offset: int):
    with app.warehouse.read() as conn:
        check_league(conn, league)
        if not conn.table_exists("marts.mart_retraining_decisions"):
            return None
        return sql.frame(
            conn,
            "retraining__decisions",
            league=league,
            as_of=clock.utc_naive(as_of),
            row_limit=limit,
            row_offset=offset,
        )


@router.get(
    "/retraining/status",
    response_model=RetrainingStatusOut,
    summary="The retraining policy, the last decision and the next scheduled check",
)
def status(app: AppState, as_of: Clock, league: League = "E0") -> dict:
    rows = _decisions(app, league, as_of, 1, 0)
    last = None if rows is None or rows.empty else sql.records(rows)[0]
    return {
        "league": league,
        "as_of": as_of,
        "policy": asdict(load_policy()),
        "last_decision": last,
        "next_check_at": next_check(as_of),
    }


@router.get(
    "/retraining/history",
    response_model=Page[DecisionOut],
    summary="The retraining decisions at or before the clock, newest first",
)
def history(
    app: AppState, as_of: Clock, league: League = "E0", limit: Limit = 100, offset: Offset = 0
) -> dict:
    rows = _decisions(app, league, as_of, limit, offset)
    if rows is None:
        return page([], [], limit, offset) | {"total": 0, "next_offset": None}
    return page(rows, sql.records(rows), limit, offset)


def _job_out(job: Job) -> dict:
    return {
        "runner": "local",
        "id": job.id,
        "kind": job.kind,
        "step": job.step,
        "state": job.state,
        "as_of": job.as_of,
        "command": [job.command[0].rsplit("/", 1)[-1], *job.command[1:]],
        "exit_code": job.exit_code,
        "output": job.output,
    }


# A local job (no Airflow configured) or the Airflow DAG run the action triggered.
ActionOut = Annotated[JobOut | AirflowRunOut, Field(discriminator="runner")]

_ACTION_RESPONSES = {
    202: {
        "description": "The job started (runner local; GET /v1/jobs/{id} follows it), or the "
        "Airflow DAG run was created, queued (runner airflow; follow it at its url)"
    },
    401: {"model": ErrorOut, "description": "No token, or the wrong one"},
    403: {"model": ErrorOut, "description": "Writes are disabled (no token configured)"},
    409: {"model": ErrorOut, "description": "Airflow has a run of the DAG at this clock already"},
    502: {
        "model": ErrorOut,
        "description": "Airflow refused: its credentials, an unknown DAG, a run it would not "
        "create",
    },
    503: {"model": ErrorOut, "description": "Airflow did not answer"},
}


def _act(
    request: Request, app: AppState, kind: str, as_of: datetime, league: str, quick: bool = False
) -> dict:
    with app.warehouse.read() as conn:
        check_league(conn, league)
    airflow: Airflow | None = app.airflow  # type: ignore[assignment]
    if airflow is None:
        return _job_out(app.jobs.start(kind, as_of, league, ["--quick"] if quick else []))
    conf = {"force_train": True, "quick": quick} if kind == "force" else {}
    run = airflow.trigger(
        DAGS[kind],
        as_of,
        conf,
        note=f"plpred API: POST /v1/retraining/{kind} (request {request_id(request)})",
    )
    return {
        "runner": "airflow",
        "kind": kind,
        "step": ACTIONS[kind],
        "as_of": as_of,
        "dag_id": run.dag_id,
        "dag_run_id": run.dag_run_id,
        "logical_date": run.logical_date,
        "state": run.state,
        "conf": run.conf,
        "url": run.url,
        "api_url": run.api_url,
    }


@router.post(
    "/retraining/check",
    response_model=ActionOut,
    status_code=202,
    dependencies=[WriteToken],
    responses=_ACTION_RESPONSES,
    summary="Run the monitor step now (drift, performance, the retraining decision)",
    description="With Airflow configured (PLPRED_AIRFLOW_URL), a run of plpred_score_and_bet "
    "(score, settle, monitor, request_retrain, bet, marts, report) at the clock; otherwise "
    "`plpred monitor` at the clock as a local background job.",
)
def check(request: Request, app: AppState, as_of: Clock, league: League = "E0") -> dict:
    return _act(request, app, "check", as_of, league)


@router.post(
    "/retraining/force",
    response_model=ActionOut,
    status_code=202,
    dependencies=[WriteToken],
    responses=_ACTION_RESPONSES,
    summary="Run the train step now: a full walk-forward and the champion/challenger rule",
    description="With Airflow configured (PLPRED_AIRFLOW_URL), a run of plpred_train at the "
    "clock with conf {force_train: true, quick}; otherwise `plpred train` at the clock as a "
    "local background job.",
)
def force(
    request: Request,
    app: AppState,
    as_of: Clock,
    league: League = "E0",
    quick: Annotated[
        bool, Query(description="Small grids (smoke runs), as plpred train --quick")
    ] = False,
) -> dict:
    return _act(request, app, "force", as_of, league, quick)


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    summary="A background job's state and the last lines it printed",
    responses={404: {"model": ErrorOut}},
)
def job(app: AppState, job_id: Annotated[str, Path(min_length=1, max_length=40)]) -> dict:
    found = app.jobs.get(job_id)
    if found is None:
        raise ApiError(404, "not_found", f"no job {job_id!r} (jobs are forgotten on a restart)")
    return _job_out(found)
