"""The walk-forward evaluation: every model predicts each season knowing only its past.

For each evaluation season the feature-based models (base rates, classifiers) are fitted
on every labelled match that kicked off before the season's first match and then predict
the whole season; the market needs no fitting; the Dixon-Coles model goes through
:func:`~ml.models.dixon_coles.walk_forward_goals` and is refitted every week, which is how
it would be run live. Every model is then scored on the same matches (those all of them
predicted), season by season and over all seasons, so the comparison with the market is
like for like.

Pure: DataFrames in, DataFrames out. The warehouse, MLflow and the CLI live elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ml.metrics import METRIC_NAMES, MarginMethod, evaluate
from ml.models.classifiers import Calibration, ClassifierKind, Scoring, fit_classifier
from ml.models.dixon_coles import walk_forward_goals
from ml.models.leakage import LeakageError, assert_no_leakage
from ml.models.market import DEFAULT_ODDS_COLUMNS, BaseRateModel, market_probabilities

__all__ = [
    "LeakageError",
    "METRIC_COLUMNS",
    "PREDICTION_COLUMNS",
    "WalkForwardResult",
    "score_predictions",
    "training_rows",
    "walk_forward_evaluate",
]

PREDICTION_COLUMNS: list[str] = [
    "model",
    "variant",
    "match_id",
    "season",
    "p_home",
    "p_draw",
    "p_away",
]
METRIC_COLUMNS: list[str] = ["model", "variant", "season", "metric", "value", "n_matches"]
SELECTION_COLUMNS: list[str] = ["model", "variant", "season", "parameter", "value"]
IMPORTANCE_COLUMNS: list[str] = [
    "model",
    "variant",
    "season",
    "feature",
    "outcome",
    "kind",
    "importance",
    "std",
]
FEATURE_FRAME_COLUMNS: tuple[str, ...] = ("match_id", "season", "kickoff_date", "label")
ALL_SEASONS = "all"


@dataclass(frozen=True)
class WalkForwardResult:
    """What a walk-forward produced.

    - ``predictions``: model, variant, match_id, season, p_home, p_draw, p_away.
    - ``metrics``: model, variant, season (or 'all'), metric, value, n_matches; long format.
    - ``selections``: model, variant, season, parameter, value: what each fit chose
      (hyper-parameters, calibration, decay), as strings, for the run log.
    - ``importances``: model, variant, season, feature, outcome, kind, importance, std.
    """

    predictions: pd.DataFrame
    metrics: pd.DataFrame
    selections: pd.DataFrame
    importances: pd.DataFrame


def training_rows(features: pd.DataFrame, before: pd.Timestamp) -> pd.DataFrame:
    """Labelled rows that kicked off strictly before ``before``: a season's training set."""
    kickoff = pd.to_datetime(features["kickoff_date"])
    return features[(kickoff < before) & features["label"].notna()]


def _prediction_frame(
    model: str, variant: str, block: pd.DataFrame, proba: np.ndarray
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": model,
            "variant": variant,
            "match_id": block["match_id"].to_numpy(),
            "season": block["season"].to_numpy(),
            "p_home": proba[:, 0],
            "p_draw": proba[:, 1],
            "p_away": proba[:, 2],
        }
    )


def _selection_rows(
    model: str, variant: str, season: str, values: Mapping[str, Any]
) -> list[dict[str, str]]:
    return [
        {
            "model": model,
            "variant": variant,
            "season": season,
            "parameter": key,
            "value": str(value),
        }
        for key, value in values.items()
    ]


def _feature_sets(
    feature_columns: Sequence[str] | Mapping[str, Sequence[str]],
) -> dict[str, list[str]]:
    if isinstance(feature_columns, Mapping):
        return {name: list(columns) for name, columns in feature_columns.items()}
    return {"default": list(feature_columns)}


