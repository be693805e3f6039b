"""What ``plpred bet``, ``settle`` and ``backtest`` print: their summaries on the console."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

from ml.betting.records import LIVE_BOOK
from ml.betting.warehouse import fmt_uk
from ml.clock import describe

if TYPE_CHECKING:
    from ml.betting.backtest import BacktestSummary
    from ml.betting.place import PlacementSummary
    from ml.betting.settle import SettlementSummary


def _money(value: Decimal | float | None) -> str:
    return "" if value is None else f"{float(value):,.2f}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:+.1%}"


def render_placement(summary: PlacementSummary, console: Console) -> None:
    if summary.model is not None:
        table = Table(
            title=f"plpred bet: {summary.model.name} v{summary.model.version}, "
            f"{describe(summary.placed_at)}",
            title_justify="left",
            box=box.SIMPLE_HEAD,
        )
        for heading in ("strategy", "prices"):
            table.add_column(heading, no_wrap=True)
        for heading in ("matches", "bets", "staked", "bankroll"):
            table.add_column(heading, justify="right", no_wrap=True)
        for s in summary.strategies:
            table.add_row(
                s.strategy,
                s.odds_source,
                str(s.prospects),
                str(len(s.bets)),
                _money(sum((b.stake for b in s.bets), Decimal(0))),
                _money(s.bankroll),
            )
        console.print(table)
        for bet in summary.bets:
            console.print(
                f"  {bet.strategy}: {bet.selection} in "
                f"{summary.match_labels.get(bet.match_id, bet.match_id)} "
                f"({fmt_uk(bet.kickoff_at)}) {_money(bet.stake)} at {bet.odds_taken:.2f} "
                f"{bet.odds_source}, model {bet.p_model:.1%} vs price {bet.p_implied:.1%}"
            )
    for note in summary.notes:
        console.print(f"[yellow]note[/yellow] {note}")


def render_settlement(summary: SettlementSummary, console: Console) -> None:
    console.print(
        f"plpred settle ({describe(summary.settled_at)}): "
        f"{summary.new_settlements} bet(s) settled "
        f"({summary.count('win')} won, {summary.count('loss')} lost, {summary.count('void')} void), "
        f"{summary.corrections} re-settled after a corrected result, "
        f"{summary.open_bets} still open"
    )
    for row in summary.rows:
        if row.kind == "reversal" or row.revision > 1 or row.outcome == "void":
            console.print(
                f"  {row.strategy} [{row.book_id}] {row.kind} {row.outcome}: {row.reason}"
            )
    live = {k: v for k, v in summary.bankrolls.items() if k[0] == LIVE_BOOK}
    leagues = {league for _, _, league in live}
    for (_, strategy, league), bankroll in sorted(live.items()):
        where = f" ({league})" if len(leagues) > 1 else ""
        console.print(f"  live bankroll {strategy}{where}: {_money(bankroll)}")


def render_backtest(summary: BacktestSummary, console: Console) -> None:
    table = Table(
        title=f"plpred backtest: {summary.league}, walk-forward run {summary.source_run_id}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for heading in ("model/variant", "strategy", "backtest"):
        table.add_column(heading, no_wrap=True)
    for heading in ("matches", "bets", "hit", "staked", "profit", "yield", "ROI", "CLV"):
        table.add_column(heading, justify="right", no_wrap=True)
    for r in summary.results:
        table.add_row(
            f"{r.model}/{r.variant}",
            r.strategy,
            r.backtest_id + ("" if r.created else " (existing)"),
            str(r.predictions),
            str(r.bets),
            f"{r.wins / r.bets:.0%}" if r.bets else "",
            _money(r.staked),
            _money(r.profit),
            _percent(r.yield_),
            _percent(r.roi),
            _percent(r.average_clv),
        )
    console.print(table)
    losing = [r for r in summary.results if r.bets and r.profit < 0]
    if losing:
        console.print(
            f"{len(losing)} of {sum(1 for r in summary.results if r.bets)} backtests lost money. "
            "That is the usual, honest result: bookmakers' margins (several percent on 1X2) "
            "outweigh all but a real edge, and prices at Max are the best in the market, "
            "rarely all available to one punter. A positive average CLV is the better sign "
            "of skill than a profit on a few hundred bets."
        )
    for note in summary.notes:
        console.print(f"[yellow]note[/yellow] {note}")
