"""Shared defaults of the plpred DAGs: the assets that chain them, the pool, default arguments,
and :func:`step_task`, the one way a DAG runs a step of the catalogue (``ml/orchestration/steps.py``).

Not a DAG file (the leading underscore says so); the DAG files import it. It must stay cheap to
import: the DAG processor re-parses every DAG file every few seconds.

The chain runs on assets, and the DAGs are consecutive slices of the catalogue, in its order:
``plpred_ingest`` (daily: ingest) updates ``RAW_TABLES``, which schedules ``plpred_transform``
(transform, one dbt build per layer); its ``MARTS`` schedules ``plpred_train`` (train, refit, backtest, each
when due), whose ``MODEL_REGISTRY`` schedules ``plpred_score_and_bet`` (score, settle, bet,
marts, report), which updates ``LEDGER_MARTS``. Each asset event carries the clock (``as_of``)
of the run that emitted it, so the DAGs downstream run at the same moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, task

from ml.orchestration.tasks import LEAGUES_PARAM, WAREHOUSE_POOL, default_leagues

# The URIs are names of things, not locations: the warehouse itself is whatever the settings
# (or the Airflow connection) say, DuckDB or Postgres.
RAW_TABLES = Asset(name="plpred_raw_tables", uri="plpred://warehouse/raw")
MARTS = Asset(name="plpred_marts", uri="plpred://warehouse/marts")
MODEL_REGISTRY = Asset(name="plpred_model_registry", uri="plpred://mlflow/registry")
LEDGER_MARTS = Asset(name="plpred_ledger_marts", uri="plpred://warehouse/ledger_marts")
# Emitted by plpred_score_and_bet when the monitor step decides a full retrain (ml/retraining.toml):
# it schedules plpred_train as MARTS does, at the monitor's clock.
RETRAIN_REQUESTED = Asset(name="plpred_retrain_requested", uri="plpred://policy/retrain")

# DuckDB allows one writer process at a time, and every plpred task writes the warehouse (or
# reads it while another task might write). One pool slot (WAREHOUSE_POOL, defined once in
# ml/orchestration/tasks.py), shared by all DAGs, serialises them across DAGs as
# max_active_runs/max_active_tasks do within one.

TAGS = ["plpred"]

# The asset-scheduled DAGs never catch up, so their start date only bounds the logical dates a
# run may have: a backfill or dag.test() at a clock before it would create runs without tasks.
# The project's history starts with the 2000-01 season, and any clock since must be allowed.
START_DATE = pendulum.datetime(2000, 7, 1, tz="Europe/London")

DEFAULT_ARGS = {
    "owner": "plpred",
    "pool": WAREHOUSE_POOL,
    "retries": 1,
    "retry_delay": timedelta(minutes=2),
    "execution_timeout": timedelta(minutes=30),
}


def leagues_param() -> dict[str, Param]:
    """The ``leagues`` param of every DAG: the league codes its per-league tasks map over
    (``["all"]``: every league with data), by default ``PLPRED_LEAGUE`` (else ``["E0"]``). The
    DAGs an asset event triggers take the leagues it carries instead."""
    return {
        LEAGUES_PARAM: Param(
            default_leagues(),
            type="array",
            items={"type": "string"},
            minItems=1,
            description='football-data league codes (E0, E1, SP1, ...), or ["all"]: every '
            "league with data. Each per-league task runs once per league (dynamic task mapping).",
        )
    }


def leagues_task(*, from_source: bool = False):
    """The task whose list the per-league tasks map over (:func:`per_league`): the leagues
    carried by the triggering asset events, else the ``leagues`` param, ``all`` resolved against
    the source (``from_source``, for ingest) or the warehouse (``ml.orchestration.tasks.leagues_of``)."""

    @task(
        task_id="leagues",
        multiple_outputs=False,
        execution_timeout=timedelta(minutes=5),
        doc_md="The leagues this run's per-league tasks map over.",
    )
    def leagues(**context) -> list[str]:
        from ml.orchestration import tasks as orchestration

        return orchestration.leagues_of(context, from_source=from_source)

    return leagues()


def per_league(step, leagues):
    """``step`` (a :func:`step_task`) mapped over ``leagues`` (the output of
    :func:`leagues_task`): one task instance per league, each told every league of the run."""
    return step.partial(leagues=leagues).expand(league=leagues)


def publish_task(
    task_id: str, outlet: Asset, doc: str, *, trigger_rule: str = "none_failed_min_one_success"
):
    """A task that updates ``outlet`` once for the whole run, after its (mapped) steps, with
    the run's clock and leagues on the event: one event per run, so the DAG it schedules runs
    once, on every league's data, not once per league as each mapped task finishes."""

    @task(
        task_id=task_id,
        multiple_outputs=False,
        outlets=[outlet],
        trigger_rule=trigger_rule,
        execution_timeout=timedelta(minutes=1),
        doc_md=doc,
    )
    def publish(**context) -> dict:
        from ml.orchestration import tasks as orchestration

        # Pulled, not passed as an argument: an argument would make the `leagues` task an
        # upstream, and its success alone would satisfy "min one success" when every
        # league's step was skipped.
        leagues = context["ti"].xcom_pull(task_ids="leagues") or []
        outcome = {"as_of": orchestration.clock_of(context).isoformat(), "leagues": list(leagues)}
        orchestration.carry_clock(context, outlet, outcome, leagues)
        return outcome

    return publish


def step_task(
    name: str,
    doc: str,
    *,
    outlets: Sequence[Asset] = (),
    trigger_rule: str = "all_success",
    execution_timeout: timedelta = timedelta(minutes=30),
    **task_args,
):
    """A task that runs the catalogue step ``name`` at the run's clock (``ml.orchestration.tasks``).

    It fails when the step fails, is skipped when the step had nothing to do, and puts its
    clock and the run's leagues on the asset events it emits. Called, it runs a step that runs
    once for every league; a per-league step is mapped over the run's leagues
    (:func:`per_league`)."""

    @task(
        task_id=name,
        multiple_outputs=False,
        outlets=list(outlets),
        trigger_rule=trigger_rule,
        execution_timeout=execution_timeout,
        doc_md=doc,
        **task_args,
    )
    def run(league: str | None = None, leagues: list[str] | None = None, **context) -> dict:
        from ml.orchestration import tasks as orchestration

        params = context.get("params") or {}
        outcome = orchestration.run_step(
            name,
            context,
            force=bool(params.get(f"force_{name}")),
            league=league,
            leagues=leagues or (),
        )
        for outlet in outlets:
            orchestration.carry_clock(
                context, outlet, outcome, leagues or orchestration.leagues_of(context)
            )
        return outcome

    return run
