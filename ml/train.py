"""``plpred train``: walk-forward evaluation against the market, MLflow logging, champion/challenger.

Reads only the marts (``mart_match_features``; closing prices from ``fct_matches`` as the
yardstick). For each evaluation season every model is fitted on the matches before it and
predicts it (:func:`ml.evaluation.walk_forward_evaluate`); the numbers go to
``ml.model_evaluations`` and the predictions to ``ml.walk_forward_predictions``. The model
with the best RPS over the evaluation window is then refitted on every played match,
logged and registered in MLflow, and becomes champion only if it beats the current one on
the latest evaluated season (:func:`ml.registry.decide_promotion`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ml import registry
from ml.config import Settings
from ml.evaluation import (
    ALL_SEASONS,
    WalkForwardResult,
    goals_walk_forward,
    score_predictions,
    walk_forward_evaluate,
)
from ml.features import (
    CLOSING_ODDS,
    PINNACLE_PRE_MATCH_ODDS,
    PRE_MATCH_ODDS,
    feature_sets,
    type_frame,
)
from ml.models.blend import BlendFit, BlendSpec
from ml.models.dixon_coles import DixonColes
from ml.warehouse import apply_ddl, connect, read_sql

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

# Yardsticks, not candidates: a champion that is the market itself could never find value.
BASELINES = ("base_rates", "market_pre", "market_close")
MARGIN_METHOD = "proportional"
# The blend pools the average pre-match prices (what a bettor sees), Pinnacle's where it
# priced the match, and the goals model's weekly walk-forward.
BLEND_SPEC = BlendSpec(
    market_odds=PRE_MATCH_ODDS,
    pinnacle_odds=PINNACLE_PRE_MATCH_ODDS,
    margin_method=MARGIN_METHOD,
)


class TrainError(RuntimeError):
    """Training cannot run; the message says what is missing."""


@dataclass(frozen=True)
class TrainConfig:
    """What a training run does. ``quick`` uses small grids (tests, smoke runs).

    ``blend`` adds the stacked blend of market and goals model; it needs ``goals_model``
    and is skipped without it.
    """

    eval_seasons: tuple[str, ...] | None = None
    n_eval_seasons: int = 6
    classifiers: tuple[str, ...] = ("logistic", "hgb")
    variants: tuple[str, ...] = ("football", "with_market")
    goals_model: bool = True
    blend: bool = True
    second_tier: bool = False
    quick: bool = False
    random_state: int = 0

    def classifier_grids(self) -> dict[str, list[dict]] | None:
        if not self.quick:
            return None
        return {
            "logistic": [{"C": 0.1}],
            "hgb": [
                {"learning_rate": 0.05, "max_iter": 60, "max_leaf_nodes": 7, "min_samples_leaf": 80}
            ],
        }


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


def load_frame(settings: Settings) -> pd.DataFrame:
    """mart_match_features for the league and its second tier, typed for pandas."""
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
    return type_frame(frame)


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


def _rename_market(predictions: pd.DataFrame) -> pd.DataFrame:
    """Evaluation names the market 'market'/'<name>_<method>'; the ledger calls them
    market_pre (what a bettor could take) and market_close (the yardstick)."""
    out = predictions.copy()
    is_market = out["model"] == "market"
    for prefix, model in (("pre_", "market_pre"), ("close_", "market_close")):
        rows = is_market & out["variant"].str.startswith(prefix)
        out.loc[rows, "model"] = model
        out.loc[rows, "variant"] = out.loc[rows, "variant"].str.removeprefix(prefix)
    return out


def walk_forward(
    features: pd.DataFrame,
    goals: pd.DataFrame,
    eval_seasons: Sequence[str],
    config: TrainConfig,
    console: Console,
) -> WalkForwardResult:
    """One walk-forward block per season, with a progress bar; metrics over all blocks.

    The goals model's weekly walk-forward is run once over the seasons (and the blend's
    training window before them) rather than once per season.
    """
    sets = {
        name: columns for name, columns in feature_sets(features).items() if name in config.variants
    }
    blend = config.blend and config.goals_model
    forecasts = (
        goals_walk_forward(
            features,
            goals,
            eval_seasons,
            window_seasons=BLEND_SPEC.window_seasons if blend else 0,
        )
        if config.goals_model
        else None
    )
    parts: list[WalkForwardResult] = []
    with Progress(
        TextColumn("[bold]walk-forward[/bold] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} seasons"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("", total=len(eval_seasons))
        for season in eval_seasons:
            progress.update(task, description=season)
            parts.append(
                walk_forward_evaluate(
                    features,
                    [season],
                    sets,
                    classifiers=config.classifiers,
                    market_odds={
                        "pre_avg": PRE_MATCH_ODDS,
                        "close_pinnacle_else_avg": CLOSING_ODDS,
                    },
                    margin_method=MARGIN_METHOD,
                    goals_forecasts=forecasts,
                    classifier_grids=config.classifier_grids(),
                    random_state=config.random_state,
                    blend=blend,
                    blend_spec=BLEND_SPEC,
                )
            )
            progress.advance(task)
    predictions = _rename_market(pd.concat([p.predictions for p in parts], ignore_index=True))
    metrics = score_predictions(predictions, features[["match_id", "label"]], common_matches=True)
    return WalkForwardResult(
        predictions=predictions,
        metrics=metrics,
        selections=pd.concat([p.selections for p in parts], ignore_index=True),
        importances=pd.concat([p.importances for p in parts], ignore_index=True),
    )


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


def select_best(metrics: pd.DataFrame) -> tuple[str, str]:
    """The candidate with the lowest RPS over the window; baselines cannot win."""
    overall = metrics[(metrics["season"] == ALL_SEASONS) & (metrics["metric"] == "rps")]
    candidates = overall[~overall["model"].isin(BASELINES)].sort_values("value")
    if candidates.empty:
        raise TrainError("no candidate model produced predictions")
    best = candidates.iloc[0]
    return str(best["model"]), str(best["variant"])


def fit_final(
    model: str,
    variant: str,
    features: pd.DataFrame,
    goals: pd.DataFrame,
    config: TrainConfig,
):
    """Refit the chosen model on every played match; returns a predictor."""
    from ml.predictors import BlendPredictor, ClassifierPredictor, GoalsPredictor

    if model == "dixon_coles":
        return GoalsPredictor(_final_goals_model(goals))
    if model == "blend":
        return BlendPredictor(
            _final_goals_model(goals), fit_final_blend(features, goals), BLEND_SPEC
        )
    from ml.models.classifiers import fit_classifier

    columns = feature_sets(features)[variant]
    fitted = fit_classifier(
        model,
        features,
        features["label"],
        columns,
        kickoff=features["kickoff_date"],
        grid=(config.classifier_grids() or {}).get(model),
        random_state=config.random_state,
    )
    return ClassifierPredictor(fitted, columns)


def _final_goals_model(goals: pd.DataFrame) -> DixonColes:
    """Dixon-Coles on the played matches of its usual window, as of the day after the last."""
    from ml.models.dixon_coles import DEFAULT_WINDOW_DAYS

    played = goals.dropna(subset=["home_goals", "away_goals"])
    reference = played["kickoff_date"].max() + pd.Timedelta(days=1)
    window = played[played["kickoff_date"] >= reference - pd.Timedelta(days=DEFAULT_WINDOW_DAYS)]
    return DixonColes().fit(window, reference_date=reference)


def fit_final_blend(
    features: pd.DataFrame, goals: pd.DataFrame, spec: BlendSpec = BLEND_SPEC
) -> BlendFit:
    """The blender for live use, fitted on the last ``spec.window_seasons`` played seasons.

    Its goals inputs are a weekly walk-forward over those seasons, so the blender learns
    how far to trust forecasts made the way live ones will be made, never in-sample fits.
    """
    from ml.models.blend import assert_out_of_sample, blend_inputs, fit_blend
    from ml.models.dixon_coles import walk_forward_goals

    first_kickoff = features.groupby("season")["kickoff_date"].min().sort_values()
    start = first_kickoff.iloc[-min(spec.window_seasons, len(first_kickoff))]
    learn = features[features["kickoff_date"] >= start]
    forecasts = walk_forward_goals(goals, eval_start=start)
    known = learn.merge(
        forecasts[["match_id", "refit_date", "p_home", "p_draw", "p_away"]],
        on="match_id",
        how="inner",
    )
    assert_out_of_sample(
        known[["kickoff_date", "refit_date"]],
        known["kickoff_date"].max() + pd.Timedelta(days=1),
        "final blend",
    )
    return fit_blend(
        blend_inputs(known, known[["p_home", "p_draw", "p_away"]], spec),
        known["label"],
        known["season"],
        known["kickoff_date"],
        sources=spec.sources,
        l2_grid=spec.l2_grid,
        n_folds=spec.n_folds,
    )


def _metric_key(*parts: str) -> str:
    return ".".join(parts)


def _champion_metrics(
    champion: registry.RegisteredVersion | None, season: str, metrics: pd.DataFrame
) -> dict[str, float] | None:
    """The champion's RPS and log loss on ``season``: from its own run when it evaluated that
    season, else from this run's out-of-sample evaluation of the same model and variant."""
    if champion is None:
        return None
    logged = registry.run_metrics(champion.run_id)
    rps_key, ll_key = (
        _metric_key("selected", season, "rps"),
        _metric_key("selected", season, "log_loss"),
    )
    if rps_key in logged and ll_key in logged:
        return {"rps": logged[rps_key], "log_loss": logged[ll_key]}
    model, _, variant = champion.label.partition("/")
    rows = metrics[
        (metrics["model"] == model)
        & (metrics["variant"] == variant)
        & (metrics["season"] == season)
    ]
    values = dict(zip(rows["metric"], rows["value"], strict=True))
    if "rps" in values and "log_loss" in values:
        return {"rps": values["rps"], "log_loss": values["log_loss"]}
    return {"rps": float("-inf"), "log_loss": float("-inf")}


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
    from ml.metrics import reliability_table

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
) -> None:
    from ml.plots import reliability_figure

    table.to_csv(directory / "model_vs_market.csv", index=False)
    result.selections.to_csv(directory / "selections.csv", index=False)
    result.importances.to_csv(directory / "feature_importances.csv", index=False)
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
    if not result.importances.empty:
        from ml.plots import importance_figure

        importance_figure(result.importances, selected).savefig(
            directory / "feature_importances.png", dpi=110
        )


