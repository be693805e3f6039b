"""Figures for the training artifacts and the report: real plots (matplotlib), not ASCII."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ml.metrics import OUTCOMES, reliability_table  # noqa: E402

OUTCOME_NAMES = {"H": "home win", "D": "draw", "A": "away win"}


def reliability_figure(frames: dict[str, pd.DataFrame], n_bins: int = 10):
    """One panel per outcome: forecast probability against observed frequency, per model.

    ``frames`` maps a label to predictions with p_home, p_draw, p_away and label."""
    figure, axes = plt.subplots(1, 3, figsize=(13, 4.4), sharey=True)
    for label, frame in frames.items():
        if frame.empty:
            continue
        table = reliability_table(
            frame[["p_home", "p_draw", "p_away"]].to_numpy(), frame["label"].to_numpy(), n_bins
        )
        for axis, outcome in zip(axes, OUTCOMES, strict=True):
            part = table[table["outcome"] == outcome]
            axis.plot(part["mean_predicted"], part["observed_frequency"], marker="o", label=label)
    for axis, outcome in zip(axes, OUTCOMES, strict=True):
        axis.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
        axis.set_title(f"P({OUTCOME_NAMES[outcome]})")
        axis.set_xlabel("forecast probability")
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1)
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("observed frequency")
    axes[0].legend(loc="upper left", fontsize=8)
    figure.suptitle("Reliability of the walk-forward forecasts")
    figure.tight_layout()
    return figure


def importance_figure(importances: pd.DataFrame, selected: tuple[str, str], top: int = 20):
    """The largest mean absolute importances of a model over the evaluated seasons."""
    model, variant = selected
    part = importances[(importances["model"] == model) & (importances["variant"] == variant)]
    if part.empty:
        part = importances
        model, variant = str(part["model"].iloc[0]), str(part["variant"].iloc[0])
        part = part[(part["model"] == model) & (part["variant"] == variant)]
    ranked = (
        part.assign(size=part["importance"].abs())
        .groupby("feature")["size"]
        .mean()
        .sort_values()
        .tail(top)
    )
    figure, axis = plt.subplots(figsize=(8, 0.3 * len(ranked) + 1.5))
    axis.barh(ranked.index, ranked.values, color="#3b6ea5")
    axis.set_xlabel("mean |importance| over evaluated seasons")
    axis.set_title(f"Feature importance: {model}/{variant}")
    figure.tight_layout()
    return figure


# --- the HTML report (ml/report.py) -----------------------------------------------------------

REPORT_COLOURS = {
    "model": "#3b6ea5",
    "market_pre": "#d08c2f",
    "market_close": "#7f7f7f",
}
STRATEGY_COLOURS = ("#3b6ea5", "#d08c2f", "#4e9a5b", "#b5485d", "#7b5ea7", "#5a9bb0")


def model_market_figure(comparison: pd.DataFrame, model_label: str):
    """RPS, log loss and accuracy per season, the model against the market's prices.

    ``comparison`` has one row per season (no 'all' row) with model_rps, market_pre_rps,
    market_close_rps, model_log_loss, market_pre_log_loss, model_accuracy and
    market_pre_accuracy; a missing column or value is simply not drawn."""
    panels = (
        ("RPS (lower is better)", "rps", ("model", "market_pre", "market_close")),
        ("log loss (lower is better)", "log_loss", ("model", "market_pre", "market_close")),
        ("accuracy (higher is better)", "accuracy", ("model", "market_pre", "market_close")),
    )
    names = {
        "model": f"model ({model_label})",
        "market_pre": "market, pre-match",
        "market_close": "market, closing",
    }
    seasons = comparison["season"].astype(str).tolist()
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for axis, (title, metric, sources) in zip(axes, panels, strict=True):
        for source in sources:
            column = f"{source}_{metric}"
            if column not in comparison or comparison[column].isna().all():
                continue
            axis.plot(
                seasons,
                comparison[column].astype(float),
                marker="o",
                linewidth=2 if source == "model" else 1.5,
                linestyle="--" if source == "market_close" else "-",
                color=REPORT_COLOURS[source],
                label=names[source],
            )
        axis.set_title(title, fontsize=11)
        axis.grid(alpha=0.3)
        axis.tick_params(axis="x", labelrotation=45, labelsize=8)
        if metric == "accuracy":
            axis.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="upper center", ncol=3, frameon=False, fontsize=9)
    figure.tight_layout(rect=(0, 0, 1, 0.9))
    return figure


def bankroll_figure(curves: pd.DataFrame, title: str, start: float | None = None):
    """The bankroll of each strategy over time, one step line per strategy.

    ``curves`` has strategy, day and bankroll (at the end of each day it moved); ``start``
    draws the starting bankroll as a reference line, so losing and winning read at a glance."""
    import matplotlib.dates as mdates

    figure, axis = plt.subplots(figsize=(12, 4.2))
    for number, (strategy, part) in enumerate(curves.groupby("strategy", sort=True)):
        part = part.sort_values("day")
        axis.step(
            pd.to_datetime(part["day"]),
            part["bankroll"].astype(float),
            where="post",
            linewidth=1.8,
            # a young book has few days: dots keep strategies that moved together apart
            marker="o" if len(part) <= 40 else None,
            markersize=5,
            color=STRATEGY_COLOURS[number % len(STRATEGY_COLOURS)],
            label=str(strategy),
        )
    locator = mdates.AutoDateLocator(maxticks=10)
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if start is not None:
        axis.axhline(start, color="grey", linestyle="--", linewidth=1, label="starting bankroll")
    axis.set_title(title, fontsize=11)
    axis.set_ylabel("bankroll")
    axis.grid(alpha=0.3)
    axis.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9, frameon=False)
    figure.tight_layout()
    return figure
