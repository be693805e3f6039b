"""Adversarial cases of the warehouse and the registry (issue 11: F11, F12, F13, the DuckDB lock).

Everything runs against the real services: the Postgres server at PGHOST:PGPORT (databases
created here are dropped at the end), real DuckDB files held by a real second process, and a
real MLflow registry in a temp PLPRED_HOME.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console

from ml.config import PROJECT_ROOT, PostgresSettings, Settings, get_settings
from ml.modeling import registry
from ml.warehouse.connection import WarehouseError, apply_ddl, connect

QUIET = Console(file=io.StringIO(), width=150)

# A database name that an unquoted f-string or conninfo turns into something else.
HOSTILE_NAME = 'plpred test"; drop'


# --- helpers --------------------------------------------------------------------------------
def _admin():
    """An autocommit connection to the server's ``postgres`` database; skips when none answers
    (fails under PLPRED_REQUIRE_POSTGRES=1, as the shared fixture does)."""
    import psycopg2

    admin_settings = PostgresSettings.from_env()
    try:
        admin = psycopg2.connect(admin_settings.dsn("postgres"), connect_timeout=3)
    except psycopg2.OperationalError as exc:
        message = f"no PostgreSQL at {admin_settings.host}:{admin_settings.port}: {exc}"
        if os.environ.get("PLPRED_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    admin.autocommit = True
    return admin


def _database_names(admin, like: str) -> list[str]:
    cur = admin.cursor()
    cur.execute("select datname from pg_database where datname like %s", (like,))
    return sorted(row[0] for row in cur.fetchall())


# The databases the suite's other workers make meanwhile (tests/conftest.py and the test
# modules: plpred_test_ then letters, digits and underscores, such as plpred_test_<hex>_airflow);
# the hostile name, with its space and quote, is never one of them.
_OTHER_TESTS = re.compile(r"plpred_test_\w+")


def _not_other_tests(names: set[str]) -> set[str]:
    return {name for name in names if not _OTHER_TESTS.fullmatch(name)}


def _drop(admin, name: str) -> None:
    from psycopg2 import sql

    admin.cursor().execute(
        sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
    )


@pytest.fixture
def postgres_admin() -> Iterator[object]:
    admin = _admin()
    try:
        yield admin
    finally:
        admin.close()


@pytest.fixture
def new_database(postgres_admin) -> Iterator[list[str]]:
    """Names handed out here are dropped at the end, whatever the test made of them."""
    names: list[str] = []
    yield names
    for name in names:
        _drop(postgres_admin, name)


def _postgres_settings(home: Path, dbname: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PLPRED_HOME", str(home))
    monkeypatch.setenv("PGDATABASE", dbname)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("PLPRED_DUCKDB_PATH", raising=False)
    return get_settings(target="postgres")


# --- F11: PGDATABASE is quoted everywhere -----------------------------------------------------
@pytest.mark.parametrize(
    "dbname",
    [HOSTILE_NAME, "plpred test", "a;b", "it's", "back\\slash", "dbname=other host=evil"],
)
def test_f11_the_conninfo_keeps_the_database_name_whole(dbname: str) -> None:
    """The DSN every connection uses parses back to exactly the configured name: no value can
    end early or add a key (``dbname=other host=evil`` stays one database name)."""
    from psycopg2.extensions import parse_dsn

    pg = PostgresSettings(host="db.internal", port=5433, user="me", password="p w'd", dbname=dbname)
    parsed = parse_dsn(pg.dsn())
    assert parsed == {
        "host": "db.internal",
        "port": "5433",
        "user": "me",
        "password": "p w'd",
        "dbname": dbname,
    }
    assert parse_dsn(pg.dsn("postgres"))["dbname"] == "postgres"


@pytest.mark.postgres
def test_f11_a_hostile_database_name_is_created_used_and_nothing_else_happens(
    home: Path, postgres_admin, new_database: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PGDATABASE='plpred test"; drop <id>'``: the code path creates exactly that database,
    connects to it and applies the DDL; no other database appears or disappears."""
    name = f"{HOSTILE_NAME} {uuid.uuid4().hex[:8]}"
    new_database.append(name)
    before = set(_database_names(postgres_admin, "%"))
    settings = _postgres_settings(home, name, monkeypatch)

    with connect(settings) as conn:
        apply_ddl(conn)
        assert conn.scalar("select current_database()") == name
        assert conn.table_exists("raw.load_log")

    after = set(_database_names(postgres_admin, "%"))
    # Other test workers create and drop their own databases meanwhile (plpred_test_<hex>...).
    assert _not_other_tests(after - before) == {name}
    assert _not_other_tests(before - after) == set()