def score_predictions(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    common_matches: bool = True,
) -> pd.DataFrame:
    """Metrics per model, variant and season, plus season 'all', in long format.

    ``labels`` has match_id and label. With ``common_matches`` every model is scored, season
    by season, only on the matches that every model and variant predicted (for instance
    those the market priced), so the numbers are comparable; ``n_matches`` says how many.
    """
    scored = predictions.dropna(subset=["p_home", "p_draw", "p_away"]).merge(
        labels[["match_id", "label"]], on="match_id", how="inner"
    )
    scored = scored[scored["label"].notna()]
    if common_matches and not scored.empty:
        n_models = scored.groupby(["model", "variant"]).ngroups
        coverage = scored.groupby("match_id")[["model", "variant"]].apply(
            lambda g: len(g.drop_duplicates())
        )
        scored = scored[scored["match_id"].isin(coverage[coverage == n_models].index)]
    rows: list[dict[str, Any]] = []
    for (model, variant), group in scored.groupby(["model", "variant"], sort=False):
        pieces = [(str(season), part) for season, part in group.groupby("season", sort=True)]
        pieces.append((ALL_SEASONS, group))
        for season, part in pieces:
            values = evaluate(
                part[["p_home", "p_draw", "p_away"]].to_numpy(), part["label"].to_numpy()
            )
            for metric in METRIC_NAMES:
                rows.append(
                    {
                        "model": model,
                        "variant": variant,
                        "season": season,
                        "metric": metric,
                        "value": values[metric],
                        "n_matches": len(part),
                    }
                )
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def walk_forward_evaluate(
    features: pd.DataFrame,
    eval_seasons: Sequence[str],
    feature_columns: Sequence[str] | Mapping[str, Sequence[str]],
    *,
    classifiers: Sequence[ClassifierKind] = ("logistic", "hgb"),
    market_odds: Mapping[str, Sequence[str]] | None = None,
    margin_method: MarginMethod = "shin",
    goals_matches: pd.DataFrame | None = None,
    goals_options: Mapping[str, Any] | None = None,
    base_rates: bool = True,
    scoring: Scoring = "rps",
    n_splits: int = 3,
    calibrations: Sequence[Calibration] = ("none", "temperature"),
    classifier_grids: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    common_matches: bool = True,
    random_state: int = 0,
) -> WalkForwardResult:
    """Walk forward over ``eval_seasons``, predicting each with every model, and score them.

    ``features``: one row per played match with match_id, season, kickoff_date, label
    ('H'/'D'/'A') and the feature columns. ``feature_columns``: a list, or a mapping from a
    variant name to a list when several feature sets are compared. ``market_odds`` maps a
    variant name to the three odds columns of ``features`` (default: odds_home/draw/away
    when present, variant 'odds'); the variant is suffixed with the margin method.
    ``goals_matches`` (the Dixon-Coles input, may hold second-tier matches) enables the
    goals model, with ``goals_options`` passed to :func:`walk_forward_goals`.
    ``classifier_grids`` maps a classifier kind to its candidate hyper-parameters when the
    defaults are not wanted; ``scoring``, ``n_splits`` and ``calibrations`` go to
    :func:`~ml.models.classifiers.fit_classifier`.

    Raises :class:`LeakageError` if a training set ever reaches into the season it
    predicts.
    """
    missing = [column for column in FEATURE_FRAME_COLUMNS if column not in features.columns]
    if missing:
        raise ValueError(f"features is missing columns: {', '.join(missing)}")
    if features["match_id"].duplicated().any():
        raise ValueError("features must have one row per match_id")
    frame = features.copy()
    frame["kickoff_date"] = pd.to_datetime(frame["kickoff_date"])
    frame = frame.sort_values("kickoff_date", kind="stable").reset_index(drop=True)
    unknown = sorted(set(eval_seasons) - set(frame["season"]))
    if unknown:
        raise ValueError(f"no matches for evaluation season(s) {unknown}")
    feature_sets = _feature_sets(feature_columns)
    if market_odds is None:
        market_odds = (
            {"odds": DEFAULT_ODDS_COLUMNS}
            if set(DEFAULT_ODDS_COLUMNS) <= set(frame.columns)
            else {}
        )

    predictions: list[pd.DataFrame] = []
    selections: list[dict[str, str]] = []
    importances: list[pd.DataFrame] = []
    first_kickoff = frame.groupby("season")["kickoff_date"].min()
    for season in sorted(eval_seasons, key=lambda s: first_kickoff[s]):
        block = frame[(frame["season"] == season) & frame["label"].notna()]
        start = block["kickoff_date"].min()
        train = training_rows(frame, start)
        assert_no_leakage(train["kickoff_date"], block["kickoff_date"], f"season {season}")
        if (train["season"] == season).any():
            raise LeakageError(f"training rows for {season} include matches of {season}")
        if train.empty:
            raise ValueError(f"no labelled matches before {season} to train on")

        if base_rates:
            model = BaseRateModel().fit(None, train["label"])
            predictions.append(
                _prediction_frame("base_rates", "train_window", block, model.predict_proba(block))
            )
            selections += _selection_rows(
                "base_rates",
                "train_window",
                season,
                dict(zip(("H", "D", "A"), model.probabilities_.round(4), strict=True)),
            )
        for name, columns in market_odds.items():
            variant = f"{name}_{margin_method}"
            proba = market_probabilities(block, margin_method, columns)
            predictions.append(_prediction_frame("market", variant, block, proba))
        for kind in classifiers:
            for variant, columns in feature_sets.items():
                fitted = fit_classifier(
                    kind,
                    train,
                    train["label"],
                    columns,
                    kickoff=train["kickoff_date"],
                    scoring=scoring,
                    n_splits=n_splits,
                    calibrations=calibrations,
                    grid=(classifier_grids or {}).get(kind),
                    random_state=random_state,
                )
                predictions.append(
                    _prediction_frame(kind, variant, block, fitted.predict_proba(block))
                )
                selections += _selection_rows(
                    kind,
                    variant,
                    season,
                    fitted.best_params_
                    | {"calibration": fitted.calibration_, "n_train": len(train)},
                )
                importance = fitted.feature_importances()
                importance.insert(0, "season", season)
                importance.insert(0, "variant", variant)
                importance.insert(0, "model", kind)
                importances.append(importance)
        if goals_matches is not None:
            options = dict(goals_options or {})
            goals = walk_forward_goals(
                goals_matches,
                eval_start=start,
                eval_end=block["kickoff_date"].max() + pd.Timedelta(days=1),
                **options,
            )
            goals = goals[goals["match_id"].isin(block["match_id"])]
            aligned = block[["match_id", "season"]].merge(
                goals[["match_id", "p_home", "p_draw", "p_away"]], on="match_id", how="inner"
            )
            predictions.append(
                _prediction_frame(
                    "dixon_coles",
                    "weekly",
                    aligned,
                    aligned[["p_home", "p_draw", "p_away"]].to_numpy(),
                )
            )
            selections += _selection_rows(
                "dixon_coles",
                "weekly",
                season,
                {
                    "xi": goals["xi"].iloc[0] if len(goals) else np.nan,
                    "refits": goals["refit_date"].nunique(),
                }
                | {key: value for key, value in options.items() if key != "xi"},
            )

    all_predictions = (
        pd.concat(predictions, ignore_index=True)[PREDICTION_COLUMNS]
        if predictions
        else pd.DataFrame(columns=PREDICTION_COLUMNS)
    )
    metrics = score_predictions(all_predictions, frame[["match_id", "label"]], common_matches)
    return WalkForwardResult(
        predictions=all_predictions,
        metrics=metrics,
        selections=pd.DataFrame(selections, columns=SELECTION_COLUMNS),
        importances=(
            pd.concat(importances, ignore_index=True)[IMPORTANCE_COLUMNS]
            if importances
            else pd.DataFrame(columns=IMPORTANCE_COLUMNS)
        ),
    )
