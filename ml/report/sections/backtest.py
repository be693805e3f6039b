"""Backtest: the latest backtest's walk-forward forecasts replayed through every strategy
(sql/report/select_backtests.sql names it, as marts.mart_backtests decides;
select_betting_performance.sql, select_bankroll_daily.sql, select_market_margin.sql), with the
bankroll curves. The live book is :mod:`~ml.report.sections.live_bets`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..figures import bankroll_image, bankroll_start
from ..format import (
    ALL_SEASONS,
    FEW_BETS,
    Column,
    code,
    count,
    esc,
    fmt_money,
    fmt_pct,
    html_table,
    notice,
    paragraph,
    signed_pct,
    toned,
)
from ..section import Card, Fragment, ReportContext, ReportSection, Unavailable
from ._betting import book_params, performance_table, require_ledgers_and_marts

NO_BETS = (
    "No bets yet. <code>plpred backtest</code> replays the walk-forward forecasts "
    "of past seasons through every strategy; <code>plpred bet</code> places live "
    "bets on upcoming matches"
)


@dataclass(frozen=True)
class Backtest:
    stale: str | None  # a notice when the marts are older than the ledgers
    chosen: tuple[str, str, str] | None  # source run, model, variant
    backtest: pd.DataFrame  # mart_betting_performance, mode backtest, per season and 'all'
    daily: pd.DataFrame  # mart_bankroll_daily of the chosen backtest
    margin: float | None  # the market average's margin over the backtest's seasons


def chosen_backtest(backtests: pd.DataFrame) -> tuple[str, str, str] | None:
    """The source run, model and variant of the league's latest backtest
    (sql/report/select_backtests.sql: ``marts.mart_backtests`` decides which is the latest),
    or None before the first backtest."""
    if backtests.empty:
        return None
    first = backtests.iloc[0]
    return str(first["source_run_id"]), str(first["model"]), str(first["variant"])


def betting_verdict(performance: pd.DataFrame, margin: float | None) -> str:
    """An honest sentence on the backtest: losses are the norm against real margins."""
    settled = performance[(performance["wins"] + performance["losses"]) > 0]
    if settled.empty:
        return "No backtest bet has been settled yet."
    losers = settled[settled["profit"] < 0]
    margin_text = (
        f" The market average's margin on these matches was {margin:.1%}: a bettor without an "
        "edge loses about that share of every stake, and more at a single bookmaker."
        if margin is not None
        else ""
    )
    if len(losers) == len(settled):
        text = (
            f"Every strategy lost money in the backtest (yield {fmt_pct(settled['yield'].max())} "
            f"at best). That is the honest, usual result against real bookmaker margins.{margin_text}"
        )
    elif losers.empty:
        text = (
            "Every strategy made money in the backtest. Treat that with suspicion before "
            f"celebrating: check the bet counts and the closing line value.{margin_text}"
        )
    else:
        winners = settled[settled["profit"] >= 0]
        names = ", ".join(
            f"{esc(r.strategy)} ({fmt_pct(r.yield_, signed=True)} on {count(int(r.bets), 'bet')})"
            for r in winners.rename(columns={"yield": "yield_"}).itertuples()
        )
        text = (
            f"{len(losers)} of {len(settled)} strategies lost money in the backtest; "
            f"{names} did not. Against real bookmaker margins a loss is the usual result.{margin_text}"
        )
        if (winners["bets"] < FEW_BETS).any():
            text += (
                f" Fewer than {FEW_BETS} bets cannot tell skill from luck: a few long prices "
                "decide them."
            )
    clv = settled["average_clv"].dropna()
    if not clv.empty:
        text += (
            " The average closing line value (price taken against the closing price) ranges "
            f"from {fmt_pct(clv.min(), signed=True)} to {fmt_pct(clv.max(), signed=True)}: "
            "positive means the bets beat the market's final word, the better sign of skill."
        )
    return text


def _stale(fresh: pd.Series) -> str | None:
    """A notice when the betting marts lag the ledgers (sql/report/select_betting_freshness.sql)."""
    ledger = (int(fresh["ledger_bets"]), int(fresh["ledger_settled"]))
    mart = (int(fresh["mart_bets"]), int(fresh["mart_settled"]))
    if ledger == mart:
        return None
    return notice(
        f"The betting marts are older than the ledgers ({mart[0]:,} bets "
        f"against {ledger[0]:,}, {mart[1]:,} settled "
        f"against {ledger[1]:,}): run <code>plpred transform</code> "
        "to bring this section up to date."
    )


def _margin(margins: pd.DataFrame, seasons: list[str]) -> float | None:
    """The market average's margin over ``seasons``, weighted by matches."""
    in_scope = margins[margins["season"].isin(seasons)] if not margins.empty else margins
    if in_scope.empty:
        return None
    return float(np.average(in_scope["margin"], weights=in_scope["n_matches"]))


