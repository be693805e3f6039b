"""Benchmark of the orchestration: one full DAG chain with ``dag.test()`` against the same
steps run as CLI commands, on the same data, each in a fresh PLPRED_HOME on DuckDB.

    uv run python benchmarks/airflow_chain.py              # the mirror's E0 seasons (and fixtures)
    uv run python benchmarks/airflow_chain.py --synthetic  # a small synthetic league instead

The chain is plpred_ingest, plpred_transform, plpred_train (quick), plpred_score_and_bet, each
DAG's ``test()`` in the order its assets would trigger it; the CLI is
``plpred ingest && plpred transform && plpred train --quick && plpred score && plpred bet &&
plpred settle``. The chain also backtests and rebuilds the ledger marts, which the CLI sequence
does not: it does a little more work. Target: the chain within 2x of the CLI. The one-time
costs of Airflow (metadata database, first parse of the DAGs) are reported
apart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import MIRROR, OUT, Stopwatch

from ml.config import PROJECT_ROOT

DAGS_DIR = PROJECT_ROOT / "dags"
CHAIN = ("plpred_ingest", "plpred_transform", "plpred_train", "plpred_score_and_bet")
CLI = (["ingest"], ["transform"], ["train", "--quick"], ["score"], ["bet"], ["settle"])


def _airflow_env(home: Path) -> dict[str, str]:
    """What Airflow must see before it is first imported (it reads its config at import)."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "DO_NOT_TRACK": "1",
        "SCARF_NO_ANALYTICS": "true",
    }


def _source(root: Path) -> Path:
    """The mirror's E0 seasons and fixtures, or (``--synthetic``) a small made-up league."""
    if "--synthetic" in sys.argv or not (MIRROR / "E0").is_dir():
        sys.path.insert(0, str(PROJECT_ROOT))
        from tests.football_data_files import write_synthetic_source

        source = root / "synthetic"
        write_synthetic_source(source, n_seasons=4, first_year=date.today().year - 3)
        return source
    return MIRROR


def _chain(watch: Stopwatch, home: Path) -> float:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.db import initdb

    with watch.time("Airflow, once: metadata database (SQLite)"):
        initdb()
    with watch.time("Airflow, once: parse the DAGs"):
        bag = DagBag(dag_folder=str(DAGS_DIR))
    os.environ["PLPRED_HOME"] = str(home)
    started = time.perf_counter()
    for dag_id in CHAIN:
        with watch.time(f"  dag.test() {dag_id}"):
            run = bag.get_dag(dag_id).test(run_conf={"quick": True} if "train" in dag_id else None)
        if str(run.state) != "success":
            raise SystemExit(f"{dag_id} ended {run.state}")
    return time.perf_counter() - started


def _cli(watch: Stopwatch, home: Path) -> float:
    env = {**os.environ, "PLPRED_HOME": str(home)}
    started = time.perf_counter()
    for args in CLI:
        with watch.time(f"  plpred {' '.join(args)}"):
            subprocess.run(
                [sys.executable, "-m", "ml.orchestration.cli", *args],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
    return time.perf_counter() - started


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="plpred-bench-airflow-"))
    try:
        os.environ.update(_airflow_env(root / "airflow"))
        sys.path.insert(0, str(DAGS_DIR))
        source = _source(root)
        os.environ.update({"PLPRED_SOURCE": str(source), "PLPRED_TARGET": "duckdb"})
        OUT.print(f"source: {source}")
        watch = Stopwatch("Airflow chain against the CLI (seconds, wall clock, DuckDB)")
        chain = _chain(watch, root / "home-airflow")
        watch.rows.append(("Airflow chain, four dag.test() runs", chain))
        cli = _cli(watch, root / "home-cli")
        watch.rows.append(("CLI, six commands", cli))
        watch.print()
        OUT.print(f"chain / CLI = {chain / cli:.2f} (target: at most 2)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
