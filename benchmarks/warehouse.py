"""Benchmark of the warehouse: full ingest of every E0 season and a full dbt build, on DuckDB
and on Postgres, then an incremental update with one newer 2025-26 snapshot.

    uv run python benchmarks/warehouse.py [--skip-postgres]

Targets on a 2-core machine: full ingest + build under 60 s on DuckDB; incremental under 20 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from _common import QUIET, Stopwatch, require_mirror, scratch_postgres_database

from ml.config import get_settings
from ml.ingest import run_ingest
from ml.warehouse.dbt import build

EARLY = "snapshots/2025-26/E0_2026-02-12T0254.csv"
LATER = "snapshots/2025-26/E0_2026-03-16T1344.csv"


def _ingest(settings, **kwargs) -> None:
    options = {"seasons": None, "files": None, "file_season": None, "include_fixtures": False}
    summary = run_ingest(settings, **(options | kwargs), console=QUIET)
    if not summary.ok:
        raise SystemExit(f"ingest failed: {summary.headline()}")


def bench_target(
    target: str, mirror: Path, home: Path, watch: Stopwatch, databases: tuple[str, str] = ("", "")
) -> None:
    settings = get_settings(target=target, source=str(mirror))
    if target == "postgres":
        settings = settings.with_overrides(postgres=replace(settings.postgres, dbname=databases[0]))
    with watch.time(f"{target}: full ingest (26 seasons)"):
        _ingest(settings)
    with watch.time(f"{target}: full dbt build"):
        build(settings, console=QUIET)

    # Incremental: a history whose 2025-26 is an early snapshot, then a newer one arrives.
    source = home / f"incremental-{target}"
    (source / "E0").mkdir(parents=True)
    for path in (mirror / "E0").glob("*.csv"):
        if path.name != "2526.csv":
            shutil.copyfile(path, source / "E0" / path.name)
    shutil.copyfile(mirror / EARLY, source / "E0" / "2526.csv")
    incremental = settings.with_overrides(
        source=str(source), duckdb_path_override=home / f"incremental-{target}.duckdb"
    )
    if target == "postgres":
        incremental = incremental.with_overrides(
            postgres=replace(settings.postgres, dbname=databases[1])
        )
    _ingest(incremental)
    build(incremental, console=QUIET)
    with watch.time(f"{target}: incremental ingest + build (one newer snapshot)"):
        _ingest(incremental, files=[mirror / LATER], file_season="2526")
        build(incremental, console=QUIET)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    mirror = require_mirror()
    watch = Stopwatch("Warehouse benchmark (seconds, wall clock)")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PLPRED_HOME"] = tmp
        bench_target("duckdb", mirror, Path(tmp), watch)
        if not args.skip_postgres:
            with scratch_postgres_database() as full, scratch_postgres_database() as inc:
                bench_target("postgres", mirror, Path(tmp), watch, (full, inc))
    full = sum(s for label, s in watch.rows if label.startswith("duckdb: full"))
    watch.rows.append(("duckdb: full ingest + build", full))
    watch.print(
        {
            "duckdb: full ingest + build": 60,
            "duckdb: incremental ingest + build (one newer snapshot)": 20,
            "postgres: incremental ingest + build (one newer snapshot)": 20,
        }
    )


if __name__ == "__main__":
    main()
