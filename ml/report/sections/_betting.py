"""What the live-bets and backtest sections share: the ledgers and marts they need, and the
table of each strategy's record (marts.mart_betting_performance)."""

from __future__ import annotations

import pandas as pd

from ..format import Column, col, esc, fmt_money, fmt_pct, html_table, signed_pct, toned
from ..section import ReportContext

LEDGERS = ("betting.bets", "betting.settlements", "betting.backtests")
MARTS = (
    "marts.mart_betting_performance",
    "marts.mart_bankroll_daily",
    "marts.mart_settled_bets",
    "marts.mart_backtests",
)
MARTS_NOT_BUILT = (
    "The betting marts are not built: run <code>plpred transform</code> after betting."
)


def require_ledgers_and_marts(ctx: ReportContext, no_ledgers: str) -> None:
    """Raise Unavailable with ``no_ledgers``, or with :data:`MARTS_NOT_BUILT`."""
    ctx.require(*LEDGERS, message=no_ledgers)
    ctx.require(*MARTS, message=MARTS_NOT_BUILT)


def book_params(source_run: str, model: str, variant: str, league: str) -> list[str]:
    """The parameters of select_betting_performance.sql and select_bankroll_daily.sql: the
    backtest of a run's model and variant, and the league's live book (each league has its
    own bankroll in it; empty ids: no backtest)."""
    return [source_run, model, variant, league]


def performance_table(frame: pd.DataFrame) -> str:
    columns = [
        Column("strategy", lambda r: f"<strong>{esc(r['strategy'])}</strong>"),
        col("bets", "bets", lambda v: f"{int(v):,}"),
        col("open_bets", "open", lambda v: f"{int(v):,}"),
        col("hit_rate", "hit rate", fmt_pct),
        col("staked", "turnover", fmt_money, title="stakes of the settled (won or lost) bets"),
        toned("profit", "profit", fmt_money),
        toned("yield", "yield", signed_pct, title="profit per unit staked"),
        toned("roi", "ROI", signed_pct, title="profit over the starting bankroll"),
        col("bankroll_end", "bankroll", fmt_money),
        col("max_drawdown_fraction", "max drawdown", fmt_pct, title="largest fall from a peak"),
        toned(
            "average_clv",
            "avg CLV",
            signed_pct,
            title="odds taken against the closing price, minus one",
        ),
    ]
    return html_table(frame, columns)