def run_train(
    settings: Settings, *, config: TrainConfig | None = None, console: Console | None = None
) -> TrainResult:
    import mlflow
    from mlflow.models import infer_signature

    from ml.predictors import pyfunc_model

    config = config or TrainConfig()
    console = console or Console(stderr=True)
    league = settings.league
    frame = load_frame(settings)
    features = evaluation_frame(frame, league)
    goals = goals_frame(frame if config.second_tier else frame[frame["league"] == league])
    eval_seasons = list(
        config.eval_seasons or default_eval_seasons(features, config.n_eval_seasons)
    )
    console.print(
        f"training {league}: {len(features):,} played matches, evaluating {', '.join(eval_seasons)}"
    )
    started = time.perf_counter()
    result = walk_forward(features, goals, eval_seasons, config, console)
    timings = {"walk_forward_seconds": time.perf_counter() - started}
    table = metric_table(result.metrics)
    selected = select_best(result.metrics)
    _print_table(console, table, selected)

    with console.status(f"refitting {selected[0]}/{selected[1]} on every played match"):
        started = time.perf_counter()
        predictor = fit_final(*selected, features, goals, config)
        timings["final_fit_seconds"] = time.perf_counter() - started
    training_end = max(
        features["kickoff_date"].max(),
        goals.dropna(subset=["home_goals"])["kickoff_date"].max()
        if selected[0] in ("dixon_coles", "blend")
        else features["kickoff_date"].max(),
    )
    training_data_end = training_end.date().isoformat()

    experiment_id = registry.configure(settings)
    name = registry.model_name(league)
    latest = eval_seasons[-1]
    evaluated_at = datetime.now(UTC).replace(tzinfo=None)
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
        chosen = result.metrics[
            (result.metrics["model"] == selected[0]) & (result.metrics["variant"] == selected[1])
        ]
        metric_values |= {
            _metric_key("selected", r.season, r.metric): float(r.value) for r in chosen.itertuples()
        }
        metric_values |= {_metric_key("timing", key): value for key, value in timings.items()}
        mlflow.log_metrics(metric_values)
        with tempfile.TemporaryDirectory() as tmp:
            _write_artifacts(Path(tmp), result, table, features, selected)
            mlflow.log_artifacts(tmp, artifact_path="evaluation")

        example = features[predictor.input_columns].tail(5).reset_index(drop=True)
        output = predictor.predict(example)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=pyfunc_model(predictor),
            signature=infer_signature(example, output),
            input_example=example,
            registered_model_name=name,
        )
        version = str(info.registered_model_version)

        champion = registry.get_alias(settings, registry.CHAMPION)
        champion_metrics = _champion_metrics(champion, latest, result.metrics)
        candidate = chosen[chosen["season"] == latest].set_index("metric")["value"]
        decision = registry.decide_promotion(
            {"rps": float(candidate["rps"]), "log_loss": float(candidate["log_loss"])},
            champion_metrics,
            latest,
        )
        label = f"{selected[0]}/{selected[1]}"
        registry.tag_version(
            name,
            version,
            {
                registry.TAG_LABEL: label,
                registry.TAG_TRAINING_END: training_data_end,
                registry.TAG_LEAGUE: league,
                registry.TAG_DECISION: decision.decision,
                registry.TAG_REASON: decision.reason,
            },
        )
        mlflow.set_tags(
            {
                registry.TAG_DECISION: decision.decision,
                registry.TAG_REASON: decision.reason,
                "plpred.model_version": version,
            }
        )
        registry.set_alias(
            name, registry.CHAMPION if decision.promote else registry.CHALLENGER, version
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
            conn.insert_df("ml.model_evaluations", evaluations)
            conn.insert_df("ml.walk_forward_predictions", predictions)
            conn.insert_df("ml.champion_decisions", pd.DataFrame([decision_row]))
