"""The DAG chain end to end with ``dag.test()`` on the embedded defaults (SQLite metadata,
DuckDB warehouse, MLflow in PLPRED_HOME), on a small synthetic football-data source, at fixed
clocks (every ``dag.test()`` of a phase gets the same ``logical_date``, the tasks' clock).

``dag.test()`` runs no scheduler, so asset-scheduled DAGs do not start by themselves: each DAG
is run in the order its assets would trigger it (the schedules themselves are asserted in
test_dag_integrity.py). The story, on one warehouse:

1. at T1, two fixture rounds ahead: ingest, transform, train (quick), score-and-bet:
   predictions for the fixtures, live bets, backtest bets and settlements; and ``plpred run``
   (``ml.orchestration.pipeline.run_pipeline``) at the same clock on the same source in a second
   PLPRED_HOME executes the same steps and leaves the same tables;
2. at T2, their results published: ingest, transform, train (nothing due), score-and-bet
   settles the live bets and adds no prediction or bet;
3. at T3, nothing new: ingest is skipped (so nothing downstream would be scheduled) and
   score-and-bet writes nothing;
4. a results row that contradicts its score gets into the raw tables: a dbt test on staging
   fails, the transform run fails, nothing is published and every mart is as it was;
5. the server refuses every download: the ingest run fails and the raw tables are as they were.
"""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from ml.config import get_settings
from ml.warehouse.connection import connect, read_sql
from tests.football_data_files import write_synthetic_source

pytestmark = [pytest.mark.slow]

N_SEASONS = 4
FIRST_YEAR = 2022  # seasons 2022-23 to 2025-26, weekly rounds on Fridays
# The last two rounds (17 and 24 April 2026) are in fixtures.csv; the clocks of the phases.
T1 = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)  # after the 10 April round, before the fixtures
T2 = datetime(2026, 4, 28, 12, 0, tzinfo=UTC)  # their results published
T3 = datetime(2026, 4, 29, 12, 0, tzinfo=UTC)  # nothing new
# Small grids, one classifier and no goals model: the DAG's own switch for smoke runs.
QUICK_TRAINING = {"quick": True, "classifiers": ["logistic"], "goals_model": False}
# After T1 the champion is young enough: no training or refit in the later phases.
NOTHING_DUE = QUICK_TRAINING | {"max_model_age_days": 30.0, "refit_age_days": 30.0}
LEDGERS = ("ml.predictions", "betting.bets", "betting.settlements", "ml.model_evaluations")
# The schemas the equivalence of the DAG chain and `plpred run` is checked on.
COMPARED_SCHEMAS = ("ml", "betting", "marts")


@dataclass
class Chain:
    """What the chain did, phase by phase, for the tests to look at."""

    source: Path
    states: dict[str, dict[str, str]] = field(default_factory=dict)
    # Phase 1 through the DAGs and through `plpred run`: steps in order, and the tables.
    dag_steps: list[tuple[str, str]] = field(default_factory=list)
    cli_steps: list[tuple[str, str]] = field(default_factory=list)
    dag_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    cli_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    live_bets: int = 0
    live_settlements: int = 0
    unit_test_markers: list[str] = field(default_factory=list)


def _run(dagbag, dag_id: str, conf: dict | None = None, *, at: datetime | None = None):
    """One ``dag.test()`` run at the logical date ``at`` (None: now) without retries:
    dag.test() would sit out each retry delay, and every failure here is meant (the retry
    settings are checked in test_dag_integrity.py)."""
    dag = dagbag.get_dag(dag_id)
    saved = {task.task_id: task.retries for task in dag.tasks}
    # dag.test() runs the tasks in this process, and Airflow resolves a run's conf into the
    # DAG's own Param objects (Param.resolve keeps the value): without this, a run's conf
    # (a replay's snapshots) would be the next run's default in any later test.
    defaults = [
        (param, param.value)
        for params in (dag.params, *(task.params for task in dag.tasks))
        for param in (params.get_param(key) for key in params)
    ]
    for task in dag.tasks:
        task.retries = 0
    try:
        if at is None:
            return dag.test(run_conf=conf)
        return dag.test(run_conf=conf, logical_date=at)
    finally:
        for task in dag.tasks:
            task.retries = saved[task.task_id]
        for param, value in defaults:
            param.value = value


