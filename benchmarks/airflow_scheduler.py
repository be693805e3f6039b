"""Benchmark of the DAG chain in the real scheduler (``plpred airflow``), not ``dag.test()``.

    uv run python benchmarks/airflow_scheduler.py                 # the mirror's E0 seasons
    uv run python benchmarks/airflow_scheduler.py --synthetic     # a small synthetic league
    uv run python benchmarks/airflow_scheduler.py --screenshot docs/airflow-grid.png

``benchmarks/airflow_chain.py`` times the DAGs with ``dag.test()``, in one process and without
a scheduler. What the scheduler adds (parsing, queueing, one task process per task, the asset
events that chain the DAGs, the pool) only shows in a real one: with astronomer-cosmos's task
per dbt model the transform DAG took 7 min 29 s there against 15-25 s for ``plpred
transform``. This benchmark measures that:

1. ``plpred airflow --no-login`` (``airflow standalone``: LocalExecutor, SQLite metadata
   database) in a fresh temporary ``PLPRED_HOME`` on DuckDB, on a free port, with
   ``PLPRED_TRAIN_QUICK=1``; it waits for the API server's health endpoint and the four DAGs;
2. triggers ``plpred_ingest`` with ``airflow dags trigger`` in the environment ``plpred
   airflow`` gives its processes (:func:`ml.orchestration.airflow_local.airflow_env`), unless the scheduler
   created a run of it by itself (Airflow 3.3.2 created the run of the day's 07:00 as soon as
   the DAG was first scheduled, at 08:11); then polls the metadata database until
   plpred_ingest, plpred_transform, plpred_train and plpred_score_and_bet have each finished a
   run (they chain by assets), or the timeout;
3. prints each DAG run's state and wall seconds, each transform task's seconds, the gaps the
   scheduler leaves between the DAGs, then ``plpred ingest`` and ``plpred transform`` in
   another fresh home on the same data, and the ratio transform DAG / CLI transform.

Airflow is stopped (its process group) before the CLI runs, so the two do not compete. The
load average is printed before, after the chain and at the end: on a busy 2-core machine the
numbers move with it. It prints numbers and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from _common import MIRROR, OUT
from rich.table import Table

from ml.config import PROJECT_ROOT
from ml.orchestration.airflow_local import api_healthy, free_port, stop_group

CHAIN = ("plpred_ingest", "plpred_transform", "plpred_train", "plpred_score_and_bet")
TRANSFORM = "plpred_transform"
TERMINAL = ("success", "failed")
# Whatever the caller's shell points elsewhere must not leak into the fresh homes.
FOREIGN_ENV = ("PLPRED_DUCKDB_PATH", "MLFLOW_TRACKING_URI", "PLPRED_WAREHOUSE_CONN_ID")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _source(root: Path, args: argparse.Namespace) -> Path:
    """The mirror (or ``--source``), or with ``--synthetic`` a small made-up league."""
    if args.synthetic:
        sys.path.insert(0, str(PROJECT_ROOT))
        from tests.football_data_files import write_synthetic_source

        source = root / "synthetic"
        write_synthetic_source(source, n_seasons=4, first_year=date.today().year - 3)
        return source
    source = Path(args.source).resolve()
    if not source.is_dir():
        raise SystemExit(f"no source folder at {source}; pass --source or --synthetic")
    return source


def _base_env(home: Path, source: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW")}
    env.update(
        {
            "PLPRED_HOME": str(home),
            "PLPRED_TARGET": "duckdb",
            "PLPRED_SOURCE": str(source),
            "PLPRED_TRAIN_QUICK": "1",
        }
    )
    return env


def _ts(value: str | None) -> datetime | None:
    """A timestamp of Airflow's SQLite database (UTC, with or without its offset)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start and end else None


def _fmt(seconds: float | None) -> str:
    return "" if seconds is None else f"{round(seconds, 1) + 0.0:.1f}"  # no "-0.0"


@dataclass
class Run:
    dag_id: str
    run_id: str
    run_type: str
    state: str
    queued_at: datetime | None
    start: datetime | None
    end: datetime | None


