"""Shared defaults of the plpred DAGs: the assets that chain them, the pool, default arguments.

Not a DAG file (the leading underscore says so); the DAG files import it. It must stay cheap to
import: the DAG processor re-parses every DAG file every few seconds.

The chain runs on assets, not clocks: ``plpred_ingest`` (daily) updates ``RAW_TABLES``, which
schedules ``plpred_transform``; its ``MARTS`` (or a new model version in ``MODEL_REGISTRY``, from
``plpred_train``) schedules ``plpred_score_and_bet``, which updates ``LEDGER_MARTS``.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset

# The URIs are names of things, not locations: the warehouse itself is whatever the settings
# (or the Airflow connection) say, DuckDB or Postgres.
RAW_TABLES = Asset(name="plpred_raw_tables", uri="plpred://warehouse/raw")
MARTS = Asset(name="plpred_marts", uri="plpred://warehouse/marts")
MODEL_REGISTRY = Asset(name="plpred_model_registry", uri="plpred://mlflow/registry")
LEDGER_MARTS = Asset(name="plpred_ledger_marts", uri="plpred://warehouse/ledger_marts")

# DuckDB allows one writer process at a time, and every plpred task writes the warehouse (or
# reads it while another task might write). One pool slot, shared by all DAGs, serialises them
# across DAGs as max_active_runs/max_active_tasks do within one. `plpred airflow` creates the pool
# with 1 slot; on Postgres it may have more (docs/airflow.md).
WAREHOUSE_POOL = "plpred_warehouse"

TAGS = ["plpred"]

DEFAULT_ARGS = {
    "owner": "plpred",
    "pool": WAREHOUSE_POOL,
    "retries": 1,
    "retry_delay": timedelta(minutes=2),
    "execution_timeout": timedelta(minutes=30),
}
