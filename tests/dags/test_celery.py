"""The mapped DAGs on Airflow's CeleryExecutor, for real (issue 14 §3).

The test starts everything itself and stops it after: a Postgres metadata database (also
Celery's result backend), a Postgres warehouse, a Redis database index of its own as the
broker, and Airflow's components as processes (:mod:`ml.orchestration.airflow_celery`): the API
server (whose execution API the workers' tasks report to), the DAG processor, the scheduler
and two Celery workers, ``worker-1`` and ``worker-2``, one task at a time each. It triggers
``plpred_ingest`` over three synthetic leagues at a fixed clock; the asset events run
``plpred_transform``, ``plpred_train`` (quick, from ``PLPRED_TRAIN_QUICK=1``) and
``plpred_score_and_bet`` after it, each per-league task mapped over the three leagues. Then:

- every DAG run succeeded (else the failed tasks' logs are the failure message);
- the task instances ran on both workers (``task_instance.hostname``), the mapped ones too;
- the warehouse holds what ``plpred run`` leaves in one process over the same source, leagues
  and clock (run alongside the cluster, into a second Postgres warehouse): every table of the
  schemas ml, betting and marts, but for the run ids and the ids made from them
  (``tests/dags/test_pipeline.py``, ``EXCLUDED_COLUMNS``).

No mocks: real Airflow, Celery, Redis, dbt and Postgres. Skipped without Postgres or Redis
(failed instead with ``PLPRED_REQUIRE_POSTGRES=1`` or ``PLPRED_REQUIRE_REDIS=1``, as in CI).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from ml.config import PROJECT_ROOT, PostgresSettings, Settings
from ml.orchestration.airflow_celery import (
    FAST_SCHEDULING,
    CeleryAirflow,
    Component,
    Processes,
    celery_env,
    components,
    postgres_url,
)
from ml.orchestration.airflow_local import api_healthy, free_port, local_airflow, setup_commands
from tests.conftest import postgres_admin
from tests.dags.test_many_leagues import AT, LEAGUES
from tests.dags.test_pipeline import COMPARED_SCHEMAS, _differences, _tables
from tests.football_data_files import write_synthetic_leagues

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CHAIN = ("plpred_ingest", "plpred_transform", "plpred_train", "plpred_score_and_bet")
WORKERS = ("worker-1", "worker-2")
RUN_ID = "celery_test"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# The key that claims a Redis database index for one run of this test.
REDIS_CLAIM = "plpred:tests:dags:test_celery"
# Whatever the caller's shell or the DAG tests' conftest point elsewhere stays out of the cluster.
FOREIGN_ENV = ("PLPRED_DUCKDB_PATH", "MLFLOW_TRACKING_URI", "PLPRED_WAREHOUSE_CONN_ID")
STARTUP_TIMEOUT = 240
CHAIN_TIMEOUT = 15 * 60


@contextlib.contextmanager
def _redis_db() -> Iterator[int]:
    """A Redis database index that only this run uses: the first empty one from 15 down,
    claimed with a key, and flushed (that index alone) after."""
    import redis

    try:
        redis.Redis(REDIS_HOST, REDIS_PORT, socket_connect_timeout=3).ping()
    except redis.exceptions.ConnectionError as exc:
        message = f"no Redis at {REDIS_HOST}:{REDIS_PORT}: {exc}"
        if os.environ.get("PLPRED_REQUIRE_REDIS") == "1":
            pytest.fail(message + " (PLPRED_REQUIRE_REDIS=1)")
        pytest.skip(message)
    token = uuid.uuid4().hex
    for index in range(15, 0, -1):
        client = redis.Redis(REDIS_HOST, REDIS_PORT, db=index)
        if client.dbsize() == 0 and client.set(REDIS_CLAIM, token, nx=True):
            break
        client.close()
    else:
        pytest.fail("no empty Redis database (indexes 1 to 15) for this test's broker")
    try:
        yield index
    finally:
        if client.get(REDIS_CLAIM) == token.encode():
            client.flushdb()
        client.close()


@contextlib.contextmanager
def _databases(*roles: str) -> Iterator[dict[str, str]]:
    """A new Postgres database per role, dropped after."""
    admin = postgres_admin()
    prefix = f"plpred_test_{uuid.uuid4().hex[:12]}"
    names = {role: f"{prefix}_{role}" for role in roles}
    try:
        for name in names.values():
            admin.cursor().execute(f'create database "{name}"')
        yield names
    finally:
        for name in names.values():
            admin.cursor().execute(f'drop database if exists "{name}" with (force)')
        admin.close()


class Metadata:
    """Queries on the cluster's metadata database."""

    def __init__(self, postgres: PostgresSettings, dbname: str) -> None:
        self.dsn = postgres.dsn(dbname)

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg2

        conn = psycopg2.connect(self.dsn, connect_timeout=5)
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        except psycopg2.errors.UndefinedTable:  # not migrated yet
            return []
        finally:
            conn.close()

    def dags_parsed(self) -> set[str]:
        return {
            row[0]
            for row in self.rows(
                "select d.dag_id from dag d join serialized_dag s on s.dag_id = d.dag_id "
                "where not d.is_paused"
            )
        }

    def runs(self) -> list[tuple[str, str, str, str]]:
        return self.rows("select dag_id, run_id, run_type, state from dag_run order by id")

    def tasks(self) -> list[tuple]:
        return self.rows(
            "select dag_id, run_id, task_id, map_index, state, hostname, try_number "
            "from task_instance order by start_date nulls last"
        )

    def queued_asset_events(self) -> int:
        return int(self.rows("select count(*) from asset_dag_run_queue")[0][0])


