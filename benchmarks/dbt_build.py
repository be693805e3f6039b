"""dbt's own cost per build, in-process, on a small synthetic warehouse.

Usage: ``uv run python benchmarks/dbt_build.py [--repeat 3] [--threads 2] [--log-level info]``

A four-season synthetic league (tests/football_data_files.py) is ingested into a new DuckDB
home; then, in one process (so imports and dbt's start-up are paid once, before the clock),
each kind of build the pipeline makes is timed ``--repeat`` times:

- a full build, every model and data test (the unit tests left out, as after their first pass);
- a replay tick's build: the models the steps read, no tests
  (``ml.orchestration.steps.DISPLAY_ONLY_SELECTION`` left out);
- every model without tests (what a replay tick built before that selection existed).

The data is tiny, so what is measured is dbt's cost per node. ``--threads`` and
``--log-level`` set ``PLPRED_DBT_THREADS`` and ``PLPRED_DBT_LOG_LEVEL`` for the run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from _common import OUT, QUIET, speed_line, synthetic_warehouse
from rich.table import Table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", default=None, help="PLPRED_DBT_THREADS (default: its own)")
    parser.add_argument("--log-level", default=None, help="PLPRED_DBT_LOG_LEVEL (default: info)")
    args = parser.parse_args()
    OUT.print(f"before: {speed_line()}")

    from ml.orchestration.steps import ALL_TESTS_SELECTION, DISPLAY_ONLY_SELECTION
    from ml.warehouse.dbt import build, dbt_log_level, dbt_threads

    with tempfile.TemporaryDirectory() as root:
        if args.threads:
            os.environ["PLPRED_DBT_THREADS"] = args.threads
        if args.log_level:
            os.environ["PLPRED_DBT_LOG_LEVEL"] = args.log_level
        settings = synthetic_warehouse(root)
        build(settings, console=QUIET)  # creates everything and runs the unit tests once
        kinds = {
            "full build (models, seed, data tests)": {},
            "replay tick (the models steps read)": {
                "exclude": f"{ALL_TESTS_SELECTION} {DISPLAY_ONLY_SELECTION}"
            },
            "every model, no tests": {"exclude": ALL_TESTS_SELECTION},
        }
        table = Table(
            title=f"dbt build in-process, DuckDB, threads {dbt_threads(settings)}, "
            f"log {dbt_log_level()}, load {os.getloadavg()[0]:.2f}"
        )
        table.add_column("build")
        table.add_column("nodes", justify="right")
        table.add_column("seconds, each run", justify="right")
        for label, options in kinds.items():
            seconds = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                summary = build(settings, console=QUIET, **options)
                seconds.append(time.perf_counter() - started)
            nodes = sum(summary.invocations[0].counts.values())
            table.add_row(label, str(nodes), "  ".join(f"{s:.2f}" for s in seconds))
        OUT.print(table)
    OUT.print(f"after: {speed_line()}")


if __name__ == "__main__":
    main()
