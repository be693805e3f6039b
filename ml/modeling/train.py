"""``plpred train``: walk-forward evaluation against the market, MLflow logging, champion/challenger.

Reads only the marts (``mart_match_features``; closing prices from ``fct_matches`` as the
yardstick). For each evaluation season every model is fitted on the matches before it and
predicts it (:func:`ml.modeling.evaluation.walk_forward_evaluate`); the numbers go to
``ml.model_evaluations`` and the predictions to ``ml.walk_forward_predictions``. The model
with the best RPS over the evaluation window is then refitted on every played match,
logged and registered in MLflow, and becomes champion only if it beats the current one on
the latest evaluated season (:func:`ml.modeling.registry.decide_promotion`).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ml import clock
from ml.config import Settings
from ml.faults import fault_point
from ml.modeling import registry
from ml.modeling.candidates import candidates, find
from ml.modeling.config import (
    TrainConfig,
)
from ml.modeling.evaluation import (
    ALL_SEASONS,
    WalkForwardResult,
    evaluate_candidates,
)
from ml.modeling.features import (
    CLOSING_ODDS,
    PINNACLE_PRE_MATCH_ODDS,
    PRE_MATCH_ODDS,
    feature_sets,
    type_frame,
)
from ml.modeling.interface import Candidate, CandidateOptions, Fitted, History
from ml.models.blend import BlendSpec
from ml.warehouse.connection import apply_ddl, connect, read_sql

# The second tier whose history teaches the goals model about promoted clubs.
SECOND_TIER = {
    "E0": "E1",
    "E1": "E2",
    "SP1": "SP2",
    "D1": "D2",
    "I1": "I2",
    "F1": "F2",
    "SC0": "SC1",
}

# The season of the kept model's importances measured on its fit on every played match.
FINAL_FIT_SEASON = "final"
MARGIN_METHOD = "proportional"
# The market yardsticks as the ledgers name them: what a bettor could take, and the closing
# line (Pinnacle's where it priced the match, else the average).
MARKETS = (
    ("market_pre", "avg", PRE_MATCH_ODDS),
    ("market_close", "pinnacle_else_avg", CLOSING_ODDS),
)
# The blend pools the average pre-match prices (what a bettor sees), Pinnacle's where it
# priced the match, and the goals model's weekly walk-forward.
BLEND_SPEC = BlendSpec(
    market_odds=PRE_MATCH_ODDS,
    pinnacle_odds=PINNACLE_PRE_MATCH_ODDS,
    margin_method=MARGIN_METHOD,
)


class TrainError(RuntimeError):
    """Training cannot run; the message says what is missing."""


def candidate_options(
    config: TrainConfig, features: pd.DataFrame, *, diagnostics: bool = False
) -> CandidateOptions:
    """What ``config`` asks of the registered models, on ``features``' columns.

    ``diagnostics`` (permutation importance) is for the fit of the model a run keeps: a
    walk-forward's fits skip it, which changes none of their predictions."""
    return CandidateOptions(
        feature_sets={
            name: columns
            for name, columns in feature_sets(features).items()
            if name in config.variants
        },
        classifiers=config.classifiers,
        classifier_grids=config.classifier_grids(),
        random_state=config.random_state,
        markets=MARKETS,
        margin_method=MARGIN_METHOD,
        goals=config.goals_model,
        blend=config.blend and config.goals_model,
        blend_spec=BLEND_SPEC,
        diagnostics=diagnostics,
    )


def candidates_for(
    config: TrainConfig, features: pd.DataFrame, *, diagnostics: bool = False
) -> list[Candidate]:
    """The candidates ``config`` names, built for ``features``."""
    return candidates(candidate_options(config, features, diagnostics=diagnostics))


@dataclass
class TrainResult:
    run_id: str
    eval_seasons: list[str]
    metrics: pd.DataFrame
    selected: tuple[str, str]
    model_version: str
    decision: registry.Decision
    training_data_end: str
    extra: dict = field(default_factory=dict)