def _wait(what: str, ready, processes: Processes, timeout: float) -> float:
    """Seconds until ``ready()``; fails when a component ends or after ``timeout``."""
    started = time.perf_counter()
    while not ready():
        if ended := processes.exited():
            name, code = next(iter(ended.items()))
            pytest.fail(f"{name} exited ({code}) while waiting for {what}:\n{processes.tail(name)}")
        if time.perf_counter() - started > timeout:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.5)
    return time.perf_counter() - started


def _task_log(home: Path, dag_id: str, run_id: str, task_id: str, map_index: int) -> str:
    """The last attempt's log of a task instance, its events one per line."""
    folder = home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
    if map_index >= 0:
        folder = folder / f"map_index={map_index}"
    attempts = sorted(glob.glob(glob.escape(str(folder)) + "/attempt=*.log"))
    if not attempts:
        return f"(no log under {folder})"
    lines = []
    for line in Path(attempts[-1]).read_text(errors="replace").splitlines()[-60:]:
        try:
            event = json.loads(line)
        except ValueError:
            lines.append(line)
            continue
        text = f"{event.get('level', '')}: {event.get('event', '')}"
        for detail in event.get("error_detail") or ():
            text += f"\n  {detail.get('exc_type')}: {detail.get('exc_value')}"
        lines.append(text)
    return "\n".join(lines)


def _chain_failure(metadata: Metadata, home: Path, processes: Processes, why: str) -> str:
    """What went wrong: the runs, and every failed task instance with its log."""
    parts = [why, "DAG runs: " + ", ".join(f"{d} {r} {s}" for d, r, _, s in metadata.runs())]
    for dag_id, run_id, task_id, map_index, state, host, tries in metadata.tasks():
        if state in ("failed", "up_for_retry"):
            where = f"{dag_id} {run_id} {task_id}[{map_index}] on {host} (try {tries}): {state}"
            parts.append(f"--- {where}\n{_task_log(home, dag_id, run_id, task_id, map_index)}")
    if len(parts) == 2:
        for name in ("scheduler", *WORKERS):
            parts.append(f"--- {name} (last lines)\n{processes.tail(name, 25)}")
    return "\n".join(parts)


