"""Every Grafana query runs as the read-only role on a Postgres warehouse that lived through a
replay, and the role can do nothing else.

One warehouse for the module: a synthetic league (three seasons) and two snapshots of its last
season a week apart go through ``ml.replay.replay`` with the cheap training configuration
(the first tick trains, backtests, scores and bets; the second settles, scores again and
builds and tests every mart). The read-only role is created *before* the replay, on an empty
database, so every mart the dashboards read was created after the grants: that is the
default-privileges path dbt's rebuilds take every day.

Then each panel's, variable's, annotation's and alert rule's SQL is expanded as Grafana would
(``ml.dashboards.macros``, the whole replay as time range, each variable's values from its own
query run as the role) and run as the role: it must succeed, return the columns its select list
names, and, for the panels a replay fills, rows. The role's writes, DDL and reads outside the
marts fail with a permission error. The role's name carries a random suffix (roles are
server-wide; other databases on the server may have a real ``plpred_grafana``) and is dropped at
teardown, after the database.
"""

from __future__ import annotations

import dataclasses
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from ml.config import Settings, get_settings
from ml.dashboards.inspect import GrafanaQuery, all_queries, dashboard_files, select_columns
from ml.dashboards.macros import expand
from ml.dashboards.role import create_grafana_role
from ml.modeling.config import TrainConfig
from ml.orchestration.replay import replay
from ml.orchestration.steps import RunOptions
from tests.conftest import postgres_admin
from tests.football_data_files import write_synthetic_snapshots, write_synthetic_source

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

OPTIONS = RunOptions(
    train_config=TrainConfig(
        classifiers=("logistic",), goals_model=False, quick=True, n_eval_seasons=1
    ),
    max_model_age_days=None,
    dbt_tests=False,
    build_ledger_marts=False,
)
# Mondays 09:00 UTC before the synthetic season's rounds 21 and 22 (tests/test_readme_queries.py)
TICKS = ["2023-12-25T0900", "2024-01-01T0900"]
# The whole history as Grafana's time range, so that every time-filtered panel sees the replay.
TIME_FROM = datetime(2021, 7, 1)
TIME_TO = datetime(2024, 1, 31)
PASSWORD = "grafana-test-password"

# Panels a two-tick replay must fill (the others may rightly be empty: no failed dbt build, no
# live bet settled in the time range of an alert, ...).
MUST_HAVE_ROWS = {
    ("model_vs_market.json", "Rolling RPS per matchweek (last four matchweeks)"),
    ("model_vs_market.json", "Model version in force"),
    ("model_vs_market.json", "Live record per matchweek and model version"),
    ("model_vs_market.json", "Per-season RPS, log loss and ECE (latest training run)"),
    ("model_vs_market.json", "Reliability diagram"),
    ("model_vs_market.json", "Champion decisions"),
    ("this_week.json", "Upcoming matches: the champion against the market"),
    ("this_week.json", "Live bets"),
    ("this_week.json", "Last round: results and what the champion said"),
    ("betting.json", "Bankroll per strategy, live and latest backtest"),
    ("betting.json", "Yield, hit rate and maximum drawdown"),
    ("betting.json", "Average closing line value"),
    ("betting.json", "Closing line value per bet"),
    ("betting.json", "Bets by odds band"),
    ("pipeline_health.json", "Alerts"),
    ("pipeline_health.json", "Data freshness"),
    ("pipeline_health.json", "Rows inserted and rejected per load"),
    ("pipeline_health.json", "Loads"),
    ("pipeline_health.json", "Pipeline runs (Airflow DAG runs are kind dag)"),
    # Filtered on the monitor's clock, not on when the machine decided (a replay decides
    # today about matches of 2023).
    ("pipeline_health.json", "Retraining decisions"),
    ("league.json", "The table as of ${matchday}"),
    ("league.json", "Form rating over time"),
    ("league.json", "Home advantage per season"),
}


