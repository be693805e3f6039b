"""Every candidate's predictions on a small synthetic league, pinned so that a refactor of the
models can prove it changed none of them; and the same comparison on the real E0 mirror.

    uv run python benchmarks/predictions_fixture.py write      # rewrite the pinned fixture
    uv run python benchmarks/predictions_fixture.py mirror-frame FRAME.parquet
    uv run python benchmarks/predictions_fixture.py mirror-walk-forward FRAME.parquet OUT.parquet
    uv run python benchmarks/predictions_fixture.py compare BEFORE.parquet AFTER.parquet

``write`` runs, on a synthetic two-division league (``tests/synthetic.py``) dressed in the
columns of ``mart_match_features``: the walk-forward of ``plpred train --candidates all`` (every candidate:
base rates, both market yardsticks, both classifiers on both feature sets, Dixon-Coles, the
blend), the lower-level :func:`ml.modeling.evaluation.walk_forward_evaluate` with its own defaults, and
the final fit of every candidate predicting the rest of the last season. The probabilities go
to ``tests/fixtures/walk_forward_predictions.csv.gz``; ``tests/unit/test_predictions_fixture.py``
recomputes them and compares to 1e-9. About 30 s on one core.

``mirror-frame`` ingests E0 and E1 from the football-data mirror into a scratch warehouse and
saves ``mart_match_features`` as ``plpred train`` reads it; ``mirror-walk-forward`` runs the
full training walk-forward (every candidate, gradient boosting too, six seasons) on that frame;
``compare`` prints the largest difference in probability and each model's RPS in both.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console

from ml.config import PROJECT_ROOT
from ml.models.metrics import implied_probabilities

if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))  # tests.synthetic, when run as a script

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "walk_forward_predictions.csv.gz"
KEY = ["section", "model", "variant", "match_id"]
PROBABILITIES = ["p_home", "p_draw", "p_away"]
QUIET = Console(file=io.StringIO(), width=150)
LEAGUE = "T1"
# Every candidate plpred train can register (the yardsticks are never refitted).
FINAL_FITS = (
    ("logistic", "football"),
    ("logistic", "with_market"),
    ("hgb", "football"),
    ("hgb", "with_market"),
    ("dixon_coles", "weekly"),
    ("blend", "market_dc_pinnacle"),
)


def synthetic_mart() -> pd.DataFrame:
    """A synthetic league in the columns of ``mart_match_features``: both divisions, form
    features, average, Pinnacle (missing for some matches) and closing prices."""
    from tests.synthetic import make_league

    league = make_league(12, 4, second_tier=True, strength_sd=0.4, drift_sd=0.05, seed=3)
    matches = league.matches
    features = league.features.set_index("match_id")
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "match_id": matches["match_id"],
            "league": matches["league"],
            "season": matches["season"],
            "kickoff_date": pd.to_datetime(matches["kickoff_date"]),
            "kickoff_at": pd.to_datetime(matches["kickoff_date"]) + pd.Timedelta(hours=15),
            "home_team": matches["home_team"],
            "away_team": matches["away_team"],
            "is_played": True,
            "label_home_goals": matches["home_goals"],
            "label_away_goals": matches["away_goals"],
        }
    )
    top = frame["league"] == LEAGUE
    ids = frame.loc[top, "match_id"]
    truth = features.loc[ids, ["true_home", "true_draw", "true_away"]].to_numpy()
    frame.loc[top, "label_result"] = features.loc[ids, "label"].to_numpy()
    for column in ("form_points", "form_goal_diff", "long_goal_diff"):
        for side in ("home", "away"):
            frame.loc[top, f"{side}_{column}"] = features.loc[ids, f"{side}_{column}"].to_numpy()
    noisy = truth * np.exp(rng.normal(0.0, 0.03, truth.shape))
    noisy /= noisy.sum(axis=1, keepdims=True)
    prices = {
        "prematch_market": np.maximum(1.0 / (truth * 1.05), 1.01),
        "prematch_pinnacle": np.maximum(1.0 / (noisy * 1.025), 1.01),
        "yardstick_close": np.maximum(1.0 / (noisy * 1.03), 1.01),
    }
    prices["prematch_pinnacle"][rng.random(len(truth)) < 0.2] = np.nan
    for prefix, odds in prices.items():
        for position, outcome in enumerate(("home", "draw", "away")):
            frame.loc[top, f"{prefix}_{outcome}_odds"] = odds[:, position]
    power = implied_probabilities(prices["prematch_market"], "power")
    for position, outcome in enumerate(("home", "draw", "away")):
        frame.loc[top, f"prematch_market_{outcome}_prob_power"] = power.probabilities[:, position]
    frame.loc[top, "prematch_market_overround"] = power.overround
    # Pinnacle's margin-free probabilities, derived here so the input does not depend on
    # where the project computes them.
    pinnacle = prices["prematch_pinnacle"]
    complete = ~np.isnan(pinnacle).any(axis=1)
    probabilities = np.full(pinnacle.shape, np.nan)
    probabilities[complete] = implied_probabilities(
        pinnacle[complete], "proportional"
    ).probabilities
    for position, outcome in enumerate(("home", "draw", "away")):
        frame.loc[top, f"prematch_pinnacle_{outcome}_prob"] = probabilities[:, position]
    return frame.reset_index(drop=True)


def _walk_forward_of_train(frame: pd.DataFrame) -> pd.DataFrame:
    """What ``plpred train`` evaluates: every candidate, the last two seasons."""
    from ml.modeling.config import ALL_CLASSIFIERS, TrainConfig
    from ml.modeling.train import (
        evaluation_frame,
        goals_frame,
        walk_forward,
    )

    features = evaluation_frame(frame, LEAGUE)
    goals = goals_frame(frame)
    seasons = sorted(features["season"].unique())[-2:]
    config = TrainConfig(eval_seasons=tuple(seasons), classifiers=ALL_CLASSIFIERS, quick=True)
    result = walk_forward(features, goals, seasons, config, QUIET)
    return result.predictions.assign(section="train.walk_forward")


def _walk_forward_evaluate() -> pd.DataFrame:
    """The lower-level walk-forward with its own defaults (Shin's market, per-season goals)."""
    from ml.modeling.evaluation import walk_forward_evaluate
    from ml.models.classifiers import HGB_GRID
    from tests.synthetic import FEATURE_COLUMNS, make_league

    league = make_league(12, 4, second_tier=True, strength_sd=0.4, drift_sd=0.05, seed=8)
    seasons = sorted(league.features["season"].unique())[-2:]
    result = walk_forward_evaluate(
        league.features,
        seasons,
        {"form": FEATURE_COLUMNS[:4], "all": FEATURE_COLUMNS},
        goals_matches=league.matches,
        goals_options={"refit_every_days": 14},
        classifier_grids={"hgb": [HGB_GRID[0]], "logistic": [{"C": 0.1}]},
        blend=True,
    )
    return result.predictions.assign(section="evaluation.walk_forward_evaluate")


def _final_fits(frame: pd.DataFrame) -> pd.DataFrame:
    """Every candidate refitted as ``plpred train`` refits the winner, on the matches before
    the last season's 15th round, predicting the rest of that season as ``plpred score``."""
    from ml.modeling.config import ALL_CLASSIFIERS, TrainConfig
    from ml.modeling.train import (
        evaluation_frame,
        fit_final,
        goals_frame,
    )

    features = evaluation_frame(frame, LEAGUE)
    last = features[features["season"] == features["season"].max()]
    cutoff = np.sort(last["kickoff_date"].unique())[14]
    history = frame[frame["kickoff_date"] < cutoff]
    upcoming = features[features["kickoff_date"] >= cutoff].reset_index(drop=True)
    past = evaluation_frame(history, LEAGUE)
    goals = goals_frame(history)
    config = TrainConfig(classifiers=ALL_CLASSIFIERS, quick=True)
    parts = []
    for model, variant in FINAL_FITS:
        predictor = fit_final(model, variant, past, goals, config)
        output = predictor.predict(upcoming[predictor.input_columns])
        parts.append(
            upcoming[["match_id", "season"]].assign(
                model=model, variant=variant, **{c: output[c].to_numpy() for c in PROBABILITIES}
            )
        )
    return pd.concat(parts, ignore_index=True).assign(section="train.fit_final")


def synthetic_predictions() -> pd.DataFrame:
    """Every section's predictions, sorted by section, model, variant and match."""
    frame = synthetic_mart()
    parts = [_walk_forward_of_train(frame), _walk_forward_evaluate(), _final_fits(frame)]
    out = pd.concat(parts, ignore_index=True)[[*KEY, "season", *PROBABILITIES]]
    return out.sort_values(KEY, kind="stable").reset_index(drop=True)


def read_fixture(path: Path = FIXTURE) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"match_id": str, "season": str})