def load_frame(settings: Settings, as_of: datetime | None = None) -> pd.DataFrame:
    """mart_match_features for the league and its second tier, typed for pandas.

    With ``as_of``, only matches that kicked off before the clock: a warehouse that already
    holds later results (a full load looked at from an earlier moment) leaks nothing."""
    league = settings.league
    with connect(settings) as conn:
        if not conn.table_exists("marts.mart_match_features"):
            raise TrainError(
                "marts.mart_match_features does not exist: run `plpred ingest` and "
                "`plpred transform` first"
            )
        frame = conn.query_df(
            read_sql("ml/select_match_features.sql"),
            [league, SECOND_TIER.get(league, league)],
        )
    frame = type_frame(frame)
    if as_of is not None and not frame.empty:
        kickoff = pd.to_datetime(frame["kickoff_at"])
        frame = frame[kickoff < clock.utc_naive(as_of)].reset_index(drop=True)
    return frame


def evaluation_frame(frame: pd.DataFrame, league: str) -> pd.DataFrame:
    played = frame[(frame["league"] == league) & frame["is_played"].astype(bool)].copy()
    played["label"] = played["label_result"]
    return played.reset_index(drop=True)


def goals_frame(frame: pd.DataFrame) -> pd.DataFrame:
    goals = frame[["match_id", "league", "season", "kickoff_date", "home_team", "away_team"]].copy()
    goals["home_goals"] = pd.to_numeric(frame["label_home_goals"], errors="coerce")
    goals["away_goals"] = pd.to_numeric(frame["label_away_goals"], errors="coerce")
    return goals.reset_index(drop=True)


def default_eval_seasons(played: pd.DataFrame, n: int) -> list[str]:
    seasons = played.groupby("season")["kickoff_date"].min().sort_values().index.tolist()
    if len(seasons) < 2:
        raise TrainError("training needs at least two seasons of played matches")
    return seasons[-min(n, len(seasons) - 1) :]


