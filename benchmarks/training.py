"""Benchmark of the models: the full walk-forward training (every model, six seasons) and the
time to score ten fixtures, with the process's peak memory.

    uv run python benchmarks/training.py

Targets on a 2-core machine: the full walk-forward under 3 minutes; scoring ten fixtures under
2 seconds of model time. Also prints the model-against-market table it measured.
"""

from __future__ import annotations

import os
import tempfile
import time

from _common import OUT, QUIET, Stopwatch, peak_memory_mib, require_mirror

from ml import registry
from ml.config import get_settings
from ml.features import type_frame
from ml.ingest import run_ingest
from ml.train import TrainConfig, run_train
from ml.transform import build
from ml.warehouse import connect


def main() -> None:
    mirror = require_mirror()
    watch = Stopwatch("Training benchmark (seconds, wall clock)")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PLPRED_HOME"] = tmp
        settings = get_settings(target="duckdb", source=str(mirror))
        options = {"seasons": None, "files": None, "file_season": None, "include_fixtures": False}
        for league in ("E0", "E1"):
            run_ingest(settings.with_overrides(league=league), **options, console=QUIET)
        build(settings, console=QUIET)

        with watch.time("walk-forward, all models, six seasons (+ refit, MLflow logging)"):
            result = run_train(settings, config=TrainConfig(), console=OUT)

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
            model = registry.load_champion(settings)
        columns = list(model.metadata.get_input_schema().input_names())
        started = time.perf_counter()
        model.predict(rows[columns])
        predict_seconds = time.perf_counter() - started
        watch.rows.append(("score ten fixtures (model time)", predict_seconds))
    watch.print(
        {
            "walk-forward, all models, six seasons (+ refit, MLflow logging)": 180,
            "score ten fixtures (model time)": 2,
        }
    )
    OUT.print(f"selected model: {result.selected[0]}/{result.selected[1]}")
    OUT.print(f"peak memory: {peak_memory_mib():.0f} MiB")


if __name__ == "__main__":
    main()
