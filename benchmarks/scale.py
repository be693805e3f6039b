"""Scale benchmark: ingest + dbt build and the walk-forward training for 1, 4 and 22 leagues of
26 synthetic seasons each, on DuckDB and on Postgres, as a user runs them (the ``plpred``
commands in separate processes).

    uv run python benchmarks/scale.py                                  # 1, 4, 22 leagues, both warehouses
    uv run python benchmarks/scale.py --leagues 1,4 --warehouses duckdb
    uv run python benchmarks/scale.py --leagues 22 --skip-training
    uv run python benchmarks/scale.py --train-leagues 4                # train at most 4 leagues per run

The files come from ``benchmarks/synthetic_leagues.py`` (seeded Dixon-Coles, football-data's
format, the first N of football-data's 22 league codes). Each run has its own temporary
``PLPRED_HOME`` and, on Postgres, its own ``plpred_bench_*`` database, dropped afterwards (on
Ctrl-C too). For each run: ``plpred ingest --league X --no-fixtures`` for every league, one
``plpred transform`` (dbt build: every model and test), then ``plpred train --league X
--quick`` for every league (small hyper-parameter grids, the default candidates: the
six-season walk-forward of logistic regression, Dixon-Coles, the blend and the yardsticks;
``--full`` for the full grids). Peak memory is the largest ``ru_maxrss`` of a step's process
(its waited-for children included), CPU the step's user + system seconds.

Goals for 22 leagues on 2 cores (issue 14): ingest + build at most 2 minutes on DuckDB and 5
on Postgres; training of every league at most 10 minutes; growth no worse than linear (the
seconds per league must not rise with the number of leagues). Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from _common import OUT, scratch_postgres_database
from rich.table import Table
from synthetic_leagues import DEFAULT_SEASONS, LEAGUE_CODES, write_leagues

PLPRED = Path(sys.executable).with_name("plpred")
GOALS = {("duckdb", "ingest+build"): 120, ("postgres", "ingest+build"): 300, "train": 600}


@dataclass
class Step:
    seconds: float = 0.0
    cpu: float = 0.0
    peak_mib: float = 0.0
    processes: int = 0

    def add(self, seconds: float, cpu: float, peak_mib: float) -> None:
        self.seconds += seconds
        self.cpu += cpu
        self.peak_mib = max(self.peak_mib, peak_mib)
        self.processes += 1


@dataclass
class Run:
    leagues: int
    warehouse: str
    matches: int
    steps: dict[str, Step] = field(default_factory=dict)
    load: list[float] = field(default_factory=list)  # 1-minute load average before, after
    failed: str = ""


class StepFailed(RuntimeError):
    pass


def _plpred(args: list[str], env: dict[str, str], log: Path) -> tuple[float, float, float]:
    """Run one plpred command; (wall seconds, CPU seconds, peak MiB). Raises StepFailed with
    the command, its exit status and the end of its output (the whole of it is in ``log``)."""
    with open(log, "ab") as out:
        out.write(f"\n$ plpred {' '.join(args)}\n".encode())
        out.flush()
        started = time.perf_counter()
        process = subprocess.Popen([str(PLPRED), *args], env=env, stdout=out, stderr=out)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
    if process.returncode != 0:
        tail = log.read_text(errors="replace")[-2500:]
        raise StepFailed(
            f"plpred {' '.join(args)} exited {process.returncode} (log {log}):\n{tail}"
        )
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def bench(
    leagues: tuple[str, ...],
    warehouse: str,
    source: Path,
    matches: int,
    *,
    train: int,
    quick: bool,
    keep: Path | None,
    pg_options: str = "",
) -> Run:
    label = f"{warehouse} ({pg_options})" if warehouse == "postgres" and pg_options else warehouse
    run = Run(len(leagues), label, matches, load=[os.getloadavg()[0]])
    OUT.print(f"[bold]{len(leagues)} league(s) on {warehouse}[/bold] (load {run.load[0]:.1f})")
    with tempfile.TemporaryDirectory(prefix="plpred-scale-") as home:
        log = (keep or Path(home)) / f"scale-{len(leagues)}-{warehouse}.log"
        env = os.environ | {"PLPRED_HOME": home, "PLPRED_TARGET": warehouse}
        env.pop("MLFLOW_TRACKING_URI", None)
        env.pop("PLPRED_DUCKDB_PATH", None)

        def steps(env: dict[str, str]) -> None:
            ingest = run.steps.setdefault("ingest", Step())
            for league in leagues:
                args = ["ingest", "--source", str(source), "--league", league, "--no-fixtures"]
                ingest.add(*_plpred(args, env, log))
            OUT.print(f"  ingest: {ingest.seconds:.1f} s")
            build = run.steps.setdefault("build", Step())
            build.add(*_plpred(["transform"], env, log))
            OUT.print(f"  dbt build: {build.seconds:.1f} s")
            if train:
                training = run.steps.setdefault("train", Step())
                for league in leagues[:train]:
                    args = ["train", "--league", league] + (["--quick"] if quick else [])
                    training.add(*_plpred(args, env, log))
                    OUT.print(f"  train {league}: {training.seconds:.1f} s so far")

        try:
            if warehouse == "postgres":
                with scratch_postgres_database() as database:
                    options = {"PGOPTIONS": pg_options} if pg_options else {}
                    steps(env | {"PGDATABASE": database} | options)
            else:
                steps(env)
        except StepFailed as exc:
            run.failed = str(exc).splitlines()[0]
            OUT.print(f"[red]{exc}[/red]")
    run.load.append(os.getloadavg()[0])
    return run


def _cell(step: Step | None, per: int | None = None) -> str:
    if step is None or not step.processes:
        return ""
    text = f"{step.seconds:,.1f}"
    return f"{text} ({step.seconds / per:,.1f})" if per else text


def print_table(runs: list[Run], title: str) -> None:
    table = Table(title=title)
    for column in (
        "leagues",
        "warehouse",
        "matches",
        "ingest s",
        "build s",
        "ingest+build s",
        "trained",
        "train s",
        "CPU s i/b/t",
        "peak MiB i/b/t",
        "load",
    ):
        table.add_column(column, justify="right")
    for run in runs:
        ingest, build, train = (run.steps.get(name) for name in ("ingest", "build", "train"))
        both = None
        if ingest and build:
            both = Step(ingest.seconds + build.seconds, processes=1)
        cpu = "/".join(f"{s.cpu:,.0f}" if s else "-" for s in (ingest, build, train))
        peak = "/".join(f"{s.peak_mib:,.0f}" if s else "-" for s in (ingest, build, train))
        table.add_row(
            str(run.leagues),
            run.warehouse + (" [red](failed)[/red]" if run.failed else ""),
            f"{run.matches:,}",
            _cell(ingest, run.leagues),
            _cell(build, run.leagues),
            _cell(both, run.leagues),
            str(train.processes) if train else "-",
            _cell(train, train.processes if train else None),
            cpu,
            peak,
            " → ".join(f"{value:.1f}" for value in run.load),
        )
    OUT.print(table)
    OUT.print(
        "goals for 22 leagues (2 cores): ingest + build <= 120 s on DuckDB, <= 300 s on "
        "Postgres; training of every league <= 600 s; seconds per league not rising with leagues. "
        "i/b/t: ingest, build, train; load: the 1-minute load average before and after the run"
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    # Ctrl-C, and SIGTERM or a SIGINT even when started in the background (where the shell
    # ignores SIGINT): stop the step, drop the Postgres database, print what was measured.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leagues", default="1,4,22", help="league counts, e.g. 1,4,22")
    parser.add_argument("--warehouses", default="duckdb,postgres")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument(
        "--train-leagues", type=int, default=None, help="train at most this many leagues per run"
    )
    parser.add_argument("--full", action="store_true", help="full training grids, not --quick")
    parser.add_argument("--seasons", type=int, default=DEFAULT_SEASONS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--pg-options",
        default="",
        help="PGOPTIONS for the Postgres runs' sessions, e.g. '-c enable_nestloop=off'",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep-logs", type=Path, help="a folder for the plpred output logs")
    args = parser.parse_args()
    counts = [int(n) for n in args.leagues.split(",") if n.strip()]
    if not counts or not all(1 <= n <= len(LEAGUE_CODES) for n in counts):
        raise SystemExit(f"--leagues {args.leagues}: counts from 1 to {len(LEAGUE_CODES)}")
    warehouses = [w.strip() for w in args.warehouses.split(",") if w.strip()]
    if not set(warehouses) <= {"duckdb", "postgres"} or not warehouses:
        raise SystemExit(f"--warehouses {args.warehouses}: duckdb, postgres or both")
    if not PLPRED.exists():
        raise SystemExit(f"the plpred command is not at {PLPRED}: run through `uv run`")
    if args.keep_logs:
        args.keep_logs.mkdir(parents=True, exist_ok=True)

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="plpred-scale-source-") as tmp:
        started = time.perf_counter()
        written = write_leagues(Path(tmp), max(counts), n_seasons=args.seasons, seed=args.seed)
        OUT.print(
            f"wrote {len(written.files)} files ({written.matches:,} matches) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        matches_per_league = {}
        for path in written.files:
            league = path.parent.name
            rows = path.read_bytes().count(b"\n") - 1
            matches_per_league[league] = matches_per_league.get(league, 0) + rows
        try:
            for count in counts:
                leagues = written.leagues[:count]
                for warehouse in warehouses:
                    train = 0 if args.skip_training else (args.train_leagues or count)
                    runs.append(
                        bench(
                            leagues,
                            warehouse,
                            written.directory,
                            sum(matches_per_league[league] for league in leagues),
                            train=min(train, count),
                            quick=not args.full,
                            keep=args.keep_logs,
                            pg_options=args.pg_options,
                        )
                    )
                    if args.json:
                        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=1))
        finally:
            mode = "full grids" if args.full else "--quick"
            print_table(
                runs,
                f"Scale: {args.seasons} synthetic seasons per league, seed {args.seed}, "
                f"training {mode} (seconds, wall clock; per league in brackets)",
            )


if __name__ == "__main__":
    main()