def _chain_done(metadata: Metadata, home: Path, processes: Processes) -> bool:
    """True once every DAG of the chain has a successful run and nothing is left to run;
    fails the test at the first failed run or task."""
    runs = metadata.runs()
    if any(state == "failed" for *_, state in runs) or any(
        task[4] == "failed" for task in metadata.tasks()
    ):
        pytest.fail(_chain_failure(metadata, home, processes, "a DAG run failed"))
    succeeded = {dag_id for dag_id, _, _, state in runs if state == "success"}
    finished = all(state in ("success", "failed") for *_, state in runs)
    return succeeded >= set(CHAIN) and finished and metadata.queued_asset_events() == 0


def _base_env(postgres: PostgresSettings, dbname: str, home: Path, source: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AIRFLOW") and key not in FOREIGN_ENV
    }
    env.update(
        {
            "PGHOST": postgres.host,
            "PGPORT": str(postgres.port),
            "PGUSER": postgres.user,
            "PGDATABASE": dbname,
            "PLPRED_HOME": str(home),
            "PLPRED_TARGET": "postgres",
            "PLPRED_SOURCE": str(source),
        }
    )
    return env


def _summary(metadata: Metadata) -> str:
    """Each DAG run's seconds and its tasks' (the sum of their durations), per worker."""
    lines = []
    for dag_id, run_type, state, seconds, tasks, busy in metadata.rows(
        "select r.dag_id, r.run_type, r.state, "
        "extract(epoch from r.end_date - r.start_date), count(t.task_id), sum(t.duration) "
        "from dag_run r left join task_instance t on t.dag_id = r.dag_id and t.run_id = r.run_id "
        "group by r.id order by r.id"
    ):
        lines.append(
            f"{dag_id} ({run_type}) {state}: {float(seconds or 0):.1f} s, "
            f"{tasks} task instances, {float(busy or 0):.1f} s in tasks"
        )
    for host, count, busy in metadata.rows(
        "select hostname, count(*), sum(duration) from task_instance "
        "where hostname <> '' group by 1 order by 1"
    ):
        lines.append(f"{host}: {count} task instances, {float(busy or 0):.1f} s")
    return "\n".join(lines)