def _run_ok(
    dagbag,
    dag_id: str,
    conf: dict | None = None,
    *,
    at: datetime | None = None,
    skipped: bool = False,
):
    """A run that must succeed, with every task done or skipped by its step's check (or, with
    ``skipped``, every task but the one listing the leagues skipped): its task states."""
    run = _run(dagbag, dag_id, conf, at=at)
    states = _states(run)
    allowed = {"skipped"} if skipped else {"success", "skipped"}
    steps = {task_id: state for task_id, state in states.items() if task_id != "leagues"}
    if str(run.state) != "success" or not set(steps.values()) <= allowed:
        pytest.fail(f"{dag_id}: {run.state} {states}")
    return states


def _states(run) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


def _count(table: str) -> int:
    with connect(get_settings()) as conn:
        return int(conn.scalar(f"select count(*) from {table}"))


def _counts() -> dict[str, int]:
    return {table: _count(table) for table in LEDGERS}


def _step_log() -> list[tuple[str, str]]:
    """The catalogue's log, in order: (step, status) of every execution."""
    with connect(get_settings()) as conn:
        return [
            tuple(row)
            for row in conn.fetchall("select step, status from ops.step_runs order by seq")
        ]


def _tables(schemas: tuple[str, ...], settings=None) -> dict[str, pd.DataFrame]:
    """Every base table of ``schemas``, whole, keyed ``schema.table``, in the warehouse of
    ``settings`` (default: the environment's)."""
    with connect(settings or get_settings()) as conn:
        names = conn.fetchall(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({', '.join('?' for _ in schemas)}) "
            "and table_type = 'BASE TABLE' order by 1, 2",
            list(schemas),
        )
        return {
            f"{schema}.{table}": conn.query_df(f"select * from {schema}.{table}")
            for schema, table in names
        }


def _fingerprint(schema: str, *, exclude: tuple[str, ...] = ()) -> dict[str, tuple[int, int]]:
    """Rows and a content hash of every table of ``schema``, order-independent."""
    with connect(get_settings()) as conn:
        tables = [
            row[0]
            for row in conn.fetchall(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type = 'BASE TABLE' order by 1",
                [schema],
            )
        ]
        prints = {}
        for table in tables:
            if table in exclude:
                continue
            frame = conn.query_df(f"select * from {schema}.{table}").astype(str)
            prints[table] = (len(frame), int(pd.util.hash_pandas_object(frame, index=False).sum()))
    return prints


def _publish_results(source: Path) -> None:
    """football-data publishes the fixtures' results: the season file gains them, fixtures.csv
    still lists the same matches."""
    fixtures = (source / "fixtures.csv").read_bytes()
    write_synthetic_source(source, n_seasons=N_SEASONS, first_year=FIRST_YEAR, upcoming_rounds=0)
    (source / "fixtures.csv").write_bytes(fixtures)


def _use_home(env: pytest.MonkeyPatch, home: Path, source: Path) -> None:
    """The tasks' and the CLI's only configuration: the environment."""
    env.setenv("PLPRED_HOME", str(home))
    env.setenv("PLPRED_SOURCE", str(source))
    env.setenv("PLPRED_TARGET", "duckdb")
    for name in ("PLPRED_DUCKDB_PATH", "MLFLOW_TRACKING_URI", "PLPRED_WAREHOUSE_CONN_ID"):
        env.delenv(name, raising=False)