def load(ctx: ReportContext) -> Backtest:
    require_ledgers_and_marts(ctx, NO_BETS + " and <code>plpred settle</code> settles them.")
    fresh = ctx.query("select_betting_freshness").iloc[0]
    if int(fresh["ledger_bets"]) == 0:
        raise Unavailable(NO_BETS + ".")
    chosen = chosen_backtest(ctx.query("select_backtests", [ctx.league]))
    params = book_params(*(chosen or ("", "", "")), ctx.league)
    performance = ctx.query("select_betting_performance", params)
    daily = ctx.query("select_bankroll_daily", params)
    margins = (
        ctx.query("select_market_margin", [ctx.league])
        if not ctx.missing("marts.fct_matches")
        else pd.DataFrame()
    )
    backtest = performance[performance["mode"] == "backtest"]
    seasons = sorted(s for s in backtest["season"].unique() if s != ALL_SEASONS)
    return Backtest(
        _stale(fresh),
        chosen,
        backtest,
        daily[daily["mode"] == "backtest"],
        _margin(margins, seasons),
    )


def _span(seasons: list[str]) -> str:
    if not seasons:
        return "the evaluated seasons"
    return seasons[0] if len(seasons) == 1 else f"{seasons[0]} to {seasons[-1]}"


def _yield_per_season(per_season: pd.DataFrame) -> str:
    pivot = per_season.pivot_table(index="strategy", columns="season", values="yield")
    columns = [Column("strategy", lambda r: esc(r["strategy"]))] + [
        toned(str(s), str(s), signed_pct) for s in pivot.columns
    ]
    return (
        "<details><summary>Yield per season</summary>"
        + paragraph("Profit per unit staked, season by season: one good season is not a strategy.")
        + html_table(pivot.reset_index(), columns)
        + "</details>"
    )


def render(data: Backtest) -> Fragment:
    body = [data.stale] if data.stale else []
    if data.chosen is None or data.backtest.empty:
        body.append(
            notice(
                "No backtest yet: <code>plpred backtest</code> replays the latest training "
                "run's walk-forward forecasts through every strategy."
            )
        )
        return Fragment("".join(body), available=False)
    source_run, model, variant = data.chosen
    backtest, curves = data.backtest, data.daily
    overall = backtest[backtest["season"] == ALL_SEASONS].sort_values("strategy")
    seasons = sorted(s for s in backtest["season"].unique() if s != ALL_SEASONS)
    body.append(
        f"<h3>Backtest: {esc(model)}/{esc(variant)}, {esc(_span(seasons))}</h3>"
        + paragraph(
            f"The walk-forward forecasts of run {code(source_run[:8])} (each made before "
            "the match by a model that had not seen it) replayed through every strategy of "
            "<code>ml/strategies.toml</code>, each with its own bankroll of "
            f"{fmt_money(bankroll_start(curves) or 1000)}. Bets "
            "are struck at pre-match prices a day before kickoff, never at closing prices."
        )
        + paragraph(betting_verdict(overall, data.margin), "verdict")
    )
    if not curves.empty:
        body.append(
            bankroll_image(
                curves,
                f"Backtest bankroll per strategy ({model}/{variant})",
                "Backtest bankroll per strategy",
            )
        )
    body.append(performance_table(overall))
    per_season = backtest[backtest["season"] != ALL_SEASONS]
    if not per_season.empty:
        body.append(_yield_per_season(per_season))
    body.append(
        paragraph(
            "A strategy's backtest bets one by one, with the running bankroll: "
            "<code>plpred sql betting__strategy_bets_with_running_bankroll strategy=kelly "
            "book=latest-backtest</code>; <code>plpred sql betting__books</code> lists every "
            "book with its id.",
            "muted",
        )
    )
    losing = int((overall["profit"] < 0).sum())
    card = Card(
        "Backtest strategies in profit",
        f"{len(overall) - losing} of {len(overall)}",
        f"best yield {fmt_pct(overall['yield'].max(), signed=True)}",
        "bad" if losing == len(overall) else "",
    )
    return Fragment("".join(body), [card])


SECTION = ReportSection("betting", "Backtest", load, render)