@dataclass(frozen=True)
class Warehouse:
    settings: Settings
    role: str

    def connect_as_role(self):
        import psycopg2

        pg = self.settings.postgres
        dsn = dataclasses.replace(pg, user=self.role, password=PASSWORD).dsn()
        conn = psycopg2.connect(dsn, connect_timeout=5)
        conn.autocommit = True
        return conn


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    admin = postgres_admin()
    root = tmp_path_factory.mktemp("grafana_pg")
    source = write_synthetic_source(root / "football-data", n_seasons=3, upcoming_rounds=0)
    archive = write_synthetic_snapshots(source, TICKS)
    home = root / "home"
    home.mkdir()
    suffix = uuid.uuid4().hex[:10]
    dbname, role = f"plpred_test_{suffix}", f"plpred_grafana_{suffix}"
    try:
        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setenv("PLPRED_HOME", str(home))
            monkeypatch.setenv("PGDATABASE", dbname)
            monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
            settings = get_settings(target="postgres", source=str(source.directory))
            settings = dataclasses.replace(
                settings, postgres=dataclasses.replace(settings.postgres, dbname=dbname)
            )
            created = create_grafana_role(settings, PASSWORD, role=role)
            assert created.created
            replay(
                settings,
                snapshots=archive,
                options=OPTIONS,
                console=Console(file=io.StringIO(), width=200),
            )
            yield Warehouse(settings, role)
    finally:
        cursor = admin.cursor()
        cursor.execute(f'drop database if exists "{dbname}" with (force)')
        cursor.execute(f'drop role if exists "{role}"')
        admin.close()


