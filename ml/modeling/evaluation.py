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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from ml.modeling.candidates import candidates
from ml.modeling.interface import (
    PROBABILITY_COLUMNS,
    Cadence,
    Candidate,
    CandidateOptions,
    History,
    label,
    with_forecasts,
)
from ml.models.blend import BlendSpec, assert_out_of_sample
from ml.models.classifiers import Calibration, ClassifierKind, Scoring
from ml.models.leakage import LeakageError, assert_no_leakage
from ml.models.market import DEFAULT_ODDS_COLUMNS
from ml.models.metrics import METRIC_NAMES, MarginMethod, evaluate

__all__ = [
    "LeakageError",
    "METRIC_COLUMNS",
    "PREDICTION_COLUMNS",
    "WalkForwardResult",
    "evaluate_candidates",
    "rolling_forecasts",
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
    - ``forecasts``: each weekly candidate's walk-forward over every evaluated season and the
      window before them, by name, where one was run or given whole (not per season): a
      final fit learning from those forecasts reuses them.
    """

    predictions: pd.DataFrame
    metrics: pd.DataFrame
    selections: pd.DataFrame
    importances: pd.DataFrame
    forecasts: Mapping[str, pd.DataFrame] = field(default_factory=dict)


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
        coverage = (
            scored.drop_duplicates(["match_id", "model", "variant"]).groupby("match_id").size()
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


def _window_start(frame: pd.DataFrame, season: str, window_seasons: int) -> pd.Timestamp:
    """First kickoff of the ``window_seasons`` seasons before ``season`` (its own start if 0)."""
    first_kickoff = frame.groupby("season")["kickoff_date"].min().sort_values()
    position = first_kickoff.index.get_loc(season)
    return first_kickoff.iloc[max(0, position - window_seasons)]


def _windows(built: Sequence[Candidate]) -> dict[str, int]:
    """For each weekly candidate, how many seasons before an evaluated season its forecasts
    must reach: as far as the candidates that learn from them need."""
    return {
        candidate.name: max(
            (other.window_seasons for other in built if candidate.name in other.requires),
            default=0,
        )
        for candidate in built
        if candidate.cadence is Cadence.WEEKLY
    }


def _span(
    features: pd.DataFrame, eval_seasons: Sequence[str], window_seasons: int
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """The opening day of the first of ``eval_seasons``, the first kickoff of the
    ``window_seasons`` seasons before it, and the day after the last one's last match."""
    frame = features.assign(kickoff_date=pd.to_datetime(features["kickoff_date"]))
    first_kickoff = frame.groupby("season")["kickoff_date"].min().sort_values()
    seasons = sorted(eval_seasons, key=lambda s: first_kickoff[s])
    last = frame.loc[frame["season"] == seasons[-1], "kickoff_date"].max()
    return (
        first_kickoff[seasons[0]],
        _window_start(frame, seasons[0], window_seasons),
        last + pd.Timedelta(days=1),
    )


def rolling_forecasts(
    features: pd.DataFrame,
    goals_matches: pd.DataFrame,
    eval_seasons: Sequence[str],
    built: Sequence[Candidate],
) -> dict[str, pd.DataFrame]:
    """Each weekly candidate's walk-forward over ``eval_seasons`` and the window before them
    that the candidates learning from it need, run once, keyed by candidate name.

    For callers that evaluate season by season (``forecasts`` of
    :func:`evaluate_candidates`): every forecast is still made weekly from earlier matches
    only, but the refits are done once. The weekly grid is anchored on the first evaluated
    season's opening day.
    """
    history = History(features, goals_matches)
    return {
        name: _named(built, name).forecasts(history, *_span(features, eval_seasons, window))
        for name, window in _windows(built).items()
    }


def _named(built: Sequence[Candidate], name: str) -> Candidate:
    return next(candidate for candidate in built if candidate.name == name)


def evaluate_candidates(
    features: pd.DataFrame,
    eval_seasons: Sequence[str],
    built: Sequence[Candidate],
    *,
    goals_matches: pd.DataFrame | None = None,
    forecasts: Mapping[str, pd.DataFrame] | None = None,
    rolling: bool = False,
    common_matches: bool = True,
    n_jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> WalkForwardResult:
    """Walk forward over ``eval_seasons``, predicting each with every candidate, and score them.

    ``features``: one row per played match with match_id, season, kickoff_date, label
    ('H'/'D'/'A') and the columns the candidates read. Each season, every candidate refitted
    by season is fitted on the labelled matches before the season's first and predicts it; a
    weekly one contributes its own walk-forward's forecasts (``forecasts``, keyed by its
    name, from :func:`rolling_forecasts`; with ``rolling`` its walk-forward over every
    season is run here once, as :func:`rolling_forecasts` does; else one per season on
    ``goals_matches``), which also reach the candidates that learn from them as columns of
    their history and of the season's matches.

    The fits are independent of one another, so ``n_jobs`` processes share them (joblib; each
    fit single-threaded); the weekly walk-forwards run beside the fits that do not learn from
    them. Every fit sees the same inputs whatever ``n_jobs`` is, and the results are put back
    in season and candidate order, so the answer is the same for any number of workers.
    ``progress`` is called with (jobs done, jobs in all) as they finish.

    Raises :class:`LeakageError` if a training set ever reaches into the season it
    predicts, or a forecast learnt from is not out of sample.
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
    windows = _windows(built)
    precomputed = dict(forecasts or {})
    first_kickoff = frame.groupby("season")["kickoff_date"].min()
    seasons: list[_Season] = []
    for season in sorted(eval_seasons, key=lambda s: first_kickoff[s]):
        block = frame[(frame["season"] == season) & frame["label"].notna()]
        start = block["kickoff_date"].min()
        train = training_rows(frame, start)
        assert_no_leakage(train["kickoff_date"], block["kickoff_date"], f"season {season}")
        if (train["season"] == season).any():
            raise LeakageError(f"training rows for {season} include matches of {season}")
        if train.empty:
            raise ValueError(f"no labelled matches before {season} to train on")
        end = block["kickoff_date"].max() + pd.Timedelta(days=1)
        seasons.append(_Season(season, block, start, end, train))

    # Phase 1: the weekly walk-forwards not given, beside the fits that need none of them.
    history_all = History(frame, goals_matches)
    weekly_jobs: dict[tuple[str, str | None], Any] = {}
    for name, window in windows.items():
        if name in precomputed:
            continue
        if rolling:
            span = _span(frame, [s.name for s in seasons], window)
            weekly_jobs[(name, None)] = delayed(_forecasts)(_named(built, name), history_all, span)
        else:
            for season in seasons:
                span = (season.start, _window_start(frame, season.name, window), season.end)
                weekly_jobs[(name, season.name)] = delayed(_forecasts)(
                    _named(built, name), history_all, span
                )
    fit_jobs = {
        (season.name, position): season
        for season in seasons
        for position, candidate in enumerate(built)
        if candidate.cadence is not Cadence.WEEKLY
    }
    total = len(weekly_jobs) + len(fit_jobs)
    runner = _Runner(n_jobs, total, progress)

    def fit_job(key: tuple[str, int], weekly: Mapping[str, Mapping[str, pd.DataFrame]]):
        season = fit_jobs[key]
        candidate = built[key[1]]
        seen, target = season.train, season.block
        for name in candidate.requires:
            seen = with_forecasts(seen, name, weekly[name][season.name])
            target = with_forecasts(target, name, weekly[name][season.name])
        goals = _before(goals_matches, season.start)
        return delayed(_fit_and_predict)(candidate, History(seen, goals), season.start, target)

    independent = [key for key in fit_jobs if not built[key[1]].requires]
    done = runner.run(list(weekly_jobs.values()) + [fit_job(key, {}) for key in independent])
    computed = dict(zip(weekly_jobs, done[: len(weekly_jobs)], strict=True))
    fitted = dict(zip(independent, done[len(weekly_jobs) :], strict=True))
    weekly: dict[str, dict[str, pd.DataFrame]] = {}
    for name, window in windows.items():
        weekly[name] = {}
        whole = precomputed.get(name, computed.get((name, None)))
        for season in seasons:
            weekly[name][season.name] = _season_forecasts(
                _named(built, name),
                whole if whole is not None else computed[(name, season.name)],
                season.start,
                _window_start(frame, season.name, window),
                season.end,
                season.name,
                sliced=whole is not None,
            )

    # Phase 2: the fits that learn from the weekly candidates' forecasts.
    dependent = [key for key in fit_jobs if built[key[1]].requires]
    fitted |= dict(
        zip(dependent, runner.run([fit_job(key, weekly) for key in dependent]), strict=True)
    )

    predictions: list[pd.DataFrame] = []
    selections: list[dict[str, str]] = []
    importances: list[pd.DataFrame] = []
    for season in seasons:
        block = season.block
        for position, candidate in enumerate(built):
            if candidate.cadence is Cadence.WEEKLY:
                own = weekly[candidate.name][season.name]
                own = own[own["match_id"].isin(block["match_id"])]
                aligned = block[["match_id", "season"]].merge(
                    own[["match_id", *PROBABILITY_COLUMNS]], on="match_id", how="inner"
                )
                proba = aligned[list(PROBABILITY_COLUMNS)].to_numpy()
                predictions.append(
                    _prediction_frame(candidate.name, candidate.variant, aligned, proba)
                )
                summary = candidate.forecast_summary(own)
            else:
                proba, summary, importance = fitted[(season.name, position)]
                predictions.append(
                    _prediction_frame(candidate.name, candidate.variant, block, proba)
                )
                if importance is not None:
                    importance = importance.copy()
                    importance.insert(0, "season", season.name)
                    importance.insert(0, "variant", candidate.variant)
                    importance.insert(0, "model", candidate.name)
                    importances.append(importance)
            selections += _selection_rows(candidate.name, candidate.variant, season.name, summary)

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
        forecasts={
            name: whole
            for name in windows
            if (whole := precomputed.get(name, computed.get((name, None)))) is not None
        },
    )


@dataclass(frozen=True)
class _Season:
    """One evaluated season: its labelled matches, first kickoff, the day after its last, and
    the labelled matches before it."""

    name: str
    block: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    train: pd.DataFrame


def _forecasts(
    candidate: Candidate,
    history: History,
    span: tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp],
) -> pd.DataFrame:
    """A weekly candidate's walk-forward over ``span`` (anchor, earliest, end): one job."""
    return candidate.forecasts(history, *span)


def _fit_and_predict(
    candidate: Candidate, history: History, as_of: pd.Timestamp, target: pd.DataFrame
) -> tuple[np.ndarray, dict[str, Any], pd.DataFrame | None]:
    """One season's fit and its predictions, summary and importances: one job."""
    fitted = candidate.fit(history, as_of)
    return fitted.predict_proba(target), dict(fitted.summary()), fitted.importances()


class _Runner:
    """Runs batches of independent jobs on ``n_jobs`` worker processes (in this process when
    one), in the order given, counting them for ``progress``."""

    def __init__(
        self, n_jobs: int, total: int, progress: Callable[[int, int], None] | None
    ) -> None:
        self.n_jobs, self.total, self.progress, self.done = n_jobs, total, progress, 0

    def run(self, jobs: list) -> list:
        if not jobs:
            return []
        if self.n_jobs == 1 or len(jobs) == 1:
            results = []
            for function, args, kwargs in jobs:
                results.append(function(*args, **kwargs))
                self._advance()
            return results
        results: list = [None] * len(jobs)
        parallel = Parallel(
            n_jobs=min(self.n_jobs, len(jobs)),
            return_as="generator_unordered",
            batch_size=1,
            pre_dispatch="all",
        )
        indexed = [delayed(_indexed)(i, job) for i, job in enumerate(jobs)]
        for position, result in parallel(indexed):
            results[position] = result
            self._advance()
        return results

    def _advance(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


def _indexed(position: int, job: tuple) -> tuple[int, Any]:
    function, args, kwargs = job
    return position, function(*args, **kwargs)


def _before(matches: pd.DataFrame | None, moment: pd.Timestamp) -> pd.DataFrame | None:
    if matches is None:
        return None
    return matches[pd.to_datetime(matches["kickoff_date"]) < moment]


def _season_forecasts(
    candidate: Candidate,
    forecasts: pd.DataFrame,
    start: pd.Timestamp,
    window_start: pd.Timestamp,
    end: pd.Timestamp,
    season: str,
    *,
    sliced: bool,
) -> pd.DataFrame:
    """A weekly candidate's forecasts from ``window_start`` to the season's ``end``: sliced
    from its walk-forward over every season (``sliced``), else its run for this season."""
    if sliced:
        kickoff = pd.to_datetime(forecasts["kickoff_date"])
        forecasts = forecasts[(kickoff >= window_start) & (kickoff < end)]
    assert_out_of_sample(forecasts, end, f"{label(candidate)} forecasts for season {season}")
    return forecasts


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
    """:func:`evaluate_candidates` of the registered candidates these options configure.

    ``feature_columns``: a list, or a mapping from a variant name to a list when several
    feature sets are compared. ``market_odds`` maps a variant name to the three odds columns
    of ``features`` (default: odds_home/draw/away when present, variant 'odds') of model
    'market'; the variant is suffixed with the margin method. ``goals_matches`` (the
    Dixon-Coles input, may hold second-tier matches) enables the goals model, with
    ``goals_options`` passed to :func:`~ml.models.dixon_coles.walk_forward_goals`.
    ``classifier_grids`` maps a classifier kind to its candidate hyper-parameters when the
    defaults are not wanted; ``scoring``, ``n_splits`` and ``calibrations`` go to
    :func:`~ml.models.classifiers.fit_classifier`. ``blend`` adds model 'blend' (needs
    ``goals_matches``), configured by ``blend_spec`` (default: :class:`BlendSpec` on the
    odds_home/draw/away columns). ``goals_forecasts``, the output of
    :meth:`~ml.modeling.dixon_coles.DixonColesCandidate.forecasts` over the evaluated seasons and their blend windows, replaces
    the goals walk-forward this function would run: a caller evaluating season by season
    computes it once instead of once per season.
    """
    frame_columns = set(features.columns)
    if market_odds is None:
        market_odds = (
            {"odds": DEFAULT_ODDS_COLUMNS} if set(DEFAULT_ODDS_COLUMNS) <= frame_columns else {}
        )
    use_goals = goals_matches is not None or goals_forecasts is not None
    built = candidates(
        CandidateOptions(
            feature_sets=_feature_sets(feature_columns),
            classifiers=tuple(classifiers),
            classifier_grids=classifier_grids,
            scoring=scoring,
            n_splits=n_splits,
            calibrations=tuple(calibrations),
            random_state=random_state,
            base_rates=base_rates,
            markets=[("market", name, tuple(columns)) for name, columns in market_odds.items()],
            margin_method=margin_method,
            goals=use_goals,
            goals_options=dict(goals_options or {}),
            blend=blend,
            blend_spec=blend_spec,
        )
    )
    forecasts = (
        {c.name: goals_forecasts for c in built if c.cadence is Cadence.WEEKLY}
        if goals_forecasts is not None
        else None
    )
    return evaluate_candidates(
        features,
        eval_seasons,
        built,
        goals_matches=goals_matches,
        forecasts=forecasts,
        common_matches=common_matches,
    )