def _plpred_run(at: datetime) -> None:
    """``plpred run`` at the clock ``at``, with the training of QUICK_TRAINING."""
    from rich.console import Console

    from ml.modeling.config import TrainConfig
    from ml.orchestration.pipeline import run_pipeline

    run_pipeline(
        get_settings(),
        as_of=at,
        train_config=TrainConfig.from_options(
            classifiers="logistic", goals_model=False, quick=True
        ),
        console=Console(quiet=True),
        summary=False,
    )


@contextmanager
def _refusing_server() -> Iterator[str]:
    """A football-data stand-in on 127.0.0.1 that answers every request 403 Forbidden."""

    class Refuse(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self.send_response(403)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def chain(dagbag, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    """Phases 1 to 3 on one PLPRED_HOME, and `plpred run` at T1 on another."""
    root = tmp_path_factory.mktemp("dag_chain")
    source = root / "football-data"
    write_synthetic_source(source, n_seasons=N_SEASONS, first_year=FIRST_YEAR)
    with pytest.MonkeyPatch.context() as env:
        result = Chain(source=source)

        _use_home(env, root / "cli", source)
        _plpred_run(T1)
        result.cli_steps = _step_log()
        result.cli_tables = _tables(COMPARED_SCHEMAS)

        _use_home(env, root / "home", source)
        # A machine where dbt's unit tests never passed: the layer tasks run them, and
        # publish_marts remembers that they passed.
        env.setenv("PLPRED_CACHE", str(root / "machine-cache"))
        for dag_id, conf in (
            ("plpred_ingest", None),
            ("plpred_transform", None),
            ("plpred_train", QUICK_TRAINING),
            ("plpred_score_and_bet", None),
        ):
            result.states[f"1 {dag_id}"] = _run_ok(dagbag, dag_id, conf, at=T1)
        result.unit_test_markers = sorted(
            p.name for p in (root / "machine-cache" / "dbt-unit-tests").glob("*")
        )
        result.counts["1"] = _counts()
        result.live_bets = _count("betting.bets where book_id = 'live'")
        result.dag_steps = _step_log()
        result.dag_tables = _tables(COMPARED_SCHEMAS)

        _publish_results(source)
        for dag_id, conf in (
            ("plpred_ingest", None),
            ("plpred_transform", None),
            ("plpred_train", NOTHING_DUE),
            ("plpred_score_and_bet", None),
        ):
            result.states[f"2 {dag_id}"] = _run_ok(dagbag, dag_id, conf, at=T2)
        result.counts["2"] = _counts()
        result.live_settlements = _count(
            "betting.settlements s join betting.bets b using (bet_id) where b.book_id = 'live'"
        )

        result.states["3 plpred_ingest"] = _run_ok(dagbag, "plpred_ingest", at=T3, skipped=True)
        result.states["3 plpred_score_and_bet"] = _run_ok(dagbag, "plpred_score_and_bet", at=T3)
        result.counts["3"] = _counts()
        yield result
        shutil.rmtree(root, ignore_errors=True)


def test_the_chain_fills_predictions_bets_and_settlements(chain: Chain) -> None:
    first = chain.counts["1"]
    assert first["ml.predictions"] == 20  # the two fixture rounds of fixtures.csv
    assert first["ml.model_evaluations"] > 0
    assert chain.live_bets > 0
    assert first["betting.settlements"] > 0  # the backtest's, settled as it replays
    # Results published: every live bet is settled, nothing is scored or bet twice.
    assert chain.live_settlements == chain.live_bets
    second = chain.counts["2"]
    assert second["ml.predictions"] == first["ml.predictions"]
    assert second["betting.bets"] == first["betting.bets"]
    assert second["betting.settlements"] == first["betting.settlements"] + chain.live_bets


def test_the_layers_that_ran_every_unit_test_remember_it_for_the_machine(chain: Chain) -> None:
    from ml.warehouse.dbt import project_fingerprint

    assert chain.unit_test_markers == [f"duckdb-{project_fingerprint()}"]


def test_a_run_with_nothing_new_skips_ingest_and_writes_nothing(chain: Chain) -> None:
    # Every league's ingest skipped: no asset event, nothing downstream is scheduled.
    assert chain.states["3 plpred_ingest"] == {
        "leagues": "success",
        "ingest": "skipped",
        "publish_raw": "skipped",
    }
    assert chain.counts["3"] == chain.counts["2"]


@pytest.fixture
def chain_env(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> Chain:
    """The chain's settings again, for the tests that continue on its warehouse."""
    _use_home(monkeypatch, chain.source.parent / "home", chain.source)
    return chain


def test_a_failing_dbt_test_fails_the_run_and_leaves_the_marts(dagbag, chain_env: Chain) -> None:
    # A result that contradicts its score. Ingestion rejects such rows, so it is written
    # straight into raw.matches, as a newer version of a played match: a stand-in for bad data
    # that some check of ingestion's lets through, which the dbt tests are there to catch.
    with connect(get_settings()) as conn, conn.transaction():
        conn.execute(
            "insert into raw.matches select * replace ("
            "  loaded_at + interval 1 day as loaded_at,"
            "  case when result = 'H' then 'A' else 'H' end as result"
            ") from raw.matches where league = 'E0' and result is not null "
            "order by match_date desc, home_team limit 1"
        )
    marts = _fingerprint("marts")

    run = _run(dagbag, "plpred_transform")

    states = _states(run)
    assert str(run.state) == "failed"
    assert states["dbt_staging"] == "failed"  # the test on the staging model of matches
    assert states["dbt_intermediate"] == states["dbt_marts"] == "upstream_failed"
    assert states["publish_marts"] == "upstream_failed"  # no asset event: nothing scores
    assert _fingerprint("marts") == marts  # the marts layer did not run
    # Recorded as a failed transform: a step that reads the marts now refuses them.
    with connect(get_settings()) as conn:
        last = conn.fetchone(read_sql("ops/select_last_build.sql"))
    assert last[:2] == ("transform", "failed")


def test_refused_downloads_fail_the_run_and_leave_the_raw_tables(
    dagbag, chain_env: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _fingerprint("raw", exclude=("load_log",))
    attempts = _count("raw.load_log")
    with _refusing_server() as url:
        monkeypatch.setenv("PLPRED_SOURCE", url)
        run = _run(dagbag, "plpred_ingest", {"seasons": "2425-2526"})

    assert str(run.state) == "failed"
    assert _states(run) == {
        "leagues": "success",
        "ingest": "failed",
        "publish_raw": "upstream_failed",
    }
    assert _fingerprint("raw", exclude=("load_log",)) == raw
    assert _count("raw.load_log where status = 'failed'") >= 3  # two seasons and fixtures.csv
    assert _count("raw.load_log") == attempts + 3


# Columns that legitimately differ between two executions of the same steps on the same
# inputs at the same clock; why, in test_the_dag_chain_and_plpred_run_leave_identical_tables.
EXCLUDED_COLUMNS: dict[str, set[str]] = {
    "*": {"run_id", "source_run_id"},
    "betting.backtests": {"backtest_id"},
    "betting.bets": {"bet_id", "book_id", "prediction_ref", "odds_loaded_at"},
    "betting.settlements": {"settlement_id", "bet_id", "book_id"},
    "marts.mart_bankroll_daily": {"book_id"},
    "marts.mart_betting_performance": {"book_id"},
    "marts.mart_bets": {"bet_id", "book_id"},
    "marts.mart_strategy_bankroll": {"book_id"},
    "marts.mart_strategy_performance": {"book_id"},
    "marts.fct_prematch_odds": {"loaded_at"},
}
# Sums and averages over rows in another physical order differ in the last bits.
DIGITS = 12


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Text of every value, floats rounded to DIGITS decimals."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            frame[column] = frame[column].round(DIGITS)
    return frame.astype(str)


def _differences(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Per table, what differs between two sets of tables, order-independent, after leaving
    out EXCLUDED_COLUMNS: missing tables, other columns, other row counts, or the columns whose
    values differ."""
    found: dict[str, str] = {}
    for table in sorted(set(left) | set(right)):
        if table not in left or table not in right:
            found[table] = "only in " + ("the DAG chain's" if table in left else "plpred run's")
            continue
        drop = EXCLUDED_COLUMNS.get(table, set()) | EXCLUDED_COLUMNS.get("*", set())
        a = left[table].drop(columns=[c for c in left[table].columns if c in drop])
        b = right[table].drop(columns=[c for c in right[table].columns if c in drop])
        if list(a.columns) != list(b.columns):
            found[table] = f"columns {list(a.columns)} != {list(b.columns)}"
            continue
        if len(a) != len(b):
            found[table] = f"{len(a)} rows != {len(b)} rows"
            continue
        a, b = _comparable(a), _comparable(b)
        key = list(a.columns)
        a = a.sort_values(key).reset_index(drop=True)
        b = b.sort_values(key).reset_index(drop=True)
        if not a.equals(b):
            columns = [c for c in a.columns if sorted(a[c]) != sorted(b[c])] or [
                "(same values per column, other rows)"
            ]
            found[table] = f"values differ in {columns}"
    return found


def test_the_dag_chain_and_plpred_run_execute_the_same_steps(chain: Chain) -> None:
    from ml.orchestration.steps import catalogue

    assert chain.dag_steps == chain.cli_steps
    assert [step for step, _ in chain.dag_steps] == [s.name for s in catalogue()]


def test_the_dag_chain_and_plpred_run_leave_identical_tables(chain: Chain) -> None:
    """Every table of the schemas ml, betting and marts holds the same rows (in any order)
    after the DAG chain at T1 as after ``plpred run`` at T1, but for these columns:

    - ``run_id`` everywhere and ``source_run_id``: MLflow run ids (model_evaluations,
      walk_forward_predictions, champion_decisions, backtests) and the invocation ids of the
      betting steps (``bet-…``, ``settle-…``, ``backtest-…``): new at every execution;
    - ids that are stable hashes of an MLflow run id: a backtest's ``backtest_id``, which is the
      ``book_id`` of its bets, settlements and betting marts, and from which its bets'
      ``bet_id`` and settlements' ``settlement_id`` and ``bet_id`` are made; a backtest bet's
      ``prediction_ref`` is the MLflow run id itself (live bets keep all of these: see the test
      below);
    - wall-clock stamps of when the machine loaded a file: ``loaded_at`` of the odds
      (``fct_prematch_odds``, and a bet's ``odds_loaded_at``).

    Floats are compared to 12 decimals: an average over rows in another physical order differs
    in its last bits (``average_clv``, 1e-17). Every other stamp (``predicted_at``,
    ``placed_at``, ``settled_at``, ``evaluated_at``, ``created_at``, ``decided_at``) is the
    clock, and is compared.
    """
    assert _differences(chain.dag_tables, chain.cli_tables) == {}
    for table in ("ml.predictions", "betting.bets", "betting.settlements", "marts.fct_matches"):
        assert len(chain.dag_tables[table]) > 0, table


def test_the_dag_chain_and_plpred_run_make_the_same_predictions_and_live_bets(
    chain: Chain,
) -> None:
    """Predictions and the live book, every column but the betting steps' invocation ids."""

    def live(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        bets = tables["betting.bets"]
        settlements = tables["betting.settlements"]
        return {
            "ml.predictions": tables["ml.predictions"],
            "live bets": bets[bets["book_id"] == "live"].drop(columns=["run_id", "odds_loaded_at"]),
            "live settlements": settlements[settlements["book_id"] == "live"].drop(
                columns=["run_id"]
            ),
        }

    dag, cli = live(chain.dag_tables), live(chain.cli_tables)
    assert len(dag["live bets"]) == chain.live_bets > 0
    for name in dag:
        columns = list(dag[name].columns)
        left = _comparable(dag[name]).sort_values(columns).reset_index(drop=True)
        right = _comparable(cli[name]).sort_values(columns).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, obj=name)
