"""Live bets: the live book, each strategy's bankroll over time and record (the betting marts
through sql/report/select_betting_performance.sql and select_bankroll_daily.sql), and the
latest live bets with their outcome (select_live_bets.sql)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..figures import bankroll_image
from ..format import (
    ALL_SEASONS,
    FEW_BETS,
    Column,
    col,
    count,
    esc,
    fmt_kickoff,
    fmt_money,
    fmt_pct,
    html_table,
    missing,
    notice,
    paragraph,
    signed_pct,
    toned,
)
from ..section import Card, Fragment, ReportContext, ReportSection, Unavailable
from ._betting import book_params, performance_table, require_ledgers_and_marts

LIVE_BETS_SHOWN = 25
NO_LIVE_BETS = (
    "No live bets yet: <code>plpred bet</code> places them on upcoming matches with "
    "the champion's predictions when a strategy finds value at a pre-match price, "
    "<code>plpred settle</code> settles them when the results arrive."
)


@dataclass(frozen=True)
class LiveBets:
    live: pd.DataFrame  # mart_betting_performance: the league's live book, season all
    daily: pd.DataFrame  # mart_bankroll_daily, mode live: the bankroll curves
    bets: pd.DataFrame  # select_live_bets: newest first


def live_betting_verdict(live: pd.DataFrame) -> str:
    """An honest sentence on the live book (mart_betting_performance, mode live, season all)."""
    bets = int(live["bets"].sum())
    settled = int((live["wins"] + live["losses"] + live["voids"]).sum())
    if bets == 0:
        return "No live bet yet."
    if settled == 0:
        return (
            f"{count(bets, 'live bet')} placed, none settled yet: the bankrolls move when the "
            "results arrive."
        )
    profit = float(live["profit"].sum())
    staked = float(live["staked"].sum())
    way = "made" if profit > 0 else "lost"
    text = (
        f"{count(bets, 'live bet')} placed and {settled:,} settled across "
        f"{count(len(live), 'strategy', 'strategies')}: together they "
        f"{way} {fmt_money(abs(profit))} on a turnover of {fmt_money(staked)}"
        + (f" (yield {fmt_pct(profit / staked, signed=True)})." if staked else ".")
    )
    if settled < FEW_BETS:
        text += (
            f" {settled:,} settled bets cannot tell skill from luck (a few results decide them); "
            "the backtest below, over whole seasons, is the better guide."
        )
    clv = live["average_clv"].dropna()
    if not clv.empty:
        spread = (
            f"{fmt_pct(clv.iloc[0], signed=True)}"
            if len(clv) == 1
            else f"from {fmt_pct(clv.min(), signed=True)} to {fmt_pct(clv.max(), signed=True)}"
        )
        text += (
            f" Average closing line value {'' if len(clv) == 1 else 'per strategy '}{spread}: "
            "above 0 the prices taken beat the closing line, the better sign of an edge "
            "(though just as noisy on few bets)."
        )
    return text


def load(ctx: ReportContext) -> LiveBets:
    require_ledgers_and_marts(
        ctx,
        "No bets yet: <code>plpred bet</code> places live bets on upcoming matches with "
        "the champion's predictions, <code>plpred settle</code> settles them.",
    )
    params = book_params("", "", "", ctx.league)  # the live book only
    performance = ctx.query("select_betting_performance", params)
    live = performance[(performance["mode"] == "live") & (performance["season"] == ALL_SEASONS)]
    bets = ctx.query("select_live_bets", [ctx.league])
    if live.empty and bets.empty:
        raise Unavailable(NO_LIVE_BETS)
    daily = ctx.query("select_bankroll_daily", params) if not live.empty else pd.DataFrame()
    curves = daily[daily["mode"] == "live"] if not daily.empty else daily
    return LiveBets(live.sort_values("strategy"), curves, bets)


def _outcome(row: pd.Series) -> str:
    if missing(row["outcome"]):
        return '<span class="muted">open</span>'
    css = {"win": "good", "loss": "bad"}.get(str(row["outcome"]), "muted")
    return f'<span class="{css}">{esc(row["outcome"])}</span>'


BET_COLUMNS = [
    Column(
        "kickoff", lambda r: f'<span class="nowrap">{esc(fmt_kickoff(r["kickoff_at_uk"]))}</span>'
    ),
    Column("match", lambda r: f"{esc(r['home_team'])} v {esc(r['away_team'])}"),
    Column("strategy", lambda r: f'<span class="chip">{esc(r["strategy"])}</span>'),
    Column(
        "bet", lambda r: f"{esc(r['selection'])} <span class=muted>{esc(r['odds_source'])}</span>"
    ),
    col("odds_taken", "odds", lambda v: f"{float(v):.2f}"),
    col("p_model", "model p", fmt_pct, title="the champion's probability of the selection"),
    col("stake", "stake", fmt_money),
    Column("outcome", _outcome),
    toned("profit", "profit", fmt_money),
    toned("clv", "CLV", signed_pct, title="odds taken against the closing price, minus one"),
]


def _book(data: LiveBets) -> tuple[list[str], list[Card]]:
    """The bankrolls and record of the live book, from the marts."""
    live, curves = data.live, data.daily
    if live.empty:
        return [
            notice(
                f"{count(len(data.bets), 'live bet')} in the ledger, none in the betting marts "
                "yet: run <code>plpred transform</code> to bring the bankrolls up to date."
            )
        ], []
    settled = int((live["wins"] + live["losses"] + live["voids"]).sum())
    open_bets = int(live["open_bets"].sum())
    body = [
        paragraph(
            "Bets placed on the fixtures with the champion's predictions, at the pre-match "
            "prices published before kickoff, each strategy of <code>ml/strategies.toml</code> "
            "with its own bankroll; settled when the results arrive. The bankroll counts "
            "settled bets only (<code>marts.mart_bankroll_daily</code>, UK days)."
        ),
        paragraph(esc(live_betting_verdict(live)), "verdict"),
    ]
    if not curves.empty and curves.groupby("strategy")["day"].nunique().max() >= 2:
        body.append(
            bankroll_image(
                curves, "Live bankroll per strategy (settled bets)", "Live bankroll per strategy"
            )
        )
    elif settled == 0:
        body.append(
            paragraph("The bankroll curves start when the first live bets are settled.", "muted")
        )
    body.append(performance_table(live))
    profit = live["profit"].sum()
    card = Card(
        "Live profit",
        fmt_money(profit),
        f"{settled:,} settled, {open_bets:,} open live bets",
        "good" if profit > 0 else ("bad" if profit < 0 else ""),
    )
    return body, [card]


def render(data: LiveBets) -> Fragment:
    body, cards = _book(data)
    if not data.bets.empty:
        shown = data.bets.head(LIVE_BETS_SHOWN)
        more = len(data.bets) - len(shown)
        body.append(
            "<h3>The latest live bets</h3>"
            + html_table(shown, BET_COLUMNS)
            + (
                paragraph(
                    f"… and {more} earlier (<code>plpred sql "
                    "betting__strategy_bets_with_running_bankroll strategy=NAME</code> lists a "
                    "strategy's bets with its running bankroll).",
                    "muted",
                )
                if more > 0
                else ""
            )
        )
    return Fragment("".join(body), cards)


SECTION = ReportSection("live-bets", "Live bets", load, render)
