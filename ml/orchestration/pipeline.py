"""``plpred run``: the main job, every step of the catalogue in order (:mod:`ml.orchestration.steps`), doing
only what new data requires, at one clock; then a summary.

ingest → transform (when raw data changed) → train (no champion, a retrain the monitor
decided, or one older than ``max_model_age_days``) → refit (the champion older than
``refit_age_days``) → backtest (a new walk-forward run) → score → settle → monitor (the
retraining decision) → bet → marts (when a ledger changed) → report. The same steps, in the
same order, are what ``plpred replay`` runs at every snapshot time and what the DAG tasks run;
a failure names the step and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ml import clock
from ml.config import Settings
from ml.orchestration.steps import RunOptions, RunResult, StepFailed, run_catalogue
from ml.warehouse.connection import connect, read_sql

# The name callers know a failed run by.
PipelineError = StepFailed


def run_pipeline(
    settings: Settings,
    *,
    as_of: datetime,
    train_config: Any = None,
    max_model_age_days: float | None = 7.0,
    refit_age_days: float | None = 7.0,
    include_fixtures: bool = True,
    snapshots: Path | None = None,
    report: bool = True,
    console: Console | None = None,
    kind: str = "run",
    summary: bool = True,
    leagues: Sequence[str] | str | None = None,
) -> RunResult:
    """Run every step at the clock ``as_of``; raises :class:`StepFailed` naming the step.

    ``leagues``: codes or ``"all"`` (default ``settings.league``), each step per league in turn
    (:func:`~ml.orchestration.steps.run_catalogue`); the summary shows every league."""
    console = console or Console(stderr=True)
    options = RunOptions(
        train_config=train_config,
        max_model_age_days=max_model_age_days,
        refit_age_days=refit_age_days,
        include_fixtures=include_fixtures,
        snapshots=snapshots,
        report=report,
    )
    console.print(f"[bold]clock[/bold]: {clock.describe(as_of)}")
    result = run_catalogue(
        settings, as_of=as_of, options=options, console=console, kind=kind, leagues=leagues
    )
    if summary:
        ran = dict.fromkeys(step.league for step in result.steps if step.league)
        for league in ran or [settings.league]:
            print_summary(replace(settings, league=league), console, as_of=as_of)
    return result


def print_summary(settings: Settings, console: Console, *, as_of: datetime) -> None:
    """Model against market this season, upcoming matches with value bets, bankrolls."""
    with connect(settings) as conn:
        evaluation = conn.query_df(read_sql("ml/summary_model_vs_market.sql"), [settings.league])
        upcoming = conn.query_df(
            read_sql("ml/summary_upcoming.sql"), [settings.league, clock.utc_naive(as_of)]
        )
        bankrolls = conn.query_df(
            read_sql("ml/summary_bankrolls.sql"), [settings.league, settings.league]
        )
    console.rule(f"[bold]summary {settings.league}")
    if not evaluation.empty:
        table = Table(title=f"Model against market, {evaluation['season'].iloc[0]}")
        for column in ("model", "RPS", "log loss", "accuracy", "matches"):
            table.add_column(column, justify="left" if column == "model" else "right")
        for row in evaluation.to_dict("records"):
            table.add_row(
                f"{row['model']}/{row['variant']}",
                f"{row['rps']:.4f}",
                f"{row['log_loss']:.4f}",
                f"{row['accuracy']:.1%}",
                str(int(row["n_matches"])),
            )
        console.print(table)
    if upcoming.empty:
        console.print("No upcoming matches with a prediction.")
    else:
        table = Table(title="Upcoming matches: model (market) probabilities, bets placed")
        for column in ("kickoff (UK)", "match", "home", "draw", "away", "bets"):
            table.add_column(
                column, justify="right" if column in ("home", "draw", "away") else "left"
            )
        for row in upcoming.to_dict("records"):
            cells = []
            for side in ("home", "draw", "away"):
                market = row[f"market_p_{side}"]
                market_text = (
                    f" ({float(market):.2f})" if market is not None and market == market else ""
                )
                cells.append(f"{float(row[f'p_{side}']):.2f}{market_text}")
            table.add_row(
                str(row["kickoff_at_uk"])[:16],
                f"{row['home_team']} v {row['away_team']}",
                *cells,
                row["bets"] or "",
            )
        console.print(table)
    if not bankrolls.empty:
        table = Table(title="Live bankroll per strategy")
        for column in ("strategy", "bets", "settled", "staked", "profit", "bankroll"):
            table.add_column(column, justify="left" if column == "strategy" else "right")
        for row in bankrolls.to_dict("records"):
            table.add_row(
                row["strategy"],
                str(int(row["bets"])),
                str(int(row["settled"])),
                f"{float(row['staked']):,.2f}",
                f"{float(row['profit']):+,.2f}",
                f"{float(row['bankroll']):,.2f}",
            )
        console.print(table)