def write_fixture(path: Path = FIXTURE) -> None:
    predictions = synthetic_predictions()
    path.parent.mkdir(parents=True, exist_ok=True)
    predictions.to_csv(path, index=False, float_format="%.17g")
    print(f"{len(predictions):,} predictions in {path} ({path.stat().st_size / 1024:.0f} KiB)")


def compare(before: pd.DataFrame, after: pd.DataFrame, key: list[str]) -> tuple[float, int]:
    """Largest absolute difference of a probability between two prediction sets with the same
    rows, and the number of rows compared; raises if the rows differ."""
    left = before.set_index(key).sort_index()
    right = after.set_index(key).sort_index()
    if not left.index.equals(right.index):
        missing = left.index.symmetric_difference(right.index)
        raise AssertionError(f"{len(missing)} rows in one set only, e.g. {list(missing[:3])}")
    a = left[PROBABILITIES].to_numpy(dtype=float)
    b = right[PROBABILITIES].to_numpy(dtype=float)
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        raise AssertionError("missing probabilities differ")
    difference = np.abs(a - b)
    return float(np.nanmax(difference)) if difference.size else 0.0, len(left)


def mirror_frame(out: Path) -> None:
    """E0 and E1 from the mirror through ingestion and dbt; mart_match_features as train reads it."""
    from ml.config import get_settings
    from ml.ingest import run_ingest
    from ml.modeling.train import load_frame
    from ml.warehouse.dbt import build

    mirror = Path(
        os.environ.get("PLPRED_MIRROR", PROJECT_ROOT.parent / "shared" / "data" / "football-data")
    )
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PLPRED_HOME"] = tmp
        settings = get_settings(target="duckdb", source=str(mirror))
        options = {"seasons": None, "files": None, "file_season": None, "include_fixtures": False}
        for league in ("E0", "E1"):
            run_ingest(settings.with_overrides(league=league), **options, console=QUIET)
        build(settings, console=QUIET)
        frame = load_frame(settings)
    frame.to_parquet(out, index=False)
    print(f"{len(frame):,} rows of mart_match_features in {out}")


