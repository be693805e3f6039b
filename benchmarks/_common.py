"""Shared bits of the benchmark scripts: where the mirror is, a stopwatch, a result table."""

from __future__ import annotations

import io
import os
import resource
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ml.config import PROJECT_ROOT, PostgresSettings

MIRROR = Path(
    os.environ.get("PLPRED_MIRROR", PROJECT_ROOT.parent / "shared" / "data" / "football-data")
)
QUIET = Console(file=io.StringIO(), width=150)
OUT = Console(width=150)


def require_mirror() -> Path:
    if not (MIRROR / "E0").is_dir():
        raise SystemExit(f"the football-data mirror is not at {MIRROR}; set PLPRED_MIRROR")
    return MIRROR


class Stopwatch:
    def __init__(self, title: str) -> None:
        self.rows: list[tuple[str, float]] = []
        self.title = title

    @contextmanager
    def time(self, label: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.rows.append((label, time.perf_counter() - started))
        OUT.print(f"  {label}: {self.rows[-1][1]:.1f} s")

    def print(self, targets: dict[str, float] | None = None) -> None:
        table = Table(title=self.title)
        table.add_column("step")
        table.add_column("seconds", justify="right")
        table.add_column("target", justify="right")
        for label, seconds in self.rows:
            target = (targets or {}).get(label)
            table.add_row(label, f"{seconds:.1f}", f"< {target:g} s" if target else "")
        OUT.print(table)


def machine_speed() -> float:
    """Seconds this machine takes now for a fixed pure-Python workload (20 million additions in
    a loop, one core), to print beside a benchmark's numbers. The same 2-core machine has taken
    3.5 to 4.4 s for it within one evening, and the test suite 17.6 minutes one day and 25.6
    the next on the same code: a number is comparable with another taken at a similar speed,
    not with one taken on another day."""
    started = time.perf_counter()
    total = 0
    for i in range(20_000_000):
        total += i
    return time.perf_counter() - started


def speed_line() -> str:
    """The machine's speed and load, as a benchmark prints them before and after its work."""
    return (
        f"machine speed: {machine_speed():.2f} s for 20 million additions in Python "
        f"(lower is faster); load {os.getloadavg()[0]:.2f}"
    )


def synthetic_warehouse(root: str | Path, target: str = "duckdb"):
    """A new home (and machine cache) under ``root``, with a four-season synthetic league
    (tests/football_data_files.py) ingested at 15 April 2026 and not yet built; its settings.
    ``PLPRED_HOME`` and ``PLPRED_CACHE`` are set for the process."""
    import sys
    from datetime import UTC, datetime

    from ml.config import PROJECT_ROOT, get_settings
    from ml.ingest import run_ingest

    sys.path.insert(0, str(PROJECT_ROOT))
    from tests.football_data_files import write_synthetic_source

    os.environ.update({"PLPRED_HOME": f"{root}/home", "PLPRED_CACHE": f"{root}/cache"})
    os.environ.pop("PLPRED_DUCKDB_PATH", None)
    source = write_synthetic_source(Path(root) / "source", n_seasons=4, first_year=2022)
    settings = get_settings(target=target, source=str(source.directory))
    run_ingest(
        settings,
        seasons=None,
        files=None,
        file_season=None,
        include_fixtures=True,
        console=QUIET,
        as_of=datetime(2026, 4, 15, 12, tzinfo=UTC),
    )
    return settings


def peak_memory_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def scratch_postgres_database() -> Iterator[str]:
    """A Postgres database for one benchmark run, dropped afterwards."""
    import psycopg2

    admin = psycopg2.connect(PostgresSettings.from_env().dsn("postgres"), connect_timeout=5)
    admin.autocommit = True
    name = f"plpred_bench_{uuid.uuid4().hex[:10]}"
    admin.cursor().execute(f'create database "{name}"')
    try:
        yield name
    finally:
        admin.cursor().execute(f'drop database if exists "{name}" with (force)')
        admin.close()
