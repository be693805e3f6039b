"""The project's DAGs on Airflow's CeleryExecutor, on one machine: ``plpred airflow --executor
celery`` and ``tests/dags/test_celery.py``.

``airflow standalone`` (what ``plpred airflow`` runs) only ever uses the LocalExecutor. With the
CeleryExecutor the scheduler puts each task instance, each league of a mapped task too, on a
broker's queue (Redis), and whichever Celery worker is free takes it. In Airflow 3 a worker runs
the task through the Task SDK, which talks to the API server's execution API, not to the
metadata database. So each component is its own process here:

- ``airflow api-server``: the UI and the execution API that the workers' tasks report to;
- ``airflow scheduler`` and ``airflow dag-processor`` (and ``airflow triggerer``, for the UI's
  launcher: the DAGs defer nothing);
- one ``airflow celery worker`` per worker, each with its own Celery hostname.

Their environment is :func:`ml.orchestration.airflow_local.airflow_env`'s (the same DAGs,
``PLPRED_*`` settings, pool and telemetry switches) with the CeleryExecutor, the broker, and
Celery's result backend on the metadata database, which must be a server (Postgres): Airflow
refuses SQLite with the CeleryExecutor.

Workers on one machine share its hostname, which Airflow records as the ``hostname`` of each
task instance a worker runs: :func:`worker_hostname`, Airflow's ``hostname_callable`` here, names
each task instance's worker instead, so the grid and ``task_instance.hostname`` show which worker
ran which league.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ml.config import PostgresSettings, Settings
from ml.orchestration.airflow_local import LocalAirflow, airflow_env, stop_group

CELERY_EXECUTOR = "CeleryExecutor"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
# Set per worker process; read by worker_hostname() in that worker's task supervisors.
WORKER_NAME_ENV = "PLPRED_AIRFLOW_WORKER"
HOSTNAME_CALLABLE = f"{__name__}.worker_hostname"

# Imported once by each worker at its start, before it forks the processes that run the tasks:
# every task process then finds them loaded, where it would otherwise import them anew (on a
# busy 2-core machine MLflow, scikit-learn and dbt take 5 to 8 s each, evidently about 10 s).
# What the steps import inside their functions is named here too (Celery's `imports` setting).
WORKER_IMPORTS = (
    "ml.orchestration.tasks",
    "ml.orchestration.steps",
    "ml.ingest",
    "ml.warehouse.dbt",
    "ml.modeling.train",
    "ml.modeling.score",
    "ml.betting.backtest",
    "ml.betting.place",
    "ml.betting.settle",
    "ml.monitoring.run",
    "ml.report",
    "mlflow",
    "mlflow.pyfunc",
    "mlflow.sklearn",
    "dbt.cli.main",
    "evidently",
    "evidently.presets",
)

# A scheduler that reacts within a second or so, for tests and benchmarks on one machine. Airflow's
# defaults suit a deployment: a scheduler heartbeat every 5 s, a DAG file re-parsed every 30 s.
# The DAG processor parses every file once at its start, which is all a test needs, so the
# re-parsing is pushed out instead of sped up: on two cores it would only take CPU from the tasks.
FAST_SCHEDULING = {
    "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
    "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",
    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "3600",
    "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
    # A worker's task supervisor waits in select() for up to this many seconds between looks
    # at its task process; when the process ends just after its last output, the task's slot
    # stays taken that long (5 s by default, seen as 5-6 s runs of 1 s tasks). It is also the
    # shortest interval between a running task's heartbeats.
    "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
    # One API server process: the UI and the execution API of a few workers need no more.
    "AIRFLOW__API__WORKERS": "1",
}


def worker_names(count: int) -> tuple[str, ...]:
    """``worker-1``, ``worker-2``, ...: the Celery hostnames (and task hostnames) of the workers."""
    if count < 1:
        raise ValueError(f"--workers must be at least 1, got {count}")
    return tuple(f"worker-{n}" for n in range(1, count + 1))


def worker_hostname() -> str:
    """The name of the Celery worker running this task (``PLPRED_AIRFLOW_WORKER``), else the
    machine's name, as Airflow's default ``hostname_callable`` gives it."""
    return os.environ.get(WORKER_NAME_ENV) or socket.getfqdn()


def postgres_url(
    postgres: PostgresSettings, dbname: str, driver: str = "postgresql+psycopg2"
) -> str:
    """A SQLAlchemy URL of a Postgres database (Airflow's metadata database, Celery's results)."""
    from sqlalchemy.engine import URL

    url = URL.create(
        driver,
        username=postgres.user,
        password=postgres.password or None,
        host=postgres.host,
        port=postgres.port,
        database=dbname,
    )
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class CeleryAirflow:
    """A local Airflow with the CeleryExecutor: where it lives and which workers it runs."""

    local: LocalAirflow
    broker_url: str = DEFAULT_BROKER
    workers: tuple[str, ...] = ("worker-1", "worker-2")
    # Task processes per worker. The warehouse pool runs one plpred task at a time anyway.
    concurrency: int = 1
    # None: Celery's results in the metadata database (db+ its URL), as Airflow's default.
    result_backend: str | None = None
    triggerer: bool = True


def celery_env(
    settings: Settings, cluster: CeleryAirflow, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of every component (and so every task) of the Celery cluster."""
    env = airflow_env(settings, cluster.local, base)
    metadata = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    if metadata.startswith("sqlite"):
        raise ValueError(
            "the CeleryExecutor needs a server metadata database: set "
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN to Postgres (docs/airflow.md)"
        )
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": CELERY_EXECUTOR,
            "AIRFLOW__CELERY__BROKER_URL": cluster.broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": cluster.result_backend or f"db+{metadata}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(cluster.concurrency),
            # The Task SDK in each worker reports every task's state through the API server.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{cluster.local.url}/execution/",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": HOSTNAME_CALLABLE,
            # Merged into Airflow's Celery configuration (the workers' only).
            "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": json.dumps({"imports": list(WORKER_IMPORTS)}),
        }
    )
    return env