def mirror_walk_forward(frame_path: Path, out: Path) -> None:
    """The walk-forward of ``plpred train`` (default config) on E0 from a saved frame."""
    import time

    from ml.modeling.config import ALL_CLASSIFIERS, TrainConfig
    from ml.modeling.train import (
        default_eval_seasons,
        evaluation_frame,
        goals_frame,
        walk_forward,
    )

    frame = pd.read_parquet(frame_path)
    config = TrainConfig(classifiers=ALL_CLASSIFIERS)  # every candidate, the opt-in ones too
    features = evaluation_frame(frame, "E0")
    goals = goals_frame(frame[frame["league"] == "E0"])
    seasons = default_eval_seasons(features, config.n_eval_seasons)
    started = time.perf_counter()
    result = walk_forward(features, goals, seasons, config, QUIET)
    seconds = time.perf_counter() - started
    result.predictions.to_parquet(out, index=False)
    result.metrics.to_parquet(out.with_suffix(".metrics.parquet"), index=False)
    print(f"{len(result.predictions):,} predictions of {', '.join(seasons)} in {seconds:.0f} s")


def compare_files(before_path: Path, after_path: Path) -> None:
    key = ["model", "variant", "match_id"]
    before, after = pd.read_parquet(before_path), pd.read_parquet(after_path)
    difference, n = compare(before, after, key)
    print(f"{n:,} predictions; largest absolute difference of a probability: {difference:.3g}")
    metrics = [
        pd.read_parquet(path.with_suffix(".metrics.parquet")) for path in (before_path, after_path)
    ]
    rps = [
        m[(m["metric"] == "rps") & (m["season"] == "all")].set_index(["model", "variant"])["value"]
        for m in metrics
    ]
    table = pd.DataFrame({"rps_before": rps[0], "rps_after": rps[1]})
    table["difference"] = table["rps_after"] - table["rps_before"]
    with pd.option_context("display.float_format", "{:.6f}".format, "display.width", 150):
        print(table.sort_values("rps_before"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("write", help="rewrite the pinned synthetic fixture")
    frame = commands.add_parser("mirror-frame", help="save E0's mart_match_features")
    frame.add_argument("out", type=Path)
    walk = commands.add_parser("mirror-walk-forward", help="E0's training walk-forward")
    walk.add_argument("frame", type=Path)
    walk.add_argument("out", type=Path)
    both = commands.add_parser("compare", help="difference of two mirror walk-forwards")
    both.add_argument("before", type=Path)
    both.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "write":
        write_fixture()
    elif args.command == "mirror-frame":
        mirror_frame(args.out)
    elif args.command == "mirror-walk-forward":
        mirror_walk_forward(args.frame, args.out)
    else:
        compare_files(args.before, args.after)


if __name__ == "__main__":
    main()
