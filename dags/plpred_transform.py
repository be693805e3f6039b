"""# plpred_transform: the dbt project, one `dbt build` per layer

Runs when the raw tables change (the `plpred_raw_tables` asset from `plpred_ingest`). The dbt
project in `dbt_project/` is built as `plpred transform` builds it, with `dbt build`, in three
tasks, one per layer of the project: `dbt_staging` (the seeds and the staging views over the
raw tables and ledgers), `dbt_intermediate`, then `dbt_marts`. Each task runs its layer's
models with their unit and data tests in one dbt invocation, so the run pays dbt's start-up
three times instead of once per model. A test that reads two layers runs with the later one.

Every model and test of a layer, with its status and time, is listed in the task's log and in
its XCom (`nodes`); the dbt docs site (`plpred docs`) shows what each model means. A failing
model or test fails its layer's task and names the node: the layers after it do not run and
nothing is published, so the marts keep their previous build and nothing scores on half-built
data. (Within the failing layer, dbt skips only what is downstream of the failure.)

When every layer passed, `publish_marts` records the catalogue's `transform` step and updates
the `plpred_marts` asset (with the clock and the leagues of the raw tables' event), which
schedules `plpred_train`. dbt builds every league at once: nothing here is per league.

The warehouse is the CLI's (`PLPRED_TARGET`, `PLPRED_DUCKDB_PATH`, `PG*` read by
`dbt_project/profiles.yml`), or the Postgres Airflow connection named by
`PLPRED_WAREHOUSE_CONN_ID`.
"""

from __future__ import annotations

from datetime import timedelta

from _defaults import DEFAULT_ARGS, MARTS, RAW_TABLES, START_DATE, TAGS, leagues_param
from airflow.sdk import dag, task

# What each layer task builds, for its doc in the UI (the selections: ml.orchestration.tasks.DBT_LAYERS).
LAYERS = {
    "staging": "the seeds (`dbt_project/seeds/`) and the staging views (`models/staging/`): one "
    "per raw table or ledger, renamed, typed and deduplicated, with their tests",
    "intermediate": "the intermediate models (`models/intermediate/`): matches and fixtures "
    "unioned, odds pivoted and de-vigged, the point-in-time form features, with their tests",
    "marts": "the marts (`models/marts/`): matches, features, predictions, betting, monitoring "
    "and the dashboards' marts, with their unit tests and data tests, and the tests that span "
    "layers",
}


def _layer_task(layer: str):
    @task(
        task_id=f"dbt_{layer}",
        multiple_outputs=False,
        execution_timeout=timedelta(minutes=20),
        doc_md=f"`dbt build` of {LAYERS[layer]}. The log lists every node with its status and "
        "time; a failing model or test fails this task and names it.",
    )
    def build(**context) -> dict:
        from ml.orchestration import tasks as orchestration

        return orchestration.build_dbt_layer(layer, context)

    return build()


@dag(
    dag_id="plpred_transform",
    schedule=[RAW_TABLES],
    start_date=START_DATE,
    catchup=False,
    # dbt writes the warehouse: DuckDB allows one writer, so one run and one task at a time.
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=2),
    params=leagues_param(),
    tags=[*TAGS, "dbt"],
    doc_md=__doc__,
)
def plpred_transform() -> None:
    @task(multiple_outputs=False, outlets=[MARTS], execution_timeout=timedelta(minutes=1))
    def publish_marts(**context) -> dict:
        """Every layer built and passed its tests: record the catalogue's `transform` step as
        done and tell `plpred_train` the marts are new, at the clock of the raw tables."""
        from ml.orchestration import tasks as orchestration

        outcome = orchestration.record_transform(context)
        leagues = orchestration.leagues_of(context)
        orchestration.carry_clock(context, MARTS, outcome, leagues)
        return {**outcome, "leagues": leagues}

    layers = [_layer_task(layer) for layer in LAYERS]
    for before, after in zip(layers, layers[1:], strict=False):
        before >> after
    layers[-1] >> publish_marts()


plpred_transform()