@dataclass(frozen=True)
class Component:
    """One Airflow process of the cluster: its name, command line and environment."""

    name: str
    command: list[str]
    env: dict[str, str]


def components(cluster: CeleryAirflow, env: Mapping[str, str]) -> list[Component]:
    """The processes of the cluster, in the order they are started."""
    airflow = [sys.executable, "-m", "airflow"]
    local = cluster.local
    api = [*airflow, "api-server", "--host", local.host, "--port", str(local.port)]
    found = [
        Component("api-server", api, dict(env)),
        Component("dag-processor", [*airflow, "dag-processor"], dict(env)),
        Component("scheduler", [*airflow, "scheduler"], dict(env)),
    ]
    if cluster.triggerer:
        found.append(Component("triggerer", [*airflow, "triggerer"], dict(env)))
    for name in cluster.workers:
        worker = [
            *airflow,
            "celery",
            "worker",
            "--celery-hostname",
            f"{name}@%h",
            "--concurrency",
            str(cluster.concurrency),
            # Its tasks' logs are files under the shared AIRFLOW_HOME, which the API server
            # reads itself; a log server per worker would also fight over one port.
            "--skip-serve-logs",
            # Nothing to synchronise with the other workers: start at once.
            "--without-mingle",
            "--without-gossip",
        ]
        found.append(Component(name, worker, {**env, WORKER_NAME_ENV: name}))
    return found


class ComponentExited(RuntimeError):
    """An Airflow component of the cluster ended by itself."""


class Processes:
    """Child processes, each the leader of its own process group, its output in a log file;
    stopped together, group by group (also on leaving a ``with`` block)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, component: Component, cwd: Path | None = None) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.log(component.name).open("wb") as log:
            process = subprocess.Popen(
                component.command,
                env=component.env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[component.name] = process
        return process

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.log(name)
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def exited(self) -> dict[str, int]:
        """The processes that have ended, with their exit codes."""
        return {
            name: code
            for name, process in self.running.items()
            if (code := process.poll()) is not None
        }

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM to every group at once, then each is waited for (and killed if need be).
        Descendants in groups of their own (Airflow runs each task in a new one) that outlive
        their group are killed after."""
        import psutil

        descendants = []
        for process in self.running.values():
            with contextlib.suppress(psutil.Error):
                descendants += psutil.Process(process.pid).children(recursive=True)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running.values():
            stop_group(process, timeout)
        for child in descendants:
            with contextlib.suppress(psutil.Error):
                child.kill()
        self.running.clear()

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(
    cluster: CeleryAirflow, env: Mapping[str, str], console, *, poll_seconds: float = 1.0
) -> None:
    """Start every component, each with its log under ``$AIRFLOW_HOME/components/``, and keep
    them until Ctrl-C or SIGTERM, or until one of them ends (raising :class:`ComponentExited`);
    then stop them all. The metadata database and the pool must be set up already."""
    log_dir = cluster.local.home / "components"

    def interrupt(signum: int, frame: object) -> None:
        for sig in previous:  # once: a second Ctrl-C must not cut the stopping short
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt

    # Also when started in the background, where SIGINT may be ignored, and under a service
    # manager or `docker stop`, which send SIGTERM: the components are stopped, not orphaned.
    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        _serve(cluster, env, console, log_dir, poll_seconds)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(
    cluster: CeleryAirflow, env: Mapping[str, str], console, log_dir: Path, poll_seconds: float
) -> None:
    try:
        with Processes(log_dir) as processes:
            for component in components(cluster, env):
                processes.start(component)
            console.print(
                f"CeleryExecutor: broker {cluster.broker_url}, workers "
                f"{', '.join(cluster.workers)} (concurrency {cluster.concurrency}); the "
                f"components' logs in {log_dir}"
            )
            while not (ended := processes.exited()):
                time.sleep(poll_seconds)
            name, code = next(iter(ended.items()))
            raise ComponentExited(
                f"airflow {name} exited with code {code}: {processes.log(name)}\n"
                f"{processes.tail(name, 20)}"
            )
    except KeyboardInterrupt:
        console.print("the cluster is stopped")