def test_the_mapped_dags_spread_over_two_celery_workers_and_match_one_process(
    tmp_path: Path,
) -> None:
    started = time.perf_counter()

    def mark(what: str) -> None:
        print(f"{time.perf_counter() - started:6.1f} s  {what}", flush=True)

    postgres = PostgresSettings.from_env()
    source = tmp_path / "football-data"
    write_synthetic_leagues(
        source, tuple(LEAGUES), fixtures_of=("E0",), n_seasons=3, first_year=2023, n_teams=10
    )
    with (
        _redis_db() as redis_db,
        _databases("airflow", "dags", "cli") as db,
        Processes(tmp_path / "logs") as cluster_processes,
        Processes(tmp_path / "logs") as baseline,
    ):
        # plpred run in one process, on the same source at the same clock, into its own home
        # and warehouse, alongside the cluster (whose tasks run one at a time).
        cli = baseline.start(
            Component(
                "plpred-run",
                [sys.executable, "-m", "ml.orchestration.cli", "run", "--quick"]
                + ["--league", ",".join(LEAGUES), "--as-of", AT.isoformat()],
                _base_env(postgres, db["cli"], tmp_path / "cli-home", source),
            ),
            cwd=PROJECT_ROOT,
        )

        home = tmp_path / "home"
        settings = Settings(
            home=home,
            target="postgres",
            source=str(source),
            postgres=replace(postgres, dbname=db["dags"]),
        )
        local = local_airflow(settings, port=free_port(), login=False)
        cluster = CeleryAirflow(
            local=local,
            broker_url=f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}",
            workers=WORKERS,
            concurrency=1,
            triggerer=False,  # the DAGs defer nothing
        )
        base = _base_env(postgres, db["dags"], home, source)
        base.update(FAST_SCHEDULING)
        base.update(
            {
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres_url(postgres, db["airflow"]),
                "PLPRED_TRAIN_QUICK": "1",
                # Not Airflow's default log server ports, which another Airflow may hold.
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            }
        )
        env = celery_env(settings, cluster, base=base)
        local.home.mkdir(parents=True)
        migrate, pool = setup_commands()
        _run_ok(migrate, env)
        mark("metadata database migrated")

        parts = {component.name: component for component in components(cluster, env)}
        for name in ("api-server", "dag-processor", *WORKERS):
            cluster_processes.start(parts[name])
        _run_ok(pool, env)
        metadata = Metadata(postgres, db["airflow"])
        _wait(
            "the four DAGs",
            lambda: metadata.dags_parsed() >= set(CHAIN),
            cluster_processes,
            STARTUP_TIMEOUT,
        )
        # The workers' tasks report to its execution API from their first moment.
        _wait("the API server", lambda: api_healthy(local.url), cluster_processes, STARTUP_TIMEOUT)
        mark("pool set, DAGs parsed, API server up")

        # Triggered before the scheduler starts: were the scheduler to create the daily run of
        # 07:00 London time (it does in the first 2.4 hours after it, run_immediately=False
        # notwithstanding), that run would come after this one (an earlier run_after).
        _trigger(local.url, CHAIN[0], {"leagues": LEAGUES, "seasons": "", "snapshots": ""})
        cluster_processes.start(parts["scheduler"])
        mark(f"{CHAIN[0]} triggered, scheduler started")

        _wait(
            "the chain",
            lambda: _chain_done(metadata, home, cluster_processes),
            cluster_processes,
            CHAIN_TIMEOUT,
        )
        mark("chain done:\n" + _summary(metadata))

        tasks = metadata.tasks()
        ran = [task for task in tasks if task[5]]  # a hostname: the task ran on a worker
        hosts = {task[5] for task in ran}
        assert hosts == set(WORKERS), f"task instances ran on {hosts}, not on {WORKERS}"
        mapped = {task[5] for task in ran if task[3] >= 0}
        assert mapped == set(WORKERS), f"the mapped (per-league) instances ran on {mapped}"
        train = sorted(
            task[3] for task in tasks if task[:1] + task[2:3] == ("plpred_train", "train")
        )
        assert train == [0, 1, 2]
        runs = {(dag_id, state) for dag_id, _, _, state in metadata.runs()}
        assert runs >= {(dag_id, "success") for dag_id in CHAIN}

        assert cli.wait(timeout=CHAIN_TIMEOUT) == 0, baseline.tail("plpred-run", 60)
        mark("plpred run done")
        cli_settings = replace(settings, postgres=replace(postgres, dbname=db["cli"]))
        dag_tables = _tables(COMPARED_SCHEMAS, settings)
        cli_tables = _tables(COMPARED_SCHEMAS, cli_settings)
        assert _differences(dag_tables, cli_tables) == {}
        for table in (
            "ml.predictions",
            "betting.bets",
            "ml.model_evaluations",
            "marts.fct_matches",
        ):
            assert len(dag_tables[table]) > 0, table
        mark("warehouses compared")
    mark("processes stopped, databases dropped")


def _trigger(url: str, dag_id: str, conf: dict) -> None:
    """A run of ``dag_id`` at the clock AT through the API server's REST API (what the UI's
    Trigger button does; a token for the asking, as everyone is admin here), rather than
    `airflow dags trigger`, a process that takes seconds to import Airflow."""
    with urllib.request.urlopen(f"{url}/auth/token", timeout=30) as response:
        token = json.load(response)["access_token"]
    body = {"dag_run_id": RUN_ID, "logical_date": AT.isoformat(), "conf": conf}
    request = urllib.request.Request(
        f"{url}/api/v2/dags/{dag_id}/dagRuns",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.load(response)["state"] == "queued"


def _run_ok(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(command[3:])}:\n{done.stdout}\n{done.stderr}"
