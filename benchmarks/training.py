"""Benchmark of the models: the full walk-forward training (``plpred train``: six seasons, the
default candidates or all of them) and the time to score ten fixtures, with CPU and peak memory.

    uv run python benchmarks/training.py                    # the default candidates
    uv run python benchmarks/training.py --candidates all   # with the opt-in gradient boosting
    uv run python benchmarks/training.py --jobs 1           # the fits in this process only

Goals on a 2-core machine (issue 14): ``plpred train`` at most 30 s; scoring ten fixtures under
2 seconds of model time. The load average is printed beside the numbers (a shared machine's
wall clock depends on its neighbours); CPU seconds count the walk-forward's worker processes.
Also prints the model-against-market table it measured. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

from _common import OUT, QUIET, Stopwatch, peak_memory_mib, require_mirror, speed_line

from ml.config import get_settings
from ml.ingest import run_ingest
from ml.modeling import registry
from ml.modeling.config import TrainConfig
from ml.modeling.features import type_frame
from ml.modeling.train import run_train
from ml.warehouse.connection import connect
from ml.warehouse.dbt import build

LABEL = "plpred train: walk-forward, six seasons, final fit, MLflow logging"


def _cpu_seconds() -> float:
    """CPU of this process and of its finished children (the walk-forward's workers once
    joblib's executor is shut down)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", default="default", choices=("default", "all"))
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    args = parser.parse_args()
    mirror = require_mirror()
    OUT.print(f"before: {speed_line()}")
    watch = Stopwatch("Training benchmark (seconds, wall clock)")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PLPRED_HOME"] = tmp
        settings = get_settings(target="duckdb", source=str(mirror))
        options = {"seasons": None, "files": None, "file_season": None, "include_fixtures": False}
        for league in ("E0", "E1"):
            run_ingest(settings.with_overrides(league=league), **options, console=QUIET)
        build(settings, console=QUIET)

        from joblib.externals.loky import get_reusable_executor

        config = TrainConfig.from_options(candidates=args.candidates)
        load = os.getloadavg()[0]
        cpu = _cpu_seconds()
        with watch.time(LABEL):
            result = run_train(settings, config=config, console=OUT, n_jobs=args.jobs)
        get_reusable_executor().shutdown(wait=True)
        cpu = _cpu_seconds() - cpu

        watch.rows.append(
            ("  of which the walk-forward itself", result.extra["walk_forward_seconds"])
        )
        watch.rows.append(("  of which the final refit", result.extra["final_fit_seconds"]))
        with connect(settings) as conn:
            rows = type_frame(
                conn.query_df(
                    "select * from marts.mart_match_features where league = 'E0' "
                    "order by kickoff_date desc limit 10"
                )
            )
        with watch.time("load the champion from the registry"):
            model = registry.load_version(settings, result.model_version)
        columns = list(model.metadata.get_input_schema().input_names())
        started = time.perf_counter()
        model.predict(rows[columns])
        predict_seconds = time.perf_counter() - started
        watch.rows.append(("score ten fixtures (model time)", predict_seconds))
    watch.print({LABEL: 30, "score ten fixtures (model time)": 2})
    OUT.print(
        f"candidates {args.candidates} ({', '.join(config.classifiers)}; Dixon-Coles, blend, "
        f"markets), {args.jobs or 'one per core'} worker(s); load average before: {load:.2f}"
    )
    OUT.print(f"CPU seconds of plpred train, workers included: {cpu:.1f}")
    OUT.print(f"selected model: {result.selected[0]}/{result.selected[1]}")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    OUT.print(
        f"peak memory: {peak_memory_mib():.0f} MiB (this process), {children:.0f} MiB (largest worker)"
    )
    OUT.print(f"after: {speed_line()}")


if __name__ == "__main__":
    main()
