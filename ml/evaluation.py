"""The walk-forward evaluation: every model predicts each season knowing only its past.

For each evaluation season the feature-based models (base rates, classifiers) are fitted
on every labelled match that kicked off before the season's first match and then predict
the whole season; the market needs no fitting; the Dixon-Coles model goes through
:func:`~ml.models.dixon_coles.walk_forward_goals` and is refitted every week, which is how
it would be run live. Every model is then scored on the same matches (those all of them
predicted), season by season and over all seasons, so the comparison with the market is
like for like.

With ``blend=True`` the Dixon-Coles walk-forward starts several seasons before each
evaluation season, so that its weekly forecasts of the training window are out of sample
too; a stacked blend of the market and those forecasts (:mod:`ml.models.blend`) is fitted
on the window and predicts the season from the same walk-forward's in-season forecasts.

Pure: DataFrames in, DataFrames out. The warehouse, MLflow and the CLI live elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ml.metrics import METRIC_NAMES, MarginMethod, evaluate
from ml.models.blend import BlendSpec, assert_out_of_sample, blend_inputs, fit_blend
from ml.models.classifiers import Calibration, ClassifierKind, Scoring, fit_classifier
from ml.models.dixon_coles import walk_forward_goals
from ml.models.leakage import LeakageError, assert_no_leakage
from ml.models.market import DEFAULT_ODDS_COLUMNS, BaseRateModel, market_probabilities

__all__ = [
    "LeakageError",
    "METRIC_COLUMNS",
    "PREDICTION_COLUMNS",
    "WalkForwardResult",
    "goals_walk_forward",
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


def goals_walk_forward(
    features: pd.DataFrame,
    goals_matches: pd.DataFrame,
    eval_seasons: Sequence[str],
    *,
    window_seasons: int = 0,
    goals_options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One goals walk-forward covering ``eval_seasons`` and the ``window_seasons`` before them.

    For callers that evaluate season by season (``goals_forecasts`` of
    :func:`walk_forward_evaluate`): every forecast is still made weekly from earlier
    matches only, but the refits are done once. The weekly grid is anchored on the first
    evaluated season's opening day.
    """
    frame = features.assign(kickoff_date=pd.to_datetime(features["kickoff_date"]))
    first_kickoff = frame.groupby("season")["kickoff_date"].min().sort_values()
    seasons = sorted(eval_seasons, key=lambda s: first_kickoff[s])
    options = dict(goals_options or {})
    start = first_kickoff[seasons[0]]
    last = frame.loc[frame["season"] == seasons[-1], "kickoff_date"].max()
    return walk_forward_goals(
        goals_matches,
        eval_start=_aligned_start(
            start,
            _blend_window_start(frame, seasons[0], window_seasons),
            int(options.get("refit_every_days", 7)),
        ),
        eval_end=last + pd.Timedelta(days=1),
        **options,
    )


def _blend_window_start(frame: pd.DataFrame, season: str, window_seasons: int) -> pd.Timestamp:
    """First kickoff of the ``window_seasons`` seasons before ``season`` (its own start if 0)."""
    first_kickoff = frame.groupby("season")["kickoff_date"].min().sort_values()
    position = first_kickoff.index.get_loc(season)
    return first_kickoff.iloc[max(0, position - window_seasons)]


