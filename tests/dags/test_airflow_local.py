"""``plpred airflow``'s settings (with the LocalExecutor or the CeleryExecutor) and the warehouse
from an Airflow connection: pure functions, no Airflow process started."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from rich.console import Console

from ml.config import get_settings
from ml.orchestration.airflow_local import DAGS_DIR, airflow_env, local_airflow, run, setup_commands
from ml.orchestration.tasks import settings_from_connection


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PLPRED_HOME", str(tmp_path))
    return get_settings(target="duckdb", source="/data/football-data", league="E1")


def test_local_airflow_lives_under_plpred_home_and_listens_on_localhost(settings) -> None:
    local = local_airflow(settings, port=8081)
    env = airflow_env(settings, local, base={"PATH": "/usr/bin"})

    assert env["AIRFLOW_HOME"] == str(settings.home / "airflow")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(DAGS_DIR)
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == (
        f"sqlite:///{settings.home / 'airflow' / 'airflow.db'}"
    )
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__API__PORT"] == "8081"
    assert env["AIRFLOW__API__BASE_URL"] == "http://127.0.0.1:8081"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "False"
    # The tasks inherit the CLI's settings of this run.
    assert (env["PLPRED_HOME"], env["PLPRED_TARGET"], env["PLPRED_SOURCE"]) == (
        str(settings.home),
        "duckdb",
        "/data/football-data",
    )
    assert env["PLPRED_LEAGUE"] == "E1"
    assert env["PATH"] == "/usr/bin"
    assert local.password_file == settings.home / "airflow" / (
        "simple_auth_manager_passwords.json.generated"
    )


def test_no_login_is_a_choice_and_a_metadata_database_already_set_is_kept(settings) -> None:
    postgres = "postgresql+psycopg2://postgres@127.0.0.1:5432/airflow"
    env = airflow_env(
        settings,
        local_airflow(settings, login=False),
        base={"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres},
    )
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "True"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == postgres


def test_a_container_publishes_the_ui_on_its_interface_and_keeps_the_login(settings) -> None:
    """docker-compose.yml runs `plpred airflow --host 0.0.0.0`: the published port reaches the
    container's interface, not its loopback; everyone-admin is refused off loopback."""
    env = airflow_env(settings, local_airflow(settings, host="0.0.0.0"))
    assert env["AIRFLOW__API__HOST"] == "0.0.0.0"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "False"
    with pytest.raises(ValueError, match="--no-login makes everyone admin"):
        run(settings, port=8082, login=False, console=Console(), host="0.0.0.0")
    compose = (DAGS_DIR.parent / "docker-compose.yml").read_text()
    assert '"airflow", "--target", "postgres", "--host", "0.0.0.0"' in compose


def test_setup_migrates_then_creates_the_one_slot_warehouse_pool() -> None:
    migrate, pool = setup_commands()
    assert migrate[-2:] == ["db", "migrate"]
    assert pool[-5:-1] == ["pools", "set", "plpred_warehouse", "1"]


def test_the_log_servers_ports_are_refused(settings) -> None:
    with pytest.raises(ValueError, match="log servers"):
        run(settings, port=8793, login=True, console=Console(quiet=True))


def test_a_postgres_connection_makes_postgres_the_warehouse(settings) -> None:
    changed = settings_from_connection(
        settings,
        conn_type="postgres",
        host="db.internal",
        port=5433,
        login="plpred",
        password="secret",
        schema="warehouse",
    )
    assert changed.target == "postgres"
    assert changed.postgres.dsn() == (
        "host=db.internal port=5433 user=plpred dbname=warehouse password=secret"
    )
    assert (changed.league, changed.source, changed.home) == (
        settings.league,
        settings.source,
        settings.home,
    )
    assert changed.dbt_env()["PGHOST"] == "db.internal"


def test_a_duckdb_connection_names_the_file_and_other_types_are_refused(settings) -> None:
    changed = settings_from_connection(
        settings, conn_type="duckdb", extra={"path": "/data/warehouse.duckdb"}
    )
    assert (changed.target, changed.duckdb_path) == ("duckdb", Path("/data/warehouse.duckdb"))
    with pytest.raises(ValueError, match="extra 'path'"):
        settings_from_connection(settings, conn_type="duckdb")
    with pytest.raises(ValueError, match="postgres or duckdb"):
        settings_from_connection(settings, conn_type="mysql")


def test_the_celery_cluster_adds_the_executor_broker_and_worker_names(settings) -> None:
    from ml.orchestration.airflow_celery import (
        HOSTNAME_CALLABLE,
        WORKER_NAME_ENV,
        CeleryAirflow,
        celery_env,
        components,
        worker_hostname,
        worker_names,
    )

    postgres = "postgresql+psycopg2://postgres@127.0.0.1:5432/airflow"
    cluster = CeleryAirflow(
        local=local_airflow(settings, port=8083, login=False),
        broker_url="redis://127.0.0.1:6379/5",
        workers=worker_names(2),
    )
    env = celery_env(settings, cluster, base={"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres})
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/5"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == f"db+{postgres}"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8083/execution/"
    assert env["AIRFLOW__CORE__HOSTNAME_CALLABLE"] == HOSTNAME_CALLABLE
    assert "mlflow" in json.loads(env["AIRFLOW__CELERY__EXTRA_CELERY_CONFIG"])["imports"]
    assert env["PLPRED_LEAGUE"] == "E1"  # airflow_env's settings underneath

    found = {component.name: component for component in components(cluster, env)}
    assert list(found) == [
        "api-server",
        "dag-processor",
        "scheduler",
        "triggerer",
        "worker-1",
        "worker-2",
    ]
    worker = found["worker-2"]
    assert worker.command[-9:-5] == ["celery", "worker", "--celery-hostname", "worker-2@%h"]
    assert "--skip-serve-logs" in worker.command
    assert worker.env[WORKER_NAME_ENV] == "worker-2"
    assert WORKER_NAME_ENV not in found["scheduler"].env
    # The name Airflow records as task_instance.hostname: the worker's, else the machine's.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(WORKER_NAME_ENV, "worker-2")
        assert worker_hostname() == "worker-2"
        patch.delenv(WORKER_NAME_ENV)
        assert worker_hostname() == socket.getfqdn()


def test_the_celery_executor_is_refused_on_sqlite_and_unknown_executors_too(settings) -> None:
    from ml.orchestration.airflow_celery import CeleryAirflow, celery_env

    cluster = CeleryAirflow(local=local_airflow(settings))
    with pytest.raises(ValueError, match="needs a server metadata database"):
        celery_env(settings, cluster, base={})
    with pytest.raises(ValueError, match="--executor must be one of local, celery"):
        run(settings, port=8084, login=True, console=Console(quiet=True), executor="kubernetes")
