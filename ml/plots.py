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