def _rows(conn, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with conn.cursor() as cursor:
        cursor.execute(sql)
        return [c.name for c in cursor.description], cursor.fetchall()


def _variable_values(conn, queries: list[GrafanaQuery]) -> dict[str, Any]:
    """Each variable's values from its own query, in dashboard order (a variable may use the
    ones before it): the first value of a single-value variable, every value of a multi-value
    one (Grafana's "All")."""
    values: dict[str, Any] = {}
    for query in queries:
        if query.kind != "variable":
            continue
        sql = expand(query.sql, time_from=TIME_FROM, time_to=TIME_TO, variables=values)
        _, rows = _rows(conn, sql)
        assert rows, f"{query.where}: no values"
        options = [str(row[0]) for row in rows]
        values[query.name] = options if _is_multi(query) else options[0]
    return values


def _is_multi(query: GrafanaQuery) -> bool:
    import json

    from ml.dashboards import GRAFANA_DIR

    dashboard = json.loads((GRAFANA_DIR / "dashboards" / query.source).read_text())
    variable = next(v for v in dashboard["templating"]["list"] if v["name"] == query.name)
    return bool(variable.get("multi"))


def test_every_dashboard_and_alert_query_runs_as_the_read_only_role(warehouse: Warehouse) -> None:
    queries = all_queries()
    by_source: dict[str, list[GrafanaQuery]] = {}
    for query in queries:
        by_source.setdefault(query.source, []).append(query)
    conn = warehouse.connect_as_role()
    problems, empty = [], set()
    try:
        for source_queries in by_source.values():
            variables = _variable_values(conn, source_queries)
            for query in source_queries:
                sql = expand(query.sql, time_from=TIME_FROM, time_to=TIME_TO, variables=variables)
                try:
                    columns, rows = _rows(conn, sql)
                except Exception as exc:  # a driver error names what is wrong
                    problems.append(f"{query.where}: {str(exc).strip()}")
                    continue
                if columns != select_columns(query.sql):
                    problems.append(f"{query.where}: columns {columns}")
                timed = query.panel_type in ("timeseries", "state-timeline", "annotation")
                if timed and columns[0] != "time":
                    problems.append(f"{query.where}: the first column must be time")
                if not rows:
                    empty.add((query.source, query.name))
    finally:
        conn.close()
    assert problems == []
    assert MUST_HAVE_ROWS & empty == set(), f"no rows after the replay: {MUST_HAVE_ROWS & empty}"


def test_the_alert_rules_return_one_number_per_labelled_series(warehouse: Warehouse) -> None:
    conn = warehouse.connect_as_role()
    try:
        for query in (q for q in all_queries() if q.kind == "alert"):
            sql = expand(query.sql, time_from=TIME_FROM, time_to=TIME_TO)
            columns, rows = _rows(conn, sql)
            assert columns == ["league", "subject", "excess"], query.where
            for league, subject, excess in rows:
                assert isinstance(league, str) and isinstance(subject, str), query.where
                assert excess is None or isinstance(excess, int | float), query.where
            keys = [(league, subject) for league, subject, _ in rows]
            assert len(keys) == len(set(keys)), f"{query.where}: one series per label set"
    finally:
        conn.close()


def test_mart_alerts_holds_the_conditions_grafana_evaluates(warehouse: Warehouse) -> None:
    conn = warehouse.connect_as_role()
    try:
        _, rows = _rows(
            conn,
            "select alert, league, subject, value, threshold, is_firing, detail "
            "from marts.mart_alerts",
        )
    finally:
        conn.close()
    alerts = {row[0] for row in rows}
    # the replay recorded loads, a live book and dbt builds; monitoring rows when it ran
    assert {"no_recent_load", "drawdown_beyond_limit", "dbt_build_failed"} <= alerts
    for alert, _, _, value, threshold, is_firing, detail in rows:
        if alert == "rps_worse_than_market":  # the monitor's judgement, not value > threshold
            assert is_firing == (detail == "monitoring status alert"), detail
            continue
        if value is not None and threshold is not None and alert != "no_recent_load":
            assert is_firing == (value > threshold), (alert, value, threshold)


FORBIDDEN = [
    ("insert", "insert into marts.mart_home_advantage select * from marts.mart_home_advantage"),
    ("update", "update marts.mart_home_advantage set n_matches = n_matches where false"),
    ("delete", "delete from marts.mart_home_advantage where false"),
    ("create in marts", "create table marts.grafana_was_here (x integer)"),
    ("create view in marts", "create view marts.grafana_view as select 1 as x"),
    ("create in public", "create table public.grafana_was_here (x integer)"),
    ("create schema", "create schema grafana_was_here"),
    ("drop", "drop table marts.mart_home_advantage"),
    ("truncate", "truncate marts.mart_home_advantage"),
    ("read raw", "select count(*) from raw.matches"),
    ("read raw load log", "select count(*) from raw.load_log"),
    ("read ml", "select count(*) from ml.predictions"),
    ("read betting", "select count(*) from betting.bets"),
    ("read ops", "select count(*) from ops.step_runs"),
    ("read staging", "select count(*) from staging.stg_football_data__matches"),
    ("read intermediate", "select count(*) from intermediate.int_team_matches_rolled"),
]


def test_the_role_can_only_read_the_marts(warehouse: Warehouse) -> None:
    import psycopg2
    import psycopg2.errors

    conn = warehouse.connect_as_role()
    try:
        _, rows = _rows(conn, "select count(*) from marts.mart_home_advantage")
        assert rows[0][0] > 0
        allowed = []
        for what, sql in FORBIDDEN:
            try:
                with conn.cursor() as cursor:
                    cursor.execute(sql)
                allowed.append(what)
            except psycopg2.errors.InsufficientPrivilege:
                pass
            except psycopg2.Error as exc:  # anything else is not the permission error we want
                allowed.append(f"{what}: {type(exc).__name__} {str(exc).strip()}")
    finally:
        conn.close()
    assert allowed == []


def test_running_grafana_role_again_changes_nothing_it_should_not(warehouse: Warehouse) -> None:
    again = create_grafana_role(warehouse.settings, PASSWORD, role=warehouse.role)
    assert not again.created
    conn = warehouse.connect_as_role()
    try:
        _, rows = _rows(conn, "select count(*) from marts.mart_alerts")
        assert rows[0][0] > 0
    finally:
        conn.close()


def test_previews_draw_every_dashboard_from_its_panels_sql(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    from ml.dashboards.previews import draw_previews

    pngs = draw_previews(warehouse.settings, tmp_path, time_from=TIME_FROM, time_to=TIME_TO)
    assert {p.name for p in pngs} == {f"{p.stem}.png" for p in dashboard_files()}
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