def walk_forward(
    features: pd.DataFrame,
    goals: pd.DataFrame,
    eval_seasons: Sequence[str],
    config: TrainConfig,
    console: Console,
    n_jobs: int | None = None,
) -> WalkForwardResult:
    """Every candidate over every season, with a progress bar; metrics over all seasons.

    Weekly candidates (the goals model) walk forward once over the seasons (and the window
    before them that the candidates learning from them need) rather than once per season.
    The fits run on ``n_jobs`` processes (default: one per core, :func:`default_jobs`); the
    predictions do not depend on how many.
    """
    built = candidates_for(config, features)
    with Progress(
        TextColumn("[bold]walk-forward[/bold] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} fits"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(", ".join(eval_seasons), total=None)
        return evaluate_candidates(
            features,
            eval_seasons,
            built,
            goals_matches=goals,
            rolling=True,
            n_jobs=default_jobs() if n_jobs is None else n_jobs,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )


def default_jobs() -> int:
    """The cores this process may run on: a walk-forward's fits are spread over them."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def metric_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per model and variant: RPS per season, then the whole window's metrics."""
    rps = metrics[metrics["metric"] == "rps"].pivot_table(
        index=["model", "variant"], columns="season", values="value"
    )
    overall = metrics[metrics["season"] == ALL_SEASONS].pivot_table(
        index=["model", "variant"], columns="metric", values="value"
    )
    seasons = [c for c in rps.columns if c != ALL_SEASONS]
    table = rps[seasons].add_prefix("rps_").join(overall.add_suffix("_all"))
    return table.sort_values("rps_all").reset_index()


def select_best(metrics: pd.DataFrame, yardsticks: Sequence[str]) -> tuple[str, str]:
    """The candidate with the lowest RPS over the window; yardsticks (the candidates flagged
    ``yardstick``: a champion that is the market itself could never find value) cannot win."""
    overall = metrics[(metrics["season"] == ALL_SEASONS) & (metrics["metric"] == "rps")]
    eligible = overall[~overall["model"].isin(list(yardsticks))].sort_values("value")
    if eligible.empty:
        raise TrainError("no candidate model produced predictions")
    best = eligible.iloc[0]
    return str(best["model"]), str(best["variant"])


def fit_final(
    model: str,
    variant: str,
    features: pd.DataFrame,
    goals: pd.DataFrame,
    config: TrainConfig,
    forecasts: Mapping[str, pd.DataFrame] | None = None,
) -> Fitted:
    """Refit the chosen candidate on every played match; returns the fitted model to serve.

    The fit is as of the day after the last played match it may learn from, so refitting the
    same matches gives the same model whenever it runs. This is the fit a run keeps, so it
    also measures the costly diagnostics (permutation importance) the walk-forward skipped.
    ``forecasts``: the walk-forward's weekly forecasts (:attr:`WalkForwardResult.forecasts`),
    which a candidate learning from them (the blend) takes instead of running the goals
    model's weekly walk-forward over its window again."""
    candidate = find(candidates_for(config, features, diagnostics=True), model, variant)
    history = History(features, goals, dict(forecasts or {}))
    return candidate.fit(history, _fit_moment(features, goals))


def _fit_moment(features: pd.DataFrame, goals: pd.DataFrame | None) -> pd.Timestamp:
    """The day after the last played match of ``features`` and ``goals``."""
    last = features["kickoff_date"].max()
    if goals is not None:
        played = goals.dropna(subset=["home_goals", "away_goals"])
        if not played.empty:
            last = max(last, pd.to_datetime(played["kickoff_date"]).max())
    return pd.Timestamp(last) + pd.Timedelta(days=1)


def _metric_key(*parts: str) -> str:
    return ".".join(parts)


def head_to_head(
    champion: registry.RegisteredVersion | None,
    season: str,
    result: WalkForwardResult,
    selected: tuple[str, str],
    frame: pd.DataFrame,
    league: str,
    built: Sequence[Candidate],
    n_jobs: int | None = None,
) -> tuple[dict[str, float], dict[str, float] | None]:
    """The challenger's and the champion's RPS and log loss on ``season``, on the same matches.

    The matches are those of ``season`` the challenger was scored on (every model's common
    matches in ``result``) that the champion's configuration also predicts out of sample.
    The champion's configuration (its ``plpred.train_config`` tag) is scored on them from
    this run's walk-forward when the run evaluated the same candidate, else by a walk-forward
    of it over ``season``. Its run's logged metrics are not used: they may come from a
    shorter part of the season (a champion trained mid-season), and a partial season's RPS
    against a whole season's is no comparison. A champion whose configuration cannot be
    rebuilt, or that predicts none of the matches, gets infinitely good scores: it stays.
    """
    from ml.models.metrics import evaluate

    predictions = result.predictions
    labels = frame.loc[frame["league"] == league, ["match_id", "label_result"]]
    labels = labels.rename(columns={"label_result": "label"}).dropna()
    common = _common_matches(predictions, season, labels)
    challenger = _predictions_of(predictions, *selected, common)
    logged = result.metrics[
        (result.metrics["model"] == selected[0])
        & (result.metrics["variant"] == selected[1])
        & (result.metrics["season"] == season)
    ].set_index("metric")["value"]
    candidate = {"rps": float(logged["rps"]), "log_loss": float(logged["log_loss"])}
    if champion is None:
        return candidate, None
    unbeatable = {"rps": float("-inf"), "log_loss": float("-inf")}
    model, _, variant = champion.label.partition("/")
    config = TrainConfig.from_json(champion.tags.get(registry.TAG_CONFIG))
    features = evaluation_frame(frame, league)
    try:
        theirs = candidates_for(config, features)
        own = find(theirs, model, variant)
    except (KeyError, ValueError):
        return candidate, unbeatable
    if own in built:
        scored = _predictions_of(predictions, model, variant, common)
    else:
        goals = goals_frame(frame if config.second_tier else frame[frame["league"] == league])
        needed = [c for c in theirs if c == own or c.name in own.requires]
        again = evaluate_candidates(
            features,
            [season],
            needed,
            goals_matches=goals,
            rolling=True,
            n_jobs=default_jobs() if n_jobs is None else n_jobs,
        )
        scored = _predictions_of(again.predictions, model, variant, common)
    if scored.empty:
        return candidate, unbeatable
    if len(scored) < len(challenger):
        challenger = challenger[challenger["match_id"].isin(scored["match_id"])]
        candidate = _scores(challenger, labels, evaluate)
    return candidate, _scores(scored, labels, evaluate)


def _common_matches(predictions: pd.DataFrame, season: str, labels: pd.DataFrame) -> set:
    """The matches of ``season`` every model and variant priced, with a result: those the
    walk-forward's metrics are computed on (:func:`ml.modeling.evaluation.score_predictions`)."""
    priced = predictions.dropna(subset=["p_home", "p_draw", "p_away"])
    priced = priced[priced["match_id"].isin(labels["match_id"])]
    n_models = priced.groupby(["model", "variant"]).ngroups
    coverage = priced.drop_duplicates(["match_id", "model", "variant"]).groupby("match_id").size()
    everyone = set(coverage[coverage == n_models].index)
    return everyone & set(priced.loc[priced["season"] == season, "match_id"])


def _predictions_of(
    predictions: pd.DataFrame, model: str, variant: str, matches: set
) -> pd.DataFrame:
    rows = predictions[
        (predictions["model"] == model)
        & (predictions["variant"] == variant)
        & predictions["match_id"].isin(matches)
    ]
    return rows.dropna(subset=["p_home", "p_draw", "p_away"])


def _scores(predictions: pd.DataFrame, labels: pd.DataFrame, evaluate) -> dict[str, float]:
    scored = predictions.merge(labels, on="match_id")
    values = evaluate(scored[["p_home", "p_draw", "p_away"]].to_numpy(), scored["label"].to_numpy())
    return {"rps": float(values["rps"]), "log_loss": float(values["log_loss"])}


def _print_table(console: Console, table: pd.DataFrame, selected: tuple[str, str]) -> None:
    seasons = [c for c in table.columns if c.startswith("rps_") and c != "rps_all"]
    market = table[table["model"] == "market_pre"]["rps_all"]
    market_rps = float(market.iloc[0]) if len(market) else np.nan
    out = Table(
        title="Walk-forward evaluation: model against market (RPS per season, lower is better)"
    )
    out.add_column("model/variant")
    for column in seasons:
        out.add_column(column.removeprefix("rps_"), justify="right")
    for column in ("RPS", "log loss", "accuracy", "ECE", "vs market"):
        out.add_column(column, justify="right")
    for row in table.to_dict("records"):
        style = "bold green" if (row["model"], row["variant"]) == selected else None
        if row["model"].startswith("market"):
            style = "cyan"
        out.add_row(
            f"{row['model']}/{row['variant']}",
            *[f"{row[c]:.4f}" for c in seasons],
            f"{row['rps_all']:.4f}",
            f"{row['log_loss_all']:.4f}",
            f"{row['accuracy_all']:.1%}",
            f"{row['ece_all']:.4f}",
            f"{row['rps_all'] - market_rps:+.4f}",
            style=style,
        )
    console.print(out)


def reliability_tables(predictions: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """The reliability table of every model and variant over the whole window (long form)."""
    from ml.models.metrics import reliability_table

    scored = predictions.dropna(subset=["p_home", "p_draw", "p_away"]).merge(labels, on="match_id")
    tables = []
    for (model, variant), part in scored.groupby(["model", "variant"], sort=True):
        table = reliability_table(
            part[["p_home", "p_draw", "p_away"]].to_numpy(), part["label"].to_numpy()
        )
        tables.append(table.assign(model=model, variant=variant))
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def _write_artifacts(
    directory: Path,
    result: WalkForwardResult,
    table: pd.DataFrame,
    features: pd.DataFrame,
    selected: tuple[str, str],
    final_importances: pd.DataFrame | None = None,
) -> None:
    """The run's evaluation files. Importances: every walk-forward fit's cheap ones (logistic
    coefficients) and the kept model's final fit's, all of them (season ``final``)."""
    from ml.plots import reliability_figure

    importances = result.importances
    if final_importances is not None and not final_importances.empty:
        final = final_importances.assign(
            model=selected[0], variant=selected[1], season=FINAL_FIT_SEASON
        )
        importances = pd.concat([importances, final[importances.columns]], ignore_index=True)
    table.to_csv(directory / "model_vs_market.csv", index=False)
    result.selections.to_csv(directory / "selections.csv", index=False)
    importances.to_csv(directory / "feature_importances.csv", index=False)
    labels = features[["match_id", "label"]]
    chosen = {selected, ("market_pre", f"avg_{MARGIN_METHOD}")}
    frames = {
        f"{m}/{v}": result.predictions[
            (result.predictions["model"] == m) & (result.predictions["variant"] == v)
        ].merge(labels, on="match_id")
        for m, v in chosen
    }
    reliability_figure(frames).savefig(directory / "reliability.png", dpi=110)
    reliability_tables(result.predictions, labels).to_csv(
        directory / "reliability.csv", index=False
    )
    if not importances.empty:
        from ml.plots import importance_figure

        importance_figure(importances, selected).savefig(
            directory / "feature_importances.png", dpi=110
        )


def run_train(
    settings: Settings,
    *,
    config: TrainConfig | None = None,
    console: Console | None = None,
    as_of: datetime | None = None,
    n_jobs: int | None = None,
) -> TrainResult:
    """Walk-forward evaluation of every candidate on the matches known at ``as_of`` (default:
    now), MLflow run, registered version, champion/challenger decision. The walk-forward's
    fits run on ``n_jobs`` processes (default: one per core); the answer is the same."""
    import mlflow

    config = config or TrainConfig()
    console = console or Console(stderr=True)
    as_of = clock.as_utc(as_of or clock.now())
    league = settings.league
    frame = load_frame(settings, as_of)
    features = evaluation_frame(frame, league)
    goals = goals_frame(frame if config.second_tier else frame[frame["league"] == league])
    eval_seasons = list(
        config.eval_seasons or default_eval_seasons(features, config.n_eval_seasons)
    )
    console.print(
        f"training {league}: {len(features):,} played matches, evaluating {', '.join(eval_seasons)}"
    )
    started = time.perf_counter()
    result = walk_forward(features, goals, eval_seasons, config, console, n_jobs)
    timings = {"walk_forward_seconds": time.perf_counter() - started}
    table = metric_table(result.metrics)
    built = candidates_for(config, features)
    selected = select_best(result.metrics, [c.name for c in built if c.yardstick])
    _print_table(console, table, selected)

    with console.status(f"refitting {selected[0]}/{selected[1]} on every played match"):
        started = time.perf_counter()
        predictor = fit_final(*selected, features, goals, config, result.forecasts)
        timings["final_fit_seconds"] = time.perf_counter() - started
    winner = find(built, *selected)
    training_data_end = _training_data_end(winner, features, goals)

    experiment_id = registry.configure(settings)
    name = registry.model_name(league)
    latest = eval_seasons[-1]
    evaluated_at = clock.utc_naive(as_of)
    chosen = result.metrics[
        (result.metrics["model"] == selected[0]) & (result.metrics["variant"] == selected[1])
    ]
    champion = registry.get_alias(settings, registry.CHAMPION)
    candidate, champion_metrics = head_to_head(
        champion, latest, result, selected, frame, league, built, n_jobs
    )
    decision = registry.decide_promotion(candidate, champion_metrics, latest)
    label = f"{selected[0]}/{selected[1]}"
    tags = {
        registry.TAG_LABEL: label,
        registry.TAG_TRAINING_END: training_data_end,
        registry.TAG_LEAGUE: league,
        registry.TAG_DECISION: decision.decision,
        registry.TAG_REASON: decision.reason,
        registry.TAG_TRAINED_AS_OF: as_of.isoformat(),
        registry.TAG_CONFIG: config.to_json(),
    }
    # A run at the same clock that was interrupted after registering: finish it, not redo it.
    interrupted = registry.find_version(
        settings,
        {key: tags[key] for key in (registry.TAG_TRAINED_AS_OF, registry.TAG_LABEL)},
    )
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"train-{league}") as run:
        run_id = run.info.run_id
        mlflow.log_params(
            {
                "league": league,
                "eval_seasons": ",".join(eval_seasons),
                "classifiers": ",".join(config.classifiers),
                "goals_model": config.goals_model,
                "blend": config.blend and config.goals_model,
                "quick": config.quick,
                "margin_method": MARGIN_METHOD,
                "selected_model": f"{selected[0]}/{selected[1]}",
                "n_played_matches": len(features),
                "n_football_features": len(feature_sets(features)["football"]),
                "training_data_end": training_data_end,
            }
        )
        metric_values = {
            _metric_key(r.model, r.variant, r.season, r.metric): float(r.value)
            for r in result.metrics.itertuples()
        }
        metric_values |= {
            _metric_key("selected", r.season, r.metric): float(r.value) for r in chosen.itertuples()
        }
        metric_values |= {_metric_key("timing", key): value for key, value in timings.items()}
        mlflow.log_metrics(metric_values)
        with tempfile.TemporaryDirectory() as tmp:
            _write_artifacts(Path(tmp), result, table, features, selected, predictor.importances())
            mlflow.log_artifacts(tmp, artifact_path="evaluation")

        if interrupted is not None:
            version = interrupted.version
            mlflow.set_tag("plpred.finishes_version", version)
        else:
            version = _log_model(winner, predictor, features, name, tags)
        mlflow.set_tags(
            {
                registry.TAG_DECISION: decision.decision,
                registry.TAG_REASON: decision.reason,
                "plpred.model_version": version,
            }
        )

    _store(
        settings,
        run_id=run_id,
        evaluated_at=evaluated_at,
        result=result,
        decision_row={
            "decided_at": evaluated_at,
            "run_id": run_id,
            "model_name": name,
            "candidate_version": version,
            "candidate_label": label,
            "champion_version_before": champion.version if champion else None,
            "champion_label_before": champion.label if champion else None,
            "decision": decision.decision,
            "season": latest,
            "candidate_rps": float(candidate["rps"]),
            "champion_rps": _finite(champion_metrics, "rps"),
            "candidate_log_loss": float(candidate["log_loss"]),
            "champion_log_loss": _finite(champion_metrics, "log_loss"),
            "reason": decision.reason,
        },
    )
    # The alias moves last: the warehouse knows the decision before the registry acts on it.
    fault_point("train:before-alias")
    registry.set_alias(
        name, registry.CHAMPION if decision.promote else registry.CHALLENGER, version
    )
    style = "green" if decision.promote else "yellow"
    console.print(
        f"[{style}]{name} version {version} ({label}): {decision.decision}[/{style}] — {decision.reason}"
    )
    return TrainResult(
        run_id=run_id,
        eval_seasons=eval_seasons,
        metrics=result.metrics,
        selected=selected,
        model_version=version,
        decision=decision,
        training_data_end=training_data_end,
        extra=timings,
    )


def _training_data_end(candidate: Candidate, features: pd.DataFrame, goals: pd.DataFrame) -> str:
    """The day of the last played match a final fit of ``candidate`` learns from (one that
    reads the goals model's matches learns from the second tier's too)."""
    end = features["kickoff_date"].max()
    if candidate.needs_goals:
        end = max(end, goals.dropna(subset=["home_goals"])["kickoff_date"].max())
    return end.date().isoformat()


def _log_model(
    candidate: Candidate, fitted: Fitted, features: pd.DataFrame, name: str, tags: dict[str, str]
) -> str:
    """Log ``fitted`` in the active run as ``candidate`` saves its models and register it as a
    new version of ``name`` with ``tags`` in one call (so no version exists without its
    tags): its version."""
    example = features[fitted.input_columns].tail(5).reset_index(drop=True)
    return registry.register(candidate.log_model(fitted, example), name, tags)


@dataclass(frozen=True)
class RefitResult:
    run_id: str
    model_version: str
    refit_of: str
    label: str
    training_data_end: str


def run_refit(
    settings: Settings, *, as_of: datetime, console: Console | None = None
) -> RefitResult | None:
    """The champion's configuration fitted again on the matches known at ``as_of``.

    No walk-forward and no challenge: the same model and variant (and hyper-parameter search,
    from the version's ``plpred.train_config`` tag) on newer data, registered as a new version
    that names the one it refits and becomes champion. None when no match was played after
    the champion's training data. Its run carries the refitted version's walk-forward metrics,
    so the next challenge compares against the same numbers.
    """
    import mlflow

    console = console or Console(stderr=True)
    as_of = clock.as_utc(as_of)
    champion = registry.get_alias(settings, registry.CHAMPION)
    if champion is None:
        raise TrainError(f"there is no {settings.league} champion to refit: run `plpred train`")
    model, _, variant = champion.label.partition("/")
    config = TrainConfig.from_json(champion.tags.get(registry.TAG_CONFIG))
    league = settings.league
    frame = load_frame(settings, as_of)
    features = evaluation_frame(frame, league)
    goals = goals_frame(frame if config.second_tier else frame[frame["league"] == league])
    candidate = find(candidates_for(config, features), model, variant)
    training_data_end = _training_data_end(candidate, features, goals)
    if champion.training_data_end and training_data_end <= champion.training_data_end:
        return None
    with console.status(f"refitting {champion.label} (version {champion.version}) at the clock"):
        predictor = fit_final(model, variant, features, goals, config)
    experiment_id = registry.configure(settings)
    name = registry.model_name(league)
    carried = {
        key: value
        for key, value in registry.run_metrics(champion.run_id).items()
        if key.startswith("selected.")
    }
    reason = (
        f"refit of version {champion.version} ({champion.label}) on matches to "
        f"{training_data_end}, at {as_of:%Y-%m-%d %H:%M} UTC"
    )
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"refit-{league}") as run:
        mlflow.log_params(
            {
                "league": league,
                "refit_of": champion.version,
                "selected_model": champion.label,
                "n_played_matches": len(features),
                "training_data_end": training_data_end,
            }
        )
        if carried:
            mlflow.log_metrics(carried)
        tags = {
            registry.TAG_LABEL: champion.label,
            registry.TAG_TRAINING_END: training_data_end,
            registry.TAG_LEAGUE: league,
            registry.TAG_DECISION: "refit",
            registry.TAG_REASON: reason,
            registry.TAG_TRAINED_AS_OF: as_of.isoformat(),
            registry.TAG_REFIT_OF: champion.version,
            registry.TAG_CONFIG: config.to_json(),
        }
        # A refit at the same clock that was interrupted after registering: finish that one.
        interrupted = registry.find_version(
            settings,
            {key: tags[key] for key in (registry.TAG_TRAINED_AS_OF, registry.TAG_REFIT_OF)},
        )
        if interrupted is not None:
            version = interrupted.version
            mlflow.set_tag("plpred.finishes_version", version)
        else:
            version = _log_model(candidate, predictor, features, name, tags)
        mlflow.set_tags({registry.TAG_DECISION: "refit", "plpred.model_version": version})
        run_id = run.info.run_id
    decided_at = clock.utc_naive(as_of)
    with connect(settings) as conn:
        apply_ddl(conn)
        with conn.transaction():
            if _decided(conn, name, version):
                return _finish_refit(name, version, run_id, champion, training_data_end, console)
            conn.insert_df(
                "ml.champion_decisions",
                pd.DataFrame(
                    [
                        {
                            "decided_at": decided_at,
                            "run_id": run_id,
                            "model_name": name,
                            "candidate_version": version,
                            "candidate_label": champion.label,
                            "champion_version_before": champion.version,
                            "champion_label_before": champion.label,
                            "decision": "refit",
                            "reason": reason,
                        }
                    ]
                ),
            )
    return _finish_refit(name, version, run_id, champion, training_data_end, console, reason)


def _finish_refit(
    name: str,
    version: str,
    run_id: str,
    champion: registry.RegisteredVersion,
    training_data_end: str,
    console: Console,
    reason: str = "",
) -> RefitResult:
    """The alias moves last: the warehouse knows the refit before the registry acts on it."""
    registry.set_alias(name, registry.CHAMPION, version)
    console.print(f"[green]{name} version {version}[/green]: {reason or 'refit finished'}")
    return RefitResult(run_id, version, champion.version, champion.label, training_data_end)


def _decided(conn, name: str, version: str) -> bool:
    """Whether the warehouse holds the decision about ``version`` already (an interrupted run
    wrote it and stopped before moving the alias)."""
    return bool(conn.scalar(read_sql("ml/count_decisions_of_version.sql"), [name, version]))


def _finite(values: dict[str, float] | None, key: str) -> float | None:
    if values is None or not np.isfinite(values[key]):
        return None
    return float(values[key])


def _store(
    settings: Settings,
    *,
    run_id: str,
    evaluated_at: datetime,
    result: WalkForwardResult,
    decision_row: dict,
) -> None:
    """Evaluations, walk-forward predictions and the decision land together or not at all."""
    evaluations = result.metrics.copy()
    evaluations.insert(0, "league", settings.league)
    evaluations.insert(0, "evaluated_at", evaluated_at)
    evaluations.insert(0, "run_id", run_id)
    evaluations["n_matches"] = evaluations["n_matches"].astype(int)
    # A market row without prices has no forecast; the ledger holds forecasts only.
    predictions = result.predictions.dropna(subset=["p_home", "p_draw", "p_away"]).copy()
    predictions.insert(0, "league", settings.league)
    predictions.insert(0, "run_id", run_id)
    with connect(settings) as conn:
        apply_ddl(conn)
        with conn.transaction():
            decision = decision_row
            if _decided(conn, decision["model_name"], decision["candidate_version"]):
                return  # stored by an interrupted run of the same clock, all in one transaction
            conn.insert_df("ml.model_evaluations", evaluations)
            conn.insert_df("ml.walk_forward_predictions", predictions)
            conn.insert_df("ml.champion_decisions", pd.DataFrame([decision_row]))