@pytest.mark.postgres
@pytest.mark.slow
def test_f11_dbt_reaches_a_database_whose_name_has_a_space_and_a_semicolon(
    home: Path, postgres_admin, new_database: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """dbt's profile gets PGDATABASE through the environment and psycopg2's keyword connect,
    which quotes it; dbt quotes the database in relation names. (A double quote in the name
    is the one character dbt-postgres does not escape in relation names: see
    docs/reliability.md.)"""
    from ml.warehouse.dbt import run_dbt

    name = f"plpred test; {uuid.uuid4().hex[:8]}"
    new_database.append(name)
    settings = _postgres_settings(home, name, monkeypatch)
    with connect(settings) as conn:
        apply_ddl(conn)
    summary = run_dbt(settings, ["build", "--select", "+stg_football_data__matches"], console=QUIET)
    assert summary.ok
    with connect(settings) as conn:
        assert conn.scalar("select current_database()") == name
        assert conn.table_exists("staging.stg_football_data__matches")  # a view


# --- F12: two first runs at once ---------------------------------------------------------------
_FIRST_RUN = textwrap.dedent(
    """
    import sys, time
    from ml.config import get_settings
    from ml.warehouse.connection import apply_ddl, connect

    start_at = float(sys.argv[1])
    settings = get_settings(target="postgres")
    time.sleep(max(0.0, start_at - time.time()))
    with connect(settings) as conn:
        apply_ddl(conn)
        print(conn.scalar("select count(*) from information_schema.schemata "
                          "where schema_name in ('raw', 'ml', 'betting', 'ops')"))
    """
)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(5))
def test_f12_two_first_runs_at_once_both_succeed(
    attempt: int, home: Path, postgres_admin, new_database: list[str]
) -> None:
    """Two processes start at the same instant against a database that does not exist: both
    create it (or find it created) and apply the DDL, and both exit 0."""
    name = f"plpred_race_{uuid.uuid4().hex[:10]}"
    new_database.append(name)
    env = {
        **os.environ,
        "PLPRED_HOME": str(home),
        "PGDATABASE": name,
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    start_at = f"{time.time() + 4.0:.3f}"  # past both interpreters' start-up
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _FIRST_RUN, start_at],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err[-2000:]
        assert out.strip() == "4"
    assert _database_names(postgres_admin, name) == [name]