class Metadata:
    """Read-only queries on the local Airflow's SQLite metadata database."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        if not self.path.exists():
            return []
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # tables not created yet, or locked for too long
            return []
        finally:
            conn.close()

    def dags_ready(self) -> bool:
        marks = ",".join("?" * len(CHAIN))
        rows = self._rows(
            f"select d.dag_id from dag d join serialized_dag s on s.dag_id = d.dag_id "
            f"where d.dag_id in ({marks}) and not d.is_paused",
            CHAIN,
        )
        return {row[0] for row in rows} == set(CHAIN)

    def first_runs(self) -> dict[str, Run]:
        rows = self._rows(
            "select dag_id, run_id, run_type, state, queued_at, start_date, end_date "
            "from dag_run order by id"
        )
        runs: dict[str, Run] = {}
        for dag_id, run_id, run_type, state, queued, start, end in rows:
            if dag_id in CHAIN and dag_id not in runs:
                runs[dag_id] = Run(
                    dag_id, run_id, run_type, state, _ts(queued), _ts(start), _ts(end)
                )
        return runs

    def tasks(self, run: Run) -> list[tuple]:
        rows = self._rows(
            "select task_id, state, try_number, queued_dttm, start_date, end_date, duration "
            "from task_instance where dag_id = ? and run_id = ? order by start_date, task_id",
            (run.dag_id, run.run_id),
        )
        return [(t, s, n, _ts(q), _ts(b), _ts(e), d) for t, s, n, q, b, e, d in rows]


class LocalAirflow:
    """``plpred airflow --no-login`` as a process group of this benchmark."""

    def __init__(self, root: Path, source: Path) -> None:
        self.home = root / "home-airflow"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = _base_env(self.home, source)
        # Airflow's log servers default to 8793/8794 on every interface: free ports instead,
        # so another local Airflow (or a test run) does not collide with this one.
        env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] = str(free_port())
        env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"] = str(free_port())
        self.base_env = env
        self.log = root / "airflow-standalone.log"
        self.metadata = Metadata(self.home / "airflow" / "airflow.db")
        self.source = source
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        """The environment ``plpred airflow`` gives Airflow's processes (and its tasks)."""
        from ml.config import Settings
        from ml.orchestration import airflow_local

        league = self.base_env.get("PLPRED_LEAGUE", "E0")
        settings = Settings(home=self.home, target="duckdb", source=str(self.source), league=league)
        local = airflow_local.local_airflow(settings, port=self.port, login=False)
        return airflow_local.airflow_env(settings, local, base=self.base_env)

    def start(self) -> None:
        command = ["uv", "run", "plpred", "airflow", "--no-login", "--port", str(self.port)]
        command += ["--target", "duckdb", "--source", str(self.source)]
        OUT.print(f"$ {' '.join(command)}   (PLPRED_HOME={self.home}, PLPRED_TRAIN_QUICK=1)")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=self.base_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as one
            )

    def healthy(self) -> bool:
        return api_healthy(self.url)

    def wait(self, what: str, ready, timeout: float) -> float:
        started = time.perf_counter()
        while not ready():
            if self.process and self.process.poll() is not None:
                raise SystemExit(
                    f"plpred airflow exited ({self.process.returncode}): {self.tail()}"
                )
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(1)
        return time.perf_counter() - started

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL to what is left after a minute."""
        if self.process is None:
            return
        stop_group(self.process, timeout=60)
        self.process = None


def _screenshot(url: str, path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        OUT.print("no chromium on PATH (apt-get install -y chromium): no screenshot")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--hide-scrollbars",
        "--virtual-time-budget=20000",
        "--window-size=1400,900",
        f"--screenshot={path}",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    OUT.print(f"screenshot of {url}: {path} (chromium exit {done.returncode})")


def _chain(airflow: LocalAirflow, args: argparse.Namespace) -> tuple[float, str, dict[str, Run]]:
    """Start one plpred_ingest run and wait for a finished run of each DAG of the chain.

    The daily ingest's timetable (07:00, no start date) may make the scheduler create the run of
    today's 07:00 on its own as soon as the DAG is first scheduled. A trigger on top of it would
    queue a second ingest, which takes the warehouse pool between the transform's tasks (and is
    then skipped as a re-run): when the scheduler started one by itself, that run starts the
    chain and nothing is triggered.
    """
    grace = time.perf_counter() + args.grace
    while time.perf_counter() < grace and CHAIN[0] not in airflow.metadata.first_runs():
        time.sleep(1)
    own = airflow.metadata.first_runs().get(CHAIN[0])
    if own and own.queued_at:
        OUT.print(f"the scheduler created {CHAIN[0]} {own.run_id} by itself: not triggered")
        started, how = own.queued_at.timestamp(), f"{own.run_type} run created"
    else:
        trigger = [sys.executable, "-m", "airflow", "dags", "trigger", CHAIN[0]]
        OUT.print(f"$ {' '.join(trigger[1:])}")
        started, how = time.time(), "airflow dags trigger"
        subprocess.run(trigger, env=airflow.env(), check=True, stdout=subprocess.DEVNULL)
    deadline = time.perf_counter() + args.timeout * 60
    seen: dict[str, str] = {}
    while True:
        runs = airflow.metadata.first_runs()
        for dag_id, run in runs.items():
            if seen.get(dag_id) != run.state:
                seen[dag_id] = run.state
                OUT.print(f"  {time.time() - started:6.0f} s  {dag_id}: {run.state}")
        if all(runs.get(d) and runs[d].state in TERMINAL for d in CHAIN):
            break
        if any(run.state == "failed" for run in runs.values()):
            OUT.print("a DAG run failed: the chain stops there")
            break
        if time.perf_counter() > deadline:
            OUT.print(f"timed out after {args.timeout} min; the chain got as far as {seen}")
            break
        time.sleep(2)
    return started, how, runs


def _report(airflow: LocalAirflow, started: float, how: str, runs: dict[str, Run]) -> float | None:
    table = Table(title="DAG runs in the scheduler (seconds, wall clock)")
    for column in ("DAG", "run type", "state", "queued -> start", "wall (end - start)"):
        table.add_column(
            column, justify="left" if column in ("DAG", "run type", "state") else "right"
        )
    for dag_id in CHAIN:
        run = runs.get(dag_id)
        if run is None:
            table.add_row(dag_id, "", "no run", "", "")
            continue
        table.add_row(
            dag_id,
            run.run_type,
            run.state,
            _fmt(_seconds(run.queued_at, run.start)),
            _fmt(_seconds(run.start, run.end)),
        )
    OUT.print(table)

    transform = runs.get(TRANSFORM)
    if transform:
        table = Table(title=f"{TRANSFORM} tasks (seconds)")
        columns = ("task", "state", "try", "after the previous", "queued -> start", "duration")
        for column in columns:
            table.add_column(column, justify="left" if column in ("task", "state") else "right")
        previous_end, total = transform.start, 0.0
        for task_id, state, tries, queued, start, end, duration in airflow.metadata.tasks(
            transform
        ):
            seconds = duration if duration is not None else _seconds(start, end)
            total += seconds or 0.0
            table.add_row(
                task_id,
                state or "",
                str(tries),
                _fmt(_seconds(previous_end, start)),
                _fmt(_seconds(queued, start)),
                _fmt(seconds),
            )
            previous_end = end
        table.add_row("sum of the tasks", "", "", "", "", _fmt(total))
        table.add_row(
            "the run, end - start", "", "", "", "", _fmt(_seconds(transform.start, transform.end))
        )
        OUT.print(table)

    table = Table(title="Gaps the scheduler leaves between the DAGs (seconds)")
    table.add_column("from")
    table.add_column("to")
    table.add_column("run created after", justify="right")
    table.add_column("run started after", justify="right")
    first = runs.get(CHAIN[0])
    if first:
        at = datetime.fromtimestamp(started, UTC)
        table.add_row(how, CHAIN[0], "", _fmt(_seconds(at, first.start)))
    for before, after in zip(CHAIN, CHAIN[1:], strict=False):
        a, b = runs.get(before), runs.get(after)
        if a and b:
            table.add_row(
                f"{before} end",
                after,
                _fmt(_seconds(a.end, b.queued_at)),
                _fmt(_seconds(a.end, b.start)),
            )
    OUT.print(table)
    last = runs.get(CHAIN[-1])
    if first and last and last.end:
        at = datetime.fromtimestamp(started, UTC)
        OUT.print(f"whole chain, {how} -> {CHAIN[-1]} end: {_seconds(at, last.end):.1f} s")
    return _seconds(transform.start, transform.end) if transform else None


def _cli(root: Path, source: Path) -> dict[str, float]:
    env = _base_env(root / "home-cli", source)
    times: dict[str, float] = {}
    for step in ("ingest", "transform"):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "ml.orchestration.cli", step],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times[step] = time.perf_counter() - started
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=str(MIRROR), help="football-data folder (the mirror)")
    parser.add_argument("--synthetic", action="store_true", help="a small synthetic league")
    parser.add_argument("--timeout", type=float, default=30, help="minutes to wait for the chain")
    parser.add_argument(
        "--grace", type=float, default=20, help="seconds to wait for a scheduled ingest run"
    )
    parser.add_argument("--screenshot", type=Path, help="PNG of the transform DAG's grid")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="plpred-bench-scheduler-"))
    airflow: LocalAirflow | None = None
    try:
        source = _source(root, args)
        OUT.print(f"source: {source}   cores: {os.cpu_count()}")
        load_before = _load()
        OUT.print(f"load average before (1, 5, 15 min): {load_before}")
        airflow = LocalAirflow(root, source)
        airflow.start()
        up = airflow.wait("the API server", airflow.healthy, 300)
        OUT.print(f"API server healthy after {up:.1f} s at {airflow.url}")
        parsed = airflow.wait("the four DAGs", airflow.metadata.dags_ready, 300)
        OUT.print(f"the four DAGs parsed and unpaused {parsed:.1f} s later")
        started, how, runs = _chain(airflow, args)
        load_chain = _load()
        if args.screenshot and runs.get(TRANSFORM):
            _screenshot(f"{airflow.url}/dags/{TRANSFORM}", args.screenshot.resolve())
        airflow.stop()

        OUT.print("CLI in a fresh home: plpred ingest, plpred transform")
        cli = _cli(root, source)
        load_after = _load()

        transform_dag = _report(airflow, started, how, runs)
        table = Table(title="CLI on the same data, fresh PLPRED_HOME (seconds)")
        table.add_column("command")
        table.add_column("seconds", justify="right")
        for step, seconds in cli.items():
            table.add_row(f"plpred {step}", f"{seconds:.1f}")
        OUT.print(table)
        if transform_dag is not None:
            ratio = transform_dag / cli["transform"]
            OUT.print(
                f"transform DAG / CLI transform = {transform_dag:.1f} / {cli['transform']:.1f} "
                f"= {ratio:.2f}"
            )
        OUT.print(
            f"load average (1, 5, 15 min): before {load_before}; after the chain {load_chain}; "
            f"after the CLI {load_after}   ({os.cpu_count()} cores)"
        )
    finally:
        if airflow is not None:
            airflow.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
