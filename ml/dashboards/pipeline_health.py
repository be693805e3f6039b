"""Dashboard "Pipeline and data health": is the data fresh, did the builds pass, is the model
still doing what it did when it was chosen?

Loads and their rows, data freshness against the calendar, failed dbt builds, the runs of the
pipeline (Airflow DAG runs included), the monitoring status per metric, drift over time, the
retraining decisions and the alerts (marts.mart_alerts, the same conditions Grafana alerts on).
The monitoring panels read marts.mart_monitoring_latest, mart_model_health_daily and
mart_retraining_decisions (dbt_project/models/marts/monitoring/).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash

from ml.dashboards._grafana import (
    Layout,
    base_dashboard,
    league_variable,
    row,
    table,
    timeseries,
)

UID = "plpred-pipeline-health"
FILE = "pipeline_health.json"
TITLE = "plpred: pipeline and data health"


def build() -> dash.Dashboard:
    layout = Layout()
    return (
        base_dashboard(
            UID,
            TITLE,
            "Loads, freshness, dbt builds, pipeline runs, monitoring, drift, retraining "
            "decisions and alerts.",
            time_from="now-30d",
        )
        .with_variable(league_variable())
        .with_panel(
            table(
                layout,
                "Alerts",
                "The alert conditions Grafana evaluates, as of the pipeline's latest clock "
                "(marts.mart_alerts): firing ones first.",
                """
                select
                    alert,
                    subject,
                    is_firing,
                    value,
                    threshold,
                    detail,
                    as_of
                from marts.mart_alerts
                where league in ('$league', 'all')
                order by is_firing desc, alert, subject
                """,
                height=7,
            )
        )
        .with_row(row(layout, "Data"))
        .with_panel(
            table(
                layout,
                "Data freshness",
                "Last successful load of the league's results and of fixtures.csv (league "
                "'all'), the newest result and next fixture, and whether the gap since the last "
                "successful load is longer than the calendar allows in season.",
                """
                select
                    league,
                    file_kind,
                    last_success_at,
                    last_attempt_status,
                    hours_since_success_at_clock,
                    max_hours_between_loads,
                    is_in_season,
                    is_stale,
                    last_played_kickoff_at,
                    next_fixture_kickoff_at,
                    clock_as_of
                from marts.mart_data_freshness
                where league in ('$league', 'all')
                order by league, file_kind
                """,
                height=6,
            )
        )
        .with_panel(
            timeseries(
                layout,
                "Rows inserted and rejected per load",
                "Row versions inserted and rows quarantined by the loads of each interval "
                "(at the loads' clock).",
                """
                select
                    $__timeGroupAlias(known_at, $__interval),
                    sum(rows_inserted) as "inserted",
                    sum(rows_rejected) as "rejected"
                from marts.mart_loads
                where
                    league in ('$league', 'all')
                    and $__timeFilter(known_at)
                group by 1
                order by 1
                """,
                width=12,
            )
        )
        .with_panel(
            table(
                layout,
                "Loads",
                "Every attempt to load a file: status, rows read, inserted, unchanged, rejected.",
                """
                select
                    known_at,
                    source_file,
                    status,
                    rows_in_file,
                    rows_inserted,
                    rows_unchanged,
                    rows_rejected,
                    message
                from marts.mart_loads
                where
                    league in ('$league', 'all')
                    and $__timeFilter(known_at)
                order by known_at desc, source_file
                """,
                width=12,
            )
        )
        .with_row(row(layout, "Builds and runs"))
        .with_panel(
            table(
                layout,
                "Failed dbt builds",
                "dbt builds (transform, ledger marts) that failed: the failing models and tests "
                "are named in detail.",
                """
                select
                    as_of,
                    finished_at,
                    step,
                    run_kind,
                    detail
                from marts.mart_pipeline_steps
                where
                    league = '$league'
                    and is_dbt_step
                    and status = 'failed'
                    and $__timeFilter(as_of)
                order by seq desc
                """,
                width=12,
            )
        )
        .with_panel(
            table(
                layout,
                "Pipeline runs (Airflow DAG runs are kind dag)",
                "Every run of the catalogue of steps with its latest status.",
                """
                select
                    as_of,
                    kind,
                    status,
                    run_id,
                    detail,
                    started_at,
                    finished_at
                from marts.mart_pipeline_runs
                where
                    league = '$league'
                    and $__timeFilter(as_of)
                order by as_of desc, started_at desc
                """,
                width=12,
            )
        )
        .with_row(row(layout, "Monitoring"))
        .with_panel(
            table(
                layout,
                "Monitoring status per metric",
                "The latest monitoring run: every metric (per feature for drift) with its "
                "value, threshold and status.",
                """
                select
                    metric,
                    feature,
                    status,
                    value,
                    threshold,
                    model_version,
                    as_of
                from marts.mart_monitoring_latest
                where league = '$league'
                order by status, metric, feature
                """,
                width=12,
                height=10,
            )
        )
        .with_panel(
            timeseries(
                layout,
                "Drifted feature share and RPS gap to the market",
                "Share of features whose distribution drifted from the training data, and the "
                "champion's RPS minus the market's pre-match RPS, per day.",
                """
                select
                    day as time,
                    drifted_feature_share as "drifted feature share",
                    rps_gap_vs_market as "RPS gap to the market"
                from marts.mart_model_health_daily
                where
                    league = '$league'
                    and $__timeFilter(day)
                order by day
                """,
                width=12,
                height=10,
            )
        )
        .with_panel(
            table(
                layout,
                "Retraining decisions",
                "What monitoring decided after each run: nothing, a refit or a retrain, and why.",
                """
                select
                    decided_at,
                    as_of,
                    trigger,
                    action,
                    reason,
                    model_version_before,
                    model_version_after
                from marts.mart_retraining_decisions
                where
                    league = '$league'
                    and $__timeFilter(as_of)
                order by as_of desc, decided_at desc
                """,
            )
        )
    )