def _aligned_start(start: pd.Timestamp, earliest: pd.Timestamp, every_days: int) -> pd.Timestamp:
    """The latest day on or before ``earliest`` a whole number of refit periods before ``start``.

    Starting the goals walk-forward there puts the evaluated season's refits on the same
    days as a walk-forward started at the season itself, so extending it for the blend
    leaves the Dixon-Coles forecasts of the season as they were.
    """
    periods = -(-(start - earliest).days // every_days)
    return start - pd.Timedelta(days=periods * every_days)


def _blend_season(
    learn: pd.DataFrame,
    block: pd.DataFrame,
    goals_all: pd.DataFrame,
    spec: BlendSpec,
    season: str,
    start: pd.Timestamp,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Fit the blend on the window ``learn`` and predict ``block``; guards against leakage.

    ``goals_all`` holds the goals walk-forward's forecasts, window and season alike; only
    those of matches in ``learn`` reach the blender, and each must be out of sample and
    from before the season.
    """
    forecast_columns = ["match_id", "kickoff_date", "refit_date", "p_home", "p_draw", "p_away"]
    known = learn.merge(
        goals_all[forecast_columns], on="match_id", how="inner", suffixes=("", "_goals")
    )
    context = f"blend for season {season}"
    assert_out_of_sample(
        known[["kickoff_date_goals", "refit_date"]].rename(
            columns={"kickoff_date_goals": "kickoff_date"}
        ),
        start,
        context,
    )
    assert_no_leakage(known["kickoff_date"], block["kickoff_date"], context)
    if (known["season"] == season).any():
        raise LeakageError(f"{context} would learn from matches of {season}")
    if known.empty:
        raise ValueError(f"no goals forecasts before {season} for the blend to learn from")
    inputs = blend_inputs(known, known[["p_home", "p_draw", "p_away"]], spec)
    fitted = fit_blend(
        inputs,
        known["label"],
        known["season"],
        known["kickoff_date"],
        sources=spec.sources,
        l2_grid=spec.l2_grid,
        n_folds=spec.n_folds,
    )
    in_season = block[["match_id"]].merge(
        goals_all[["match_id", "p_home", "p_draw", "p_away"]], on="match_id", how="left"
    )
    target = blend_inputs(
        block.reset_index(drop=True), in_season[["p_home", "p_draw", "p_away"]], spec
    )
    chosen = fitted.summary() | {
        "window_from": str(known["season"].iloc[0]) if len(known) else "",
        "cv_seasons": ",".join(map(str, fitted.cv_results["season"].unique())),
    }
    return fitted.predict_proba(target), chosen


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
    blend: bool = False,
    blend_spec: BlendSpec | None = None,
    goals_forecasts: pd.DataFrame | None = None,
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
    :func:`~ml.models.classifiers.fit_classifier`. ``blend`` adds model 'blend' (needs
    ``goals_matches``), configured by ``blend_spec`` (default: :class:`BlendSpec` on the
    odds_home/draw/away columns). ``goals_forecasts``, the output of
    :func:`goals_walk_forward` (or :func:`walk_forward_goals`) over the evaluated seasons
    and their blend windows, replaces the goals walk-forward this function would run: a
    caller evaluating season by season computes it once instead of once per season.

    Raises :class:`LeakageError` if a training set ever reaches into the season it
    predicts, or the blender would learn from a goals forecast that is not out of sample.
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
    use_goals = goals_matches is not None or goals_forecasts is not None
    if blend and not use_goals:
        raise ValueError("the blend needs the goals model: pass goals_matches")
    spec = blend_spec or BlendSpec()
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
        if use_goals:
            options = dict(goals_options or {})
            window_start = _blend_window_start(frame, season, spec.window_seasons if blend else 0)
            end = block["kickoff_date"].max() + pd.Timedelta(days=1)
            if goals_forecasts is None:
                goals_all = walk_forward_goals(
                    goals_matches,
                    eval_start=_aligned_start(
                        start, window_start, int(options.get("refit_every_days", 7))
                    ),
                    eval_end=end,
                    **options,
                )
            else:
                kickoff = pd.to_datetime(goals_forecasts["kickoff_date"])
                goals_all = goals_forecasts[(kickoff >= window_start) & (kickoff < end)]
            assert_out_of_sample(goals_all, end, f"goals forecasts for season {season}")
            goals = goals_all[goals_all["match_id"].isin(block["match_id"])]
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
            if blend:
                learn = train[train["kickoff_date"] >= window_start]
                proba, chosen = _blend_season(learn, block, goals_all, spec, season, start)
                predictions.append(_prediction_frame("blend", spec.variant, block, proba))
                selections += _selection_rows("blend", spec.variant, season, chosen)

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
