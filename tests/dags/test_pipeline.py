"""The DAG chain end to end with ``dag.test()`` on the embedded defaults (SQLite metadata,
DuckDB warehouse, MLflow in PLPRED_HOME), on a small synthetic football-data source.

``dag.test()`` runs no scheduler, so asset-scheduled DAGs do not start by themselves: each DAG
is run in the order its assets would trigger it (the schedules themselves are asserted in
test_dag_integrity.py). The story, on one warehouse:

1. fixtures published: ingest, transform, train (quick), score-and-bet: predictions for the
   fixtures, live bets, backtest bets and settlements;
2. their results published: ingest, transform, score-and-bet settles the live bets and adds
   no prediction or bet;
3. nothing new: ingest is skipped (so nothing downstream would be scheduled) and score-and-bet
   writes nothing;
4. a results row that contradicts its score gets into the raw tables: a dbt test on staging
   fails, the transform run fails, nothing is published and every mart is as it was;
5. the server refuses every download: the ingest run fails and the raw tables are as they were.

The source's last season is the current one, so that its fixtures kick off in the future and
the strategies can bet on them.
"""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from ml.config import get_settings
from ml.warehouse import connect
from tests.football_data_files import write_synthetic_source

pytestmark = [pytest.mark.slow]

N_SEASONS = 4
# Small grids, one classifier and no goals model: the DAG's own switch for smoke runs.
QUICK_TRAINING = {"quick": True, "classifiers": ["logistic"], "goals_model": False}
LEDGERS = ("ml.predictions", "betting.bets", "betting.settlements", "ml.model_evaluations")


@dataclass
class Chain:
    """What the chain did, phase by phase, for the tests to look at."""

    source: Path
    states: dict[str, dict[str, str]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    live_bets: int = 0
    live_settlements: int = 0


def _run(dagbag, dag_id: str, conf: dict | None = None):
    """One ``dag.test()`` run without retries: dag.test() would sit out each retry delay, and
    every failure here is meant (the retry settings are checked in test_dag_integrity.py)."""
    dag = dagbag.get_dag(dag_id)
    saved = {task.task_id: task.retries for task in dag.tasks}
    for task in dag.tasks:
        task.retries = 0
    try:
        return dag.test(run_conf=conf)
    finally:
        for task in dag.tasks:
            task.retries = saved[task.task_id]


def _run_ok(dagbag, dag_id: str, conf: dict | None = None, *, skipped: bool = False):
    """A run that must succeed (with every task done, or every task skipped): its task states."""
    states = _states(_run(dagbag, dag_id, conf))
    expected = {"skipped"} if skipped else {"success"}
    if set(states.values()) != expected:
        pytest.fail(f"{dag_id}: {states}")
    return states


def _states(run) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


def _count(table: str) -> int:
    with connect(get_settings()) as conn:
        return int(conn.scalar(f"select count(*) from {table}"))


def _counts() -> dict[str, int]:
    return {table: _count(table) for table in LEDGERS}


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
    write_synthetic_source(source, n_seasons=N_SEASONS, first_year=_first_year(), upcoming_rounds=0)
    (source / "fixtures.csv").write_bytes(fixtures)


def _first_year() -> int:
    return date.today().year - N_SEASONS + 1


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
    """Phases 1 to 3 on one PLPRED_HOME; the environment is the tasks' only configuration."""
    root = tmp_path_factory.mktemp("dag_chain")
    source = root / "football-data"
    write_synthetic_source(source, n_seasons=N_SEASONS, first_year=_first_year())
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PLPRED_HOME", str(root / "home"))
        env.setenv("PLPRED_SOURCE", str(source))
        env.setenv("PLPRED_TARGET", "duckdb")
        for name in ("PLPRED_DUCKDB_PATH", "MLFLOW_TRACKING_URI", "PLPRED_WAREHOUSE_CONN_ID"):
            env.delenv(name, raising=False)
        result = Chain(source=source)

        for dag_id, conf in (
            ("plpred_ingest", None),
            ("plpred_transform", None),
            ("plpred_train", QUICK_TRAINING),
            ("plpred_score_and_bet", None),
        ):
            result.states[f"1 {dag_id}"] = _run_ok(dagbag, dag_id, conf)
        result.counts["1"] = _counts()
        result.live_bets = _count("betting.bets where book_id = 'live'")

        _publish_results(source)
        for dag_id in ("plpred_ingest", "plpred_transform", "plpred_score_and_bet"):
            result.states[f"2 {dag_id}"] = _run_ok(dagbag, dag_id)
        result.counts["2"] = _counts()
        result.live_settlements = _count(
            "betting.settlements s join betting.bets b using (bet_id) where b.book_id = 'live'"
        )

        result.states["3 plpred_ingest"] = _run_ok(dagbag, "plpred_ingest", skipped=True)
        result.states["3 plpred_score_and_bet"] = _run_ok(dagbag, "plpred_score_and_bet")
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


def test_a_run_with_nothing_new_skips_ingest_and_writes_nothing(chain: Chain) -> None:
    assert chain.states["3 plpred_ingest"] == {"load_raw_tables": "skipped"}
    assert chain.counts["3"] == chain.counts["2"]


@pytest.fixture
def chain_env(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> Chain:
    """The chain's settings again, for the tests that continue on its warehouse."""
    home = chain.source.parent / "home"
    monkeypatch.setenv("PLPRED_HOME", str(home))
    monkeypatch.setenv("PLPRED_SOURCE", str(chain.source))
    monkeypatch.setenv("PLPRED_TARGET", "duckdb")
    for name in ("PLPRED_DUCKDB_PATH", "MLFLOW_TRACKING_URI", "PLPRED_WAREHOUSE_CONN_ID"):
        monkeypatch.delenv(name, raising=False)
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
    # The marts on the ledgers alone are not downstream of the failing test: they are rebuilt
    # from ledgers that did not change.
    ledger_marts = ("mart_betting_performance", "mart_bankroll_daily")
    marts = _fingerprint("marts", exclude=ledger_marts)

    run = _run(dagbag, "plpred_transform")

    states = _states(run)
    assert str(run.state) == "failed"
    assert states["dbt.stg_football_data__matches.test"] == "failed"
    assert states["dbt.fct_matches.run"] == "upstream_failed"
    assert states["publish_marts"] == "upstream_failed"  # no asset event: nothing scores
    assert _fingerprint("marts", exclude=ledger_marts) == marts


def test_refused_downloads_fail_the_run_and_leave_the_raw_tables(
    dagbag, chain_env: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _fingerprint("raw", exclude=("load_log",))
    attempts = _count("raw.load_log")
    with _refusing_server() as url:
        monkeypatch.setenv("PLPRED_SOURCE", url)
        run = _run(dagbag, "plpred_ingest", {"seasons": "2425-2526"})

    assert str(run.state) == "failed"
    assert _states(run) == {"load_raw_tables": "failed"}
    assert _fingerprint("raw", exclude=("load_log",)) == raw
    assert _count("raw.load_log where status = 'failed'") >= 3  # two seasons and fixtures.csv
    assert _count("raw.load_log") == attempts + 3
