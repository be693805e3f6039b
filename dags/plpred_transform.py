"""# plpred_transform: the dbt project, one task per model and one per model's tests

Runs when the raw tables change (the `plpred_raw_tables` asset from `plpred_ingest`). The dbt
project in `dbt_project/` is rendered by astronomer-cosmos (`ExecutionMode.LOCAL`, dbt in the
task's own process): each model is a task group with a `run` task and a `test` task, in the
project's dependency order, so a failing test stops every model downstream of it and shows
which one in the grid. Seeds are tasks too. dbt's unit tests get no cosmos task, so
`dbt_unit_tests` runs them once the models exist.

When everything passed, `publish_marts` updates the `plpred_marts` asset, which schedules
`plpred_score_and_bet`. A failed model or test fails the run and publishes nothing: the marts
downstream of the failure keep their previous build and nothing scores on half-built data.

The warehouse is the CLI's (`PLPRED_TARGET`, `PLPRED_DUCKDB_PATH`, `PG*` read by
`dbt_project/profiles.yml`), or the Postgres Airflow connection named by
`PLPRED_WAREHOUSE_CONN_ID` (cosmos turns it into a dbt profile at run time).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from _dbt import dbt_task_group
from _defaults import DEFAULT_ARGS, MARTS, RAW_TABLES, TAGS, WAREHOUSE_POOL
from airflow.sdk import dag, task


@dag(
    dag_id="plpred_transform",
    schedule=[RAW_TABLES],
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    # dbt writes the warehouse: DuckDB allows one writer, so one run and one task at a time.
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=2),
    tags=[*TAGS, "dbt"],
    doc_md=__doc__,
)
def plpred_transform() -> None:
    dbt = dbt_task_group(
        group_id="dbt",
        operator_args={"pool": WAREHOUSE_POOL, "execution_timeout": timedelta(minutes=20)},
    )

    @task(multiple_outputs=False, execution_timeout=timedelta(minutes=15))
    def dbt_unit_tests() -> dict:
        """dbt's unit tests (`unit_tests:` in the model YAML), which cosmos renders no task for."""
        from ml import orchestration

        return orchestration.dbt_unit_tests()

    @task(multiple_outputs=False, outlets=[MARTS], execution_timeout=timedelta(minutes=1))
    def publish_marts() -> None:
        """Every model and test passed: tell `plpred_score_and_bet` the marts are new."""

    dbt >> dbt_unit_tests() >> publish_marts()


plpred_transform()
