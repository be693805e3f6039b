"""# plpred_ingest: football-data CSVs into the raw tables, daily

Downloads (or reads, with a local `PLPRED_SOURCE`) every season of the configured league and
`fixtures.csv`, and loads them into `raw.*` exactly like `plpred ingest`. Completed seasons come
from the download cache without asking the server, so a daily run fetches the current season
and the fixtures.

- **Retries**: files that could not be fetched are retried by the task with exponential back-off
  (the fetcher already retried each request); a file refused for its content fails the task at
  once, since fetching it again gives the same file.
- **A failed attempt leaves the warehouse as it was**: each file is one transaction, so a failed
  file leaves no row (only its `raw.load_log` entry); files loaded before it stay, and loading
  them again changes nothing.
- **Leagues**: the `leagues` param (default `PLPRED_LEAGUE`, else `["E0"]`; `["all"]`: every
  league folder of a local source, every football-data league on the web). The `ingest` task
  is mapped over them (dynamic task mapping), one instance per league, so on several workers
  the leagues load side by side (on Postgres; DuckDB takes one at a time).
- **Asset**: when some league's ingest changed the raw tables, `publish_raw` updates
  `plpred_raw_tables` once, carrying the clock and the leagues, which schedules
  `plpred_transform`. A run where every file was unchanged is *skipped* and schedules nothing.
- **Clock**: the run's logical date. With a snapshot archive (`snapshots`), the files are
  those captured at or before it, so `airflow dags backfill` over the snapshot dates replays
  the season through Airflow; the asset event carries the clock to the DAGs downstream.

Settings: `PLPRED_SOURCE`, `PLPRED_TARGET` (or the Airflow connection named by
`PLPRED_WAREHOUSE_CONN_ID`), as for the CLI.
"""

from __future__ import annotations

from datetime import timedelta

from _defaults import (
    DEFAULT_ARGS,
    RAW_TABLES,
    TAGS,
    leagues_param,
    leagues_task,
    per_league,
    publish_task,
    step_task,
)
from airflow.sdk import (
    CronTriggerTimetable,
    ExceptionRetryPolicy,
    Param,
    RetryAction,
    RetryRule,
    dag,
)

# Only downloads are worth retrying; refused content and warehouse errors fail at once.
RETRY_DOWNLOADS_ONLY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception="ml.orchestration.steps.DownloadFailed",
            action=RetryAction.RETRY,
            reason="football-data could not be reached or sent an error: try again later",
        )
    ],
    default=RetryAction.FAIL,
)


@dag(
    dag_id="plpred_ingest",
    # 07:00 UK time: football-data.co.uk updates results and fixtures overnight.
    schedule=CronTriggerTimetable("0 7 * * *", timezone="Europe/London", run_immediately=False),
    # No start_date: the first run waits for the next 07:00 or a trigger (run_immediately).
    catchup=False,
    # Ingestion writes the warehouse: DuckDB allows one writer, so one run and one task at a time.
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=2),
    params={
        "seasons": Param(
            "",
            type="string",
            description="Season codes or ranges (e.g. 2526 or 0001-2526); empty for all.",
        ),
        "snapshots": Param(
            "",
            type="string",
            description="A snapshot archive of the season (e.g. .../snapshots/2025-26): files "
            "as they stood at the run's logical date. Empty: $PLPRED_SNAPSHOTS, else none.",
        ),
        **leagues_param(),
    },
    tags=[*TAGS, "ingest"],
    doc_md=__doc__,
)
def plpred_ingest() -> None:
    leagues = leagues_task(from_source=True)
    ingest = step_task(
        "ingest",
        "Fetch one league's season files and fixtures (as they stood at the run's clock) and "
        "land them in `raw.*`; one task instance per league. Fails (and retries, for "
        "downloads) when any file could not be loaded; skipped when every file was unchanged.",
        retries=4,
        retry_delay=timedelta(minutes=5),
        retry_exponential_backoff=2.0,
        max_retry_delay=timedelta(hours=1),
        retry_policy=RETRY_DOWNLOADS_ONLY,
    )
    loaded = per_league(ingest, leagues)
    publish = publish_task(
        "publish_raw",
        RAW_TABLES,
        "Some league's ingest changed the raw tables: update `plpred_raw_tables` once, with "
        "the run's clock and leagues. Skipped (no event, nothing scheduled) when every "
        "league's ingest was skipped.",
    )()
    loaded >> publish


plpred_ingest()
