"""Benchmark of one monitoring run (``plpred monitor``) on a warehouse that lived through a
season: by default a fresh replay of the mirror's archive from 20 Feb to 31 Mar 2026 (the quick
training config), or the PLPRED_HOME of an earlier ``benchmarks/replay.py --home``.

    uv run python benchmarks/monitor.py [--home PATH] [--target duckdb|postgres]

Prints, in this process: the seconds of ``import evidently`` (paid once per process; the
catalogue imports it only in the monitor step), then of one monitoring run at a clock one
minute after the warehouse's last one (reads, drift, decision, the Evidently HTML, MLflow),
and of the same without the HTML and MLflow. The issue's budget: 5 s per run on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import datetime, timedelta

from _common import OUT, QUIET, require_mirror

from ml import clock
from ml.config import get_settings
from ml.monitoring.run import run_monitor
from ml.orchestration.replay import quick_train_config, replay
from ml.orchestration.steps import RunOptions
from ml.warehouse.connection import connect, read_sql

FAR_FUTURE = datetime(2100, 1, 1)  # the last run before it: the warehouse's last run


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="a PLPRED_HOME that a replay filled (default: replay now)")
    parser.add_argument("--target", choices=("duckdb", "postgres"), default="duckdb")
    return parser.parse_args()


def _measure(target: str) -> None:
    settings = get_settings(target=target, source=str(require_mirror()))
    with connect(settings) as conn:
        last = conn.scalar(read_sql("monitoring/select_last_run_as_of.sql"), ["E0", FAR_FUTURE])
    if last is None:
        OUT.print("filling the warehouse: a replay of 20 Feb to 31 Mar 2026 (quick config)")
        replay(
            settings,
            snapshots=require_mirror() / "snapshots/2025-26",
            start=clock.parse_as_of("2026-02-20"),
            end=clock.parse_as_of("2026-03-31"),
            options=RunOptions(
                train_config=quick_train_config(),
                max_model_age_days=None,
                report=False,
                dbt_tests=False,
                build_ledger_marts=False,
            ),
            console=QUIET,
            log=QUIET,
        )
        with connect(settings) as conn:
            last = conn.scalar(read_sql("monitoring/select_last_run_as_of.sql"), ["E0", FAR_FUTURE])
    started = time.perf_counter()
    import evidently  # noqa: F401

    OUT.print(f"import evidently: {time.perf_counter() - started:.1f} s (once per process)")
    for minutes, full in ((1, True), (2, False)):
        at = clock.as_utc(last + timedelta(minutes=minutes))
        started = time.perf_counter()
        result = run_monitor(
            settings, as_of=at, console=QUIET, log_to_mlflow=full, save_report=full
        )
        seconds = time.perf_counter() - started
        what = "with the HTML report and MLflow" if full else "without the HTML and MLflow"
        OUT.print(
            f"one monitoring run {what}: {seconds:.1f} s ({result.n_settled} settled matches, "
            f"{result.n_current} in the drift window, {len(result.metrics)} metrics; "
            f"status {result.status}, decision {result.decision.action})"
        )


def main() -> None:
    args = _arguments()
    if args.home:
        os.environ["PLPRED_HOME"] = args.home
        _measure(args.target)
        return
    with tempfile.TemporaryDirectory(prefix="plpred-monitor-bench-") as home:
        os.environ["PLPRED_HOME"] = home
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        os.environ.pop("PLPRED_DUCKDB_PATH", None)
        _measure(args.target)


if __name__ == "__main__":
    main()
