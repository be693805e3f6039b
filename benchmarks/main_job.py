"""``plpred run`` from an empty home on the mirror, again with nothing new, then a day later with
one new results file: seconds, CPU and peak memory of each, as a user sees them (separate
processes, so imports count), and the seconds of every step.

The source is the mirror with its latest E0 season held back by one round (its last ten
matches); the third run gets the whole file, as a daily download would.

    uv run python benchmarks/main_job.py                      # default candidates
    uv run python benchmarks/main_job.py --candidates all     # with the opt-in gradient boosting

Goals on 2 cores (issue 14): the first run at most 60 s, the second at most 5 s, the daily run
at most 10 s, peak memory at most 1 GiB. The machine's load average is printed beside each number: on a shared machine the
wall clock says as much about the neighbours as about the job. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import OUT, require_mirror, speed_line
from rich.table import Table

HELD_BACK = 10  # matches of the latest E0 season the first two runs do not see
STEP_LINE = re.compile(r"^[✓–] (\w+) (?:done|skipped|deferred) in ([\d.]+) s", re.M)


def _source(mirror: Path, into: Path) -> Path:
    """The mirror's files as links, but the latest E0 season as a copy without its last round;
    returns that file's path in the mirror."""
    for league in ("E0", "E1"):
        if not (mirror / league).is_dir():
            continue
        (into / league).mkdir(parents=True)
        for csv in sorted((mirror / league).glob("*.csv")):
            (into / league / csv.name).symlink_to(csv)
    latest = sorted((mirror / "E0").glob("*.csv"))[-1]
    lines = latest.read_bytes().splitlines(keepends=True)
    (into / "E0" / latest.name).unlink()
    (into / "E0" / latest.name).write_bytes(b"".join(lines[:-HELD_BACK]))
    return latest


def _children() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", default="default", choices=("default", "all"))
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the home here (a new folder) to read dbt's run_results.json and logs after",
    )
    args = parser.parse_args()
    mirror = require_mirror()
    plpred = os.path.join(os.path.dirname(sys.executable), "plpred")
    OUT.print(f"before: {speed_line()}")
    rows = []
    with (
        tempfile.TemporaryDirectory() as scratch,
        tempfile.TemporaryDirectory() as src,
        tempfile.TemporaryDirectory() as cache,
    ):
        home = str(args.keep) if args.keep else scratch
        if args.keep:
            args.keep.mkdir(parents=True)
        latest = _source(mirror, Path(src))
        # A new machine too: its own cache, so dbt's unit tests run in the first build.
        env = os.environ | {"PLPRED_HOME": home, "PLPRED_CACHE": cache}
        runs = ("from an empty home", "again, nothing new", "a day later, one new results file")
        for label in runs:
            if label == runs[2]:
                target = Path(src) / "E0" / latest.name
                target.unlink()
                target.symlink_to(latest)
            load = os.getloadavg()[0]
            cpu_before, _ = _children()
            started = time.perf_counter()
            done = subprocess.run(
                [plpred, "run", "--source", src, "--candidates", args.candidates],
                env=env,
                capture_output=True,
                text=True,
            )
            seconds = time.perf_counter() - started
            cpu_after, peak = _children()
            if done.returncode != 0:
                OUT.print(done.stdout[-3000:], done.stderr[-3000:])
                raise SystemExit(f"plpred run failed ({done.returncode})")
            rows.append((label, seconds, cpu_after - cpu_before, peak, load))
            steps = ", ".join(
                f"{name} {float(s):.1f}" for name, s in STEP_LINE.findall(done.stdout + done.stderr)
            )
            OUT.print(f"  plpred run {label}: {seconds:.1f} s (load {load:.2f}); steps: {steps}")
    table = Table(title=f"plpred run on the mirror, E0, candidates {args.candidates}")
    for column in ("run", "seconds", "CPU seconds", "peak MiB so far", "load before"):
        table.add_column(column, justify="right")
    for label, seconds, cpu, peak, load in rows:
        table.add_row(label, f"{seconds:.1f}", f"{cpu:.1f}", f"{peak:.0f}", f"{load:.2f}")
    OUT.print(table)
    OUT.print(f"after: {speed_line()}")
    OUT.print(
        "goals (2 cores): first run <= 60 s, second <= 5 s, daily run <= 10 s, "
        "peak memory <= 1024 MiB"
    )


if __name__ == "__main__":
    main()