# --- F13: two warehouses in one home -----------------------------------------------------------
def test_f13_the_registry_and_the_report_are_kept_apart_per_target(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLPRED_HOME", str(home))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    duck = get_settings(target="duckdb")
    pg = get_settings(target="postgres")
    assert duck.mlflow_tracking_uri != pg.mlflow_tracking_uri
    assert duck.mlflow_artifact_location != pg.mlflow_artifact_location
    assert duck.reports_dir != pg.reports_dir
    # DuckDB, the default, keeps the paths an existing home already has.
    assert duck.mlflow_dir == home / "mlflow" and duck.reports_dir == home / "reports"


def test_f13_a_shared_tracking_uri_is_refused_to_the_second_target(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With MLFLOW_TRACKING_URI one store serves every target: the first target claims it and
    the other is refused with what to do, instead of being handed the first one's champion.
    A store from before the claim (an untagged experiment) is claimed by its next user."""
    import mlflow

    store = f"sqlite:///{tmp_path / 'shared' / 'mlflow.db'}"
    (tmp_path / "shared").mkdir()
    monkeypatch.setenv("PLPRED_HOME", str(home))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    duck = get_settings(target="duckdb")
    pg = get_settings(target="postgres")

    experiment_id = registry.configure(duck)
    assert registry.configure(duck) == experiment_id
    assert registry.get_alias(duck, registry.CHAMPION) is None
    with pytest.raises(registry.RegistryError, match="MLFLOW_TRACKING_URI") as caught:
        registry.get_alias(pg, registry.CHAMPION)
    assert "of the duckdb warehouse, not of postgres" in str(caught.value)

    legacy = f"sqlite:///{tmp_path / 'legacy.db'}"
    mlflow.set_tracking_uri(legacy)
    mlflow.create_experiment(registry.model_name("E0"))  # no target tag
    monkeypatch.setenv("MLFLOW_TRACKING_URI", legacy)
    registry.configure(get_settings(target="postgres"))
    with pytest.raises(registry.RegistryError):
        registry.configure(get_settings(target="duckdb"))


@pytest.mark.postgres
@pytest.mark.slow
def test_f13_a_duckdb_champion_is_not_the_postgres_warehouses(
    home: Path,
    tmp_path: Path,
    postgres_admin,
    new_database: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One home, a DuckDB run first (a champion), then the Postgres warehouse: it has no
    champion and training is due; after it trains, each warehouse has its own champion, each
    report its own file, and the DuckDB champion is untouched."""
    from ml.ingest import run_ingest
    from ml.modeling.config import TrainConfig
    from ml.modeling.train import run_train
    from ml.orchestration.steps import training_due
    from ml.report import write_report
    from ml.warehouse.dbt import build
    from tests.football_data_files import write_synthetic_source

    source = write_synthetic_source(tmp_path / "source", n_seasons=4).directory
    config = TrainConfig(
        eval_seasons=("2024-25",),
        classifiers=("logistic",),
        variants=("football",),
        goals_model=False,
        quick=True,
    )

    def load_and_train(settings: Settings):
        summary = run_ingest(
            settings.with_overrides(source=str(source)),
            seasons=None,
            files=None,
            file_season=None,
            include_fixtures=True,
            console=QUIET,
        )
        assert summary.ok
        build(settings, console=QUIET)
        with connect(settings) as conn:
            clock = conn.scalar(
                "select min(kickoff_at) from marts.mart_match_features where not is_played"
            ) - timedelta(days=1)
        return run_train(settings, config=config, console=QUIET, as_of=clock), clock

    monkeypatch.setenv("PLPRED_HOME", str(home))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("PLPRED_DUCKDB_PATH", raising=False)
    duck = get_settings(target="duckdb")
    duck_trained, clock = load_and_train(duck)
    duck_champion = registry.get_alias(duck, registry.CHAMPION)
    assert duck_champion is not None and duck_champion.version == duck_trained.model_version

    name = f"plpred_f13_{uuid.uuid4().hex[:10]}"
    new_database.append(name)
    pg = _postgres_settings(home, name, monkeypatch)
    # The switch: the Postgres warehouse has no champion, so `plpred run` trains.
    assert registry.get_alias(pg, registry.CHAMPION) is None
    assert training_due(registry.get_alias(pg, registry.CHAMPION), 7, clock) is None

    pg_trained, _ = load_and_train(pg)
    assert pg_trained.decision.decision == "first_champion"
    pg_champion = registry.get_alias(pg, registry.CHAMPION)
    assert pg_champion is not None and pg_champion.run_id == pg_trained.run_id
    with connect(pg) as conn:
        assert conn.scalar(
            "select count(*) from ml.champion_decisions where run_id = ?", [pg_champion.run_id]
        )

    # DuckDB's champion is untouched and still its own training run.
    again = registry.get_alias(duck, registry.CHAMPION)
    assert (again.version, again.run_id) == (duck_champion.version, duck_champion.run_id)
    with connect(duck) as conn:
        assert conn.scalar(
            "select count(*) from ml.champion_decisions where run_id = ?", [again.run_id]
        )

    duck_report = write_report(duck, console=QUIET)
    pg_report = write_report(pg, console=QUIET)
    assert duck_report != pg_report and duck_report.exists() and pg_report.exists()


# --- the DuckDB lock names its holder -----------------------------------------------------------
_HOLDER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(120)
    """
)


def test_a_locked_duckdb_names_the_process_holding_it(
    duckdb_settings: Settings, tmp_path: Path
) -> None:
    """A second process holds the warehouse open: the error names its PID and command line
    and says what to do, instead of guessing at plpred, dbt or Airflow."""
    with connect(duckdb_settings) as conn:
        apply_ddl(conn)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(duckdb_settings.duckdb_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(WarehouseError) as caught, connect(duckdb_settings):
            pass
        message = str(caught.value)
        assert f"process {holder.pid}:" in message
        assert "import sys, time, duckdb" in message  # its command line
        assert f"kill {holder.pid}" in message
        assert "wait for that process to finish" in message
        assert "Airflow task" not in message
    finally:
        holder.kill()
        holder.wait()
    with connect(duckdb_settings) as conn:  # free again once the holder is gone
        assert conn.table_exists("raw.load_log")


def test_a_duckdb_file_that_is_not_a_database_is_not_called_locked(
    duckdb_settings: Settings,
) -> None:
    """Other IO errors keep DuckDB's own words and no lock advice."""
    path = duckdb_settings.duckdb_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a duckdb file\n" * 500)
    with pytest.raises(WarehouseError) as caught, connect(duckdb_settings):
        pass
    message = str(caught.value)
    assert str(path) in message and "not a valid DuckDB database file" in message
    assert "writer" not in message and "locked" not in message
