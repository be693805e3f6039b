"""The same DAGs with Postgres as the warehouse, named by an Airflow connection.

The warehouse comes only from ``AIRFLOW_CONN_PLPRED_WAREHOUSE`` (``PLPRED_WAREHOUSE_CONN_ID``):
the ``PG*`` variables point at a closed port, so a task that read them instead would fail. The
tasks build their settings from the connection, and dbt gets them as its profile's variables.
Ingest and transform fill the Postgres warehouse and leave no DuckDB file behind;
score-and-bet then finds no champion: its score task is skipped. (Training, scoring and
betting on Postgres are the same functions as the CLI's, tested on Postgres in
tests/integration; the whole chain on Postgres takes minutes more, too long to repeat here.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ml.config import Settings
from ml.warehouse.connection import connect
from tests.dags.conftest import DAGS_DIR
from tests.dags.test_pipeline import FIRST_YEAR, N_SEASONS, T1, _run_ok
from tests.football_data_files import write_synthetic_source

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_the_dags_run_on_a_postgres_warehouse_from_an_airflow_connection(
    airflow_db: Path, postgres_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    pg = postgres_settings.postgres
    source = write_synthetic_source(
        tmp_path / "football-data", n_seasons=N_SEASONS, first_year=FIRST_YEAR
    ).directory
    # Any password: a server that trusts local users ignores it.
    password = pg.password or "unused-by-trust-auth"
    monkeypatch.setenv(
        "AIRFLOW_CONN_PLPRED_WAREHOUSE",
        f"postgres://{pg.user}:{password}@{pg.host}:{pg.port}/{pg.dbname}",
    )
    monkeypatch.setenv("PLPRED_WAREHOUSE_CONN_ID", "plpred_warehouse")
    monkeypatch.setenv("PLPRED_SOURCE", str(source))
    monkeypatch.setenv("PLPRED_TARGET", "duckdb")  # overridden by the connection
    monkeypatch.setenv("PGPORT", "1")
    monkeypatch.setenv("PGDATABASE", "not_the_warehouse")
    dagbag = DagBag(dag_folder=str(DAGS_DIR))
    assert dagbag.import_errors == {}

    _run_ok(dagbag, "plpred_ingest", at=T1)
    _run_ok(dagbag, "plpred_transform", at=T1)
    states = _run_ok(dagbag, "plpred_score_and_bet", at=T1)
    assert states["score"] == "skipped"  # no champion yet

    with connect(postgres_settings) as conn:
        assert conn.scalar("select count(*) from raw.fixtures") == 20
        assert conn.scalar("select count(*) from marts.mart_match_features") > 0
        assert conn.scalar("select count(*) from marts.fct_prematch_odds") > 0
    assert not postgres_settings.duckdb_path.exists()
