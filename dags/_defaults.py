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
from airflow.sdk import Asset, task

from ml.orchestration.tasks import WAREHOUSE_POOL

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
    clock on the asset events it emits."""

    @task(
        task_id=name,
        multiple_outputs=False,
        outlets=list(outlets),
        trigger_rule=trigger_rule,
        execution_timeout=execution_timeout,
        doc_md=doc,
        **task_args,
    )
    def run(**context) -> dict:
        from ml.orchestration import tasks as orchestration

        params = context.get("params") or {}
        outcome = orchestration.run_step(name, context, force=bool(params.get(f"force_{name}")))
        for outlet in outlets:
            orchestration.carry_clock(context, outlet, outcome)
        return outcome

    return run
