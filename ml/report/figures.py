"""What the report's figures share: the colours of the model and the market, and the bankroll
curves that the live bets and the backtest both draw. A section's own figure lives in its
module (``sections/*.py``)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from ml.plots import new_figure

from .format import figure_data_uri, image

__all__ = ["REPORT_COLOURS", "STRATEGY_COLOURS", "bankroll_figure", "bankroll_image", "new_figure"]

REPORT_COLOURS = {
    "model": "#3b6ea5",
    "market_pre": "#d08c2f",
    "market_close": "#7f7f7f",
}
STRATEGY_COLOURS = ("#3b6ea5", "#d08c2f", "#4e9a5b", "#b5485d", "#7b5ea7", "#5a9bb0")


def bankroll_figure(curves: pd.DataFrame, title: str, start: float | None = None) -> Figure:
    """The bankroll of each strategy over time, one step line per strategy.

    ``curves`` has strategy, day and bankroll (at the end of each day it moved); ``start``
    draws the starting bankroll as a reference line, so losing and winning read at a glance."""
    import matplotlib.dates as mdates

    figure = new_figure(figsize=(12, 4.2))
    axis = figure.subplots()
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


def bankroll_start(curve: pd.DataFrame) -> float | None:
    """The bankroll before a book's first day: its first end-of-day bankroll less that
    day's profit (mart_bankroll_daily counts settled bets only)."""
    if curve.empty:
        return None
    first = curve.sort_values("day").iloc[0]
    return float(first["bankroll"]) - float(first["profit"])


def bankroll_image(curves: pd.DataFrame, title: str, alt: str) -> str:
    """The bankroll curves of a book as an embedded image, from the first strategy's start."""
    start = bankroll_start(curves[curves["strategy"] == curves["strategy"].iloc[0]])
    return image(figure_data_uri(bankroll_figure(curves, title, start)), alt)
