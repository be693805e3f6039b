"""Shared fixtures: a fresh PLPRED_HOME per test, a throwaway Postgres database, the real mirror."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from ml.config import PROJECT_ROOT, PostgresSettings, Settings, get_settings

MIRROR = Path(
    os.environ.get("PLPRED_MIRROR", PROJECT_ROOT.parent / "shared" / "data" / "football-data")
)


def pytest_configure(config: pytest.Config) -> None:
    """One machine cache (PLPRED_CACHE) for the whole session, shared by the xdist workers and
    the processes tests start, never the user's: dbt's unit tests run at the first whole-project
    build of each kind of warehouse, as on a new machine, and not again in every new home."""
    if hasattr(config, "workerinput") or os.environ.get("PLPRED_CACHE"):
        return
    import tempfile

    config._plpred_cache = tempfile.mkdtemp(prefix="plpred-test-cache-")
    os.environ["PLPRED_CACHE"] = config._plpred_cache


def pytest_unconfigure(config: pytest.Config) -> None:
    cache = getattr(config, "_plpred_cache", None)
    if cache:
        import shutil

        shutil.rmtree(cache, ignore_errors=True)
        os.environ.pop("PLPRED_CACHE", None)


# The test files that take longest, by their own seconds in CI (`.ci/run` with --durations):
# they are collected first, so that pytest-xdist, which hands whole files to its workers in
# collection order (`--dist loadfile --no-loadscope-reorder` in pyproject.toml), starts them at
# once instead of leaving one to finish alone at the end. (xdist's own reordering puts the files
# with the most tests first: the long replays have few.) Order changes the wall time only.
LONGEST_FIRST = (
    "integration/test_replay_mirror.py",
    "integration/test_monitoring.py",
    "dags/test_replay.py",
    "dags/test_pipeline.py",
    "dags/test_celery.py",
    "integration/test_dbt_build.py",
    "integration/test_readme_queries.py",
    "integration/test_live_books_per_league.py",
    "adversarial/test_warehouse_cases.py",
    "api/test_api.py",
    "api/test_api_postgres.py",
    "integration/test_train_score.py",
)
TESTS_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The files of ``LONGEST_FIRST`` first, in its order; every file's tests stay together
    and in their own order, and the other files keep theirs."""
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}

    def key(indexed: tuple[int, pytest.Item]) -> tuple[int, int]:
        index, item = indexed
        try:
            name = Path(item.path).resolve().relative_to(TESTS_DIR).as_posix()
        except ValueError:
            name = ""
        return rank.get(name, len(rank)), index

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]


@pytest.fixture
def mirror() -> Path:
    """The football-data mirror; tests that need it skip, saying where it was looked for."""
    if not (MIRROR / "E0").is_dir():
        pytest.skip(
            f"football-data mirror not found at {MIRROR} (set PLPRED_MIRROR to its folder); "
            "this test needs the real files"
        )
    return MIRROR


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "plpred_home"
    path.mkdir()
    return path


@pytest.fixture
def duckdb_settings(home: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for an embedded warehouse in a temp PLPRED_HOME (MLflow store there too)."""
    monkeypatch.setenv("PLPRED_HOME", str(home))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("PLPRED_DUCKDB_PATH", raising=False)
    return get_settings(target="duckdb")


def postgres_admin():
    """An autocommit connection to the server's ``postgres`` database, for tests that create
    and drop their own databases. Skips when no Postgres answers, unless
    PLPRED_REQUIRE_POSTGRES=1 (set by .ci/run): then fails."""
    import psycopg2

    admin_settings = PostgresSettings.from_env()
    try:
        admin = psycopg2.connect(admin_settings.dsn("postgres"), connect_timeout=3)
    except psycopg2.OperationalError as exc:
        message = (
            f"no PostgreSQL at {admin_settings.host}:{admin_settings.port} "
            f"as {admin_settings.user}: {str(exc).strip()}"
        )
        if os.environ.get("PLPRED_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " (PLPRED_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    admin.autocommit = True
    return admin


@pytest.fixture
def postgres_settings(home: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings for a Postgres database created for this test and dropped after it."""
    admin = postgres_admin()
    dbname = f"plpred_test_{uuid.uuid4().hex[:12]}"
    admin.cursor().execute(f'create database "{dbname}"')
    monkeypatch.setenv("PLPRED_HOME", str(home))
    monkeypatch.setenv("PGDATABASE", dbname)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    try:
        yield get_settings(target="postgres")
    finally:
        admin.cursor().execute(f'drop database if exists "{dbname}" with (force)')
        admin.close()


@pytest.fixture(params=["duckdb", "postgres"])
def any_settings(request: pytest.FixtureRequest) -> Settings:
    """Runs a test once per warehouse target."""
    return request.getfixturevalue(f"{request.param}_settings")
