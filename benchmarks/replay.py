"""Benchmark of ``plpred replay``: the whole 2025-26 snapshot archive (every tick, 29 Jan to 25
May 2026), with the mirror's history seasons as the source, in a fresh PLPRED_HOME.

    uv run python benchmarks/replay.py [--quick] [--target postgres] [--from 2026-02-20]
        [--to 2026-03-06] [--dbt-tests last|every] [--no-report]

The replay runs as ``plpred replay`` does (retraining when the monitor step decides it, by
ml/retraining.toml; a refit when the champion is older than 7 days of replay time; dbt's data tests and the ledger marts at the
last tick unless ``--dbt-tests every``). Training config: the full ``TrainConfig()`` by default,
``--quick`` the CLI's quick one (logistic, small grid, two evaluation seasons). On Postgres
it creates its own database and drops it afterwards. Prints the seconds of every tick, the
seconds per step (total and per tick), the total, the replay summary, the monitor's decisions at
every tick and the live RPS of each champion version against the market.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace

from _common import OUT, peak_memory_mib, require_mirror, scratch_postgres_database
from rich.table import Table

from ml.clock import parse_as_of
from ml.config import get_settings
from ml.ingest.snapshots import SnapshotArchive
from ml.modeling.config import TrainConfig
from ml.orchestration.replay import quick_train_config, render_summary, replay, replay_times
from ml.orchestration.steps import RunOptions

ARCHIVE = "snapshots/2025-26"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=("duckdb", "postgres"), default="duckdb")
    parser.add_argument("--quick", action="store_true", help="the CLI's quick training config")
    parser.add_argument("--from", dest="start", help="first tick (default: the archive's first)")
    parser.add_argument("--to", dest="end", help="last tick (default: the archive's last)")
    parser.add_argument("--dbt-tests", choices=("last", "every"), default="last")
    parser.add_argument("--no-report", action="store_true", help="no report at the last tick")
    parser.add_argument(
        "--home",
        help="PLPRED_HOME to replay into and keep (default: a temporary one, removed after); "
        "benchmarks/monitor.py --home times one monitoring run on it",
    )
    return parser.parse_args()


def _run(args: argparse.Namespace, database: str | None) -> None:
    mirror = require_mirror()
    archive = mirror / ARCHIVE
    settings = get_settings(target=args.target, source=str(mirror))
    if database:
        settings = settings.with_overrides(postgres=replace(settings.postgres, dbname=database))
    every = args.dbt_tests == "every"
    options = RunOptions(
        train_config=quick_train_config() if args.quick else TrainConfig(),
        max_model_age_days=None,
        refit_age_days=7.0,  # ml/retraining.toml's [refit] max_age_days
        report=not args.no_report,
        dbt_tests=every,
        build_ledger_marts=every,
    )
    start = parse_as_of(args.start) if args.start else None
    end = parse_as_of(args.end) if args.end else None
    ticks = replay_times(SnapshotArchive.open(archive), league="E0", start=start, end=end)
    OUT.print(
        f"replay of {len(ticks)} ticks ({ticks[0]:%Y-%m-%d %H:%M} to {ticks[-1]:%Y-%m-%d %H:%M}"
        f" UTC) on {args.target}, {'quick' if args.quick else 'full'} training config, "
        f"dbt tests {args.dbt_tests}; PLPRED_HOME {settings.home}"
    )
    started = time.perf_counter()
    summary = replay(
        settings, snapshots=archive, start=start, end=end, options=options, console=OUT
    )
    total = time.perf_counter() - started

    steps = [step.name for step in summary.ticks[0].steps] if summary.ticks else []
    per_tick = Table(title=f"Seconds per tick ({args.target}; blank: skipped)")
    per_tick.add_column("tick (UTC)")
    per_tick.add_column("seconds", justify="right")
    for name in steps:
        per_tick.add_column(name, justify="right")
    for tick in summary.ticks:
        ran = {s.name: s for s in tick.steps}
        per_tick.add_row(
            f"{tick.as_of:%Y-%m-%d %H:%M}",
            f"{sum(s.seconds for s in tick.steps):.1f}",
            *(
                f"{ran[name].seconds:.1f}" if ran[name].status != "skipped" else ""
                for name in steps
            ),
        )
    OUT.print(per_tick)
    render_summary(summary, OUT)
    _print_decisions(settings)
    n = len(summary.ticks)
    OUT.print(
        f"[bold]total[/bold]: {total:.1f} s for {n} ticks ({total / max(n, 1):.1f} s per tick; "
        f"outcome read in {total - summary.seconds:.1f} s); peak memory "
        f"{peak_memory_mib():.0f} MiB"
    )


def _print_decisions(settings) -> None:
    """The monitor's decisions at every tick (monitoring.retraining_decisions), and the live
    RPS against the market between one model change and the next."""
    from ml.warehouse.connection import connect, read_sql

    with connect(settings) as conn:
        decisions = conn.query_df(read_sql("monitoring/select_decision_log.sql"), [settings.league])
        segments = conn.query_df(
            read_sql("monitoring/select_live_rps_by_version.sql"), [settings.league]
        )
    table = Table(title="Retraining decisions (monitoring.retraining_decisions)")
    for column in ("as_of", "trigger", "action", "before", "after", "reason"):
        table.add_column(column, overflow="fold")
    for row in decisions.itertuples(index=False):
        table.add_row(
            f"{row.as_of:%Y-%m-%d %H:%M}",
            row.trigger,
            row.action,
            str(row.model_version_before or ""),
            str(row.model_version_after or ""),
            row.reason,
        )
    OUT.print(table)
    per_version = Table(title="Live RPS per champion version, on the matches it predicted")
    for column in (
        "version",
        "matches",
        "first kickoff",
        "last kickoff",
        "model",
        "market pre",
        "gap",
    ):
        per_version.add_column(column, justify="right")
    for row in segments.itertuples(index=False):
        per_version.add_row(
            str(row.model_version),
            str(row.n_matches),
            f"{row.first_kickoff:%Y-%m-%d}",
            f"{row.last_kickoff:%Y-%m-%d}",
            f"{row.rps_model:.4f}",
            f"{row.rps_market_pre:.4f}",
            f"{row.rps_model - row.rps_market_pre:+.4f}",
        )
    OUT.print(per_version)


def main() -> None:
    args = _arguments()
    if args.home:
        os.environ["PLPRED_HOME"] = args.home
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        os.environ.pop("PLPRED_DUCKDB_PATH", None)
        _run(args, None)
        return
    with tempfile.TemporaryDirectory(prefix="plpred-replay-bench-") as home:
        os.environ["PLPRED_HOME"] = home
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        os.environ.pop("PLPRED_DUCKDB_PATH", None)
        if args.target == "postgres":
            with scratch_postgres_database() as database:
                os.environ["PGDATABASE"] = database
                _run(args, database)
        else:
            _run(args, None)


if __name__ == "__main__":
    main()
