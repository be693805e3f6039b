"""Where a dbt build's time goes, node by node: a cProfile of dbt's node runners, and the
statements dbt sends to the warehouse.

Usage: ``uv run python benchmarks/dbt_profile.py [--top 30] [--target duckdb|postgres]``

A four-season synthetic league (tests/football_data_files.py) is ingested into a new home and
built once (so the unit tests and the first parse are out of the way); then one more full
build runs on one dbt thread with the profiler switched on inside each node's runner
(``BaseRunner.run_with_hooks``: compiling, materialising, testing, dbt's events; not the parse
or the graph). Prints the build's wall clock, the statements by kind and the functions with
the most cumulative and own time. cProfile roughly doubles the build's time; read the shares,
not the seconds. Asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from collections import Counter

from _common import OUT, QUIET, scratch_postgres_database, speed_line, synthetic_warehouse

# The statement's first words, dbt's query comment (/* {...} */) left out.
_COMMENT = re.compile(r"^\s*/\*.*?\*/\s*", re.S)


def _kind(sql: str) -> str:
    words = _COMMENT.sub("", sql).split()
    return " ".join(words[:2]).lower() if words else "(empty)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--target", default="duckdb", choices=("duckdb", "postgres"))
    args = parser.parse_args()
    OUT.print(f"before: {speed_line()}")
    if args.target == "postgres":
        with scratch_postgres_database() as database:
            os.environ["PGDATABASE"] = database
            _profile(args)
    else:
        _profile(args)
    OUT.print(f"after: {speed_line()}")


def _profile(args: argparse.Namespace) -> None:
    import dbt.task.base

    from ml.warehouse.dbt import build

    profiler = cProfile.Profile()
    statements: Counter[str] = Counter()
    run_with_hooks = dbt.task.base.BaseRunner.run_with_hooks

    def profiled(self, manifest):
        profiler.enable()
        try:
            return run_with_hooks(self, manifest)
        finally:
            profiler.disable()

    from dbt.adapters.sql.connections import SQLConnectionManager

    add_query = SQLConnectionManager.add_query

    def counted(self, sql, *rest, **options):
        statements[_kind(sql)] += 1
        return add_query(self, sql, *rest, **options)

    with tempfile.TemporaryDirectory() as root:
        os.environ["PLPRED_DBT_THREADS"] = "1"
        settings = synthetic_warehouse(root, args.target)
        build(settings, console=QUIET)
        dbt.task.base.BaseRunner.run_with_hooks = profiled
        SQLConnectionManager.add_query = counted
        try:
            started = time.perf_counter()
            summary = build(settings, console=QUIET)
            seconds = time.perf_counter() - started
        finally:
            dbt.task.base.BaseRunner.run_with_hooks = run_with_hooks
            SQLConnectionManager.add_query = add_query
    nodes = sum(summary.invocations[0].counts.values())
    OUT.print(
        f"full build on {args.target}, one thread, profiled: {seconds:.1f} s, {nodes} nodes, "
        f"{sum(statements.values())} statements"
    )
    OUT.print("statements by kind: " + ", ".join(f"{k} {n}" for k, n in statements.most_common()))
    stats = pstats.Stats(profiler)
    stats.stream = sys.stdout
    total = sum(row[2] for row in stats.stats.values())  # own times add up to the whole
    OUT.print(f"profiled seconds: {total:.1f}")
    for order in ("cumulative", "tottime"):
        OUT.print(f"--- top {args.top} by {order} time ---")
        stats.sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()
