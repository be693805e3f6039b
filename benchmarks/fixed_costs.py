"""What every step, run or test pays before its own work: the warehouse's DDL check, a new
MLflow store, and dbt's start-up around a build, measured in one process on a new DuckDB home.

Usage: ``uv run python benchmarks/fixed_costs.py [--repeat 5] [--target duckdb|postgres]``

- ``apply_ddl``: the check that the warehouse's own tables exist, made by every step of every run
  (milliseconds per call, the tables already there);
- a new home's MLflow store: the first on a machine (MLflow migrates a new SQLite file, and
  plpred keeps it as the machine's empty store) and a second one (a copy of it);
- ``dbt build`` of one model, in-process: the first (dbt parses the project), then again
  (the parsed manifest reused); dbt's fixed cost per invocation, the node itself is a view.

On Postgres (``--target postgres``) the DDL check runs in a scratch database, dropped after.
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import OUT, QUIET, scratch_postgres_database, speed_line
from rich.table import Table

from ml.config import get_settings


def _seconds(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def _plain_dbt(settings, args: list[str]) -> None:
    """``args`` through dbtRunner with run_dbt's own options, but none of its savings."""
    from dbt.cli.main import dbtRunner

    from ml.config import DBT_PROJECT_DIR
    from ml.warehouse.dbt import dbt_paths, dbt_threads

    target_path, log_path = dbt_paths(settings)
    os.environ.update(settings.dbt_env())
    result = dbtRunner().invoke(
        [
            *args,
            *("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)),
            *("--target", settings.target, "--target-path", str(target_path)),
            *("--log-path", str(log_path), "--log-level", "none", "--log-level-file", "info"),
            *("--threads", str(dbt_threads(settings))),
        ]
    )
    if not result.success:
        raise SystemExit(f"dbt {' '.join(args)} failed: {result.exception}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--target", default="duckdb", choices=("duckdb", "postgres"))
    args = parser.parse_args()
    OUT.print(f"before: {speed_line()}")

    from ml.modeling import registry
    from ml.warehouse.connection import apply_ddl, connect
    from ml.warehouse.dbt import run_dbt

    rows: list[tuple[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as root:
        os.environ.update({"PLPRED_HOME": f"{root}/home", "PLPRED_CACHE": f"{root}/cache"})
        os.environ.pop("PLPRED_DUCKDB_PATH", None)
        os.environ.pop("MLFLOW_TRACKING_URI", None)

        def ddl(settings) -> None:
            with connect(settings) as conn:
                apply_ddl(conn)  # creates the tables
                rows.append(
                    (f"apply_ddl on {settings.target}, tables there (ms)", [
                        1000 * s for s in _seconds(lambda: apply_ddl(conn), args.repeat)
                    ])
                )  # fmt: skip

        ddl(get_settings(target="duckdb"))  # the dbt builds below read these tables
        if args.target == "postgres":
            with scratch_postgres_database() as dbname:
                os.environ["PGDATABASE"] = dbname
                ddl(get_settings(target="postgres"))

        homes = iter(Path(root) / f"mlflow-home-{i}" for i in range(args.repeat + 1))

        def new_store() -> None:
            registry.configure(get_settings(target="duckdb").with_overrides(home=next(homes)))

        first = _seconds(new_store, 1)
        rows.append(("a new MLflow store, the machine's first (s)", first))
        rows.append(("a new MLflow store, a copy of the empty one (s)", _seconds(new_store, 3)))

        settings = get_settings(target="duckdb")
        select = ["build", "--select", "stg_ops__step_runs"]
        rows.append(
            (
                "dbt build of one view, run_dbt: the first (dbt imported, the project "
                "parsed), then again (s)",
                _seconds(lambda: run_dbt(settings, select, console=QUIET), args.repeat),
            )
        )
        rows.append(
            (
                "the same build as dbt runs it alone: a partial parse each time, and every "
                "artifact written (s)",
                _seconds(lambda: _plain_dbt(settings, select), args.repeat),
            )
        )

    table = Table(title=f"fixed costs, load {os.getloadavg()[0]:.2f}")
    table.add_column("what")
    table.add_column("each time", justify="right")
    for label, values in rows:
        table.add_row(label, "  ".join(f"{v:.3f}" if v < 10 else f"{v:.1f}" for v in values))
    OUT.print(table)
    OUT.print(f"after: {speed_line()}")


if __name__ == "__main__":
    main()
