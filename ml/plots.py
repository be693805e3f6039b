"""Figures for the training artifacts (real plots, matplotlib, not ASCII) and the one way
every figure of the project is made, :func:`new_figure`.

A figure made by ``matplotlib.pyplot`` stays open in pyplot's registry until someone closes
it: a training run saving two PNGs per run left them all open (CI warned "More than 20 figures
have been opened"). :func:`new_figure` makes a plain :class:`~matplotlib.figure.Figure`,
which pyplot never sees and the garbage collector frees once it is saved and dropped; the
report's figures (``ml/report/``) are made the same way."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from ml.models.metrics import OUTCOMES, reliability_table

OUTCOME_NAMES = {"H": "home win", "D": "draw", "A": "away win"}


def new_figure(**kwargs: Any) -> Figure:
    """A figure outside pyplot's registry (nothing to close); ``kwargs`` as for ``Figure``.
    Saving it as PNG uses the Agg renderer whatever pyplot's backend is."""
    return Figure(**kwargs)


def reliability_figure(frames: dict[str, pd.DataFrame], n_bins: int = 10) -> Figure:
    """One panel per outcome: forecast probability against observed frequency, per model.

    ``frames`` maps a label to predictions with p_home, p_draw, p_away and label."""
    figure = new_figure(figsize=(13, 4.4))
    axes = figure.subplots(1, 3, sharey=True)
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


def importance_figure(
    importances: pd.DataFrame, selected: tuple[str, str], top: int = 20
) -> Figure:
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
    figure = new_figure(figsize=(8, 0.3 * len(ranked) + 1.5))
    axis = figure.subplots()
    axis.barh(ranked.index, ranked.values, color="#3b6ea5")
    axis.set_xlabel("mean |importance| over evaluated seasons")
    axis.set_title(f"Feature importance: {model}/{variant}")
    figure.tight_layout()
    return figure
