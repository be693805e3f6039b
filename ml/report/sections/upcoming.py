"""Upcoming matches: the champion against the market on the matches still to be played, and
the live bets riding on them (sql/report/select_champion.sql, select_upcoming_predictions.sql,
select_open_live_bets.sql). No figure: the probability bars are the picture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from ml.clock import utc_naive

from ..format import (
    Column,
    esc,
    fmt_kickoff,
    fmt_money,
    fmt_stamp_date,
    html_table,
    missing,
    paragraph,
    probability_bar,
    tone,
)
from ..section import MARTS_NOT_BUILT, Card, Fragment, ReportContext, ReportSection, Unavailable

UPCOMING_SHOWN = 20


@dataclass(frozen=True)
class Upcoming:
    now: datetime
    version: str
    label: str
    champion_card: Card
    matches: pd.DataFrame  # select_upcoming_predictions: one row per match, kickoff order
    bets: pd.DataFrame  # select_open_live_bets: empty when there is no ledger


def best_edge(row: pd.Series) -> tuple[str, float] | None:
    """The outcome where the model most exceeds the market, and by how much."""
    edges = {}
    for name in ("home", "draw", "away"):
        model, market = row.get(f"p_{name}"), row.get(f"market_{name}")
        if not missing(model) and not missing(market):
            edges[name] = float(model) - float(market)
    if not edges:
        return None
    name = max(edges, key=edges.__getitem__)
    return name, edges[name]


def load(ctx: ReportContext) -> Upcoming:
    """``ctx.now`` decides which matches are still to be played and which version is champion."""
    ctx.require("marts.mart_match_features", message=MARTS_NOT_BUILT)
    ctx.require(
        "ml.champion_decisions",
        "ml.predictions",
        message="No model has predicted anything yet: run <code>plpred train</code> then "
        "<code>plpred score</code>.",
    )
    now = utc_naive(ctx.now)
    champion = ctx.query("select_champion", [ctx.model_name, now])
    if champion.empty:
        raise Unavailable(
            f"There is no champion model for {esc(ctx.league)} yet: run <code>plpred train</code>"
            ", then <code>plpred score</code>."
        )
    row = champion.iloc[0]
    version, label = str(row["model_version"]), str(row["model_label"])
    matches = ctx.query("select_upcoming_predictions", [ctx.model_name, now, ctx.league])
    decision = str(row.get("decision") or "")
    kind, _, variant = label.partition("/")
    card = Card(  # the variant goes to the note: a long label breaks the card
        "Champion model",
        f"{kind} v{version}",
        (f"{variant}, " if variant else "")
        + ("refitted " if decision == "refit" else "since ")
        + fmt_stamp_date(row["decided_at"]),
    )
    if matches.empty:
        raise Unavailable(
            f"The champion ({esc(label)} v{esc(version)}) has not predicted any match that "
            "is still to be played. Ingest the latest fixtures (<code>plpred ingest</code>), "
            "<code>plpred transform</code>, then <code>plpred score</code>.",
            [card],
        )
    bets = pd.DataFrame()
    if not ctx.missing("betting.bets", "betting.settlements"):
        bets = ctx.query("select_open_live_bets", [ctx.league])
    return Upcoming(ctx.now, version, label, card, matches, bets)


def columns(data: Upcoming) -> list[Column]:
    now = pd.Timestamp(utc_naive(data.now))
    by_match = {m: part for m, part in data.bets.groupby("match_id")} if len(data.bets) else {}

    def when(row: pd.Series) -> str:
        day, _, time = fmt_kickoff(row["kickoff_at_uk"]).partition(", ")
        text = f'<span class="nowrap">{esc(day)}</span>' + (f"<br>{esc(time)}" if time else "")
        if pd.Timestamp(row["kickoff_at"]) < now:  # UTC with UTC
            text += '<br><span class="muted">kicked off, no result yet</span>'
        return text

    def edge(row: pd.Series) -> str:
        found = best_edge(row)
        if found is None:
            return '<span class="muted">–</span>'
        name, value = found
        if value <= 0:
            return '<span class="muted">none</span>'
        return f'<span class="nowrap">{name} {tone(f"+{value * 100:.1f} pts", value)}</span>'

    def placed(row: pd.Series) -> str:
        part = by_match.get(row["match_id"])
        if part is None:
            return '<span class="muted">–</span>'
        return "".join(
            f'<div class="bet"><span class="chip">{esc(b.strategy)}</span> {esc(b.selection)} '
            f'{b.odds_taken:.2f} <span class="muted">{esc(b.odds_source)}</span> · '
            f"{fmt_money(b.stake)}</div>"
            for b in part.itertuples()
        )

    def model_bar(row: pd.Series) -> str:
        bar = probability_bar(row["p_home"], row["p_draw"], row["p_away"])
        if str(row["model_version"]) == data.version:
            return bar
        return bar + f'<span class="muted">by v{esc(row["model_version"])}</span>'

    return [
        Column("kickoff", when),
        Column(
            "match",
            lambda r: (
                f"<strong>{esc(r['home_team'])}</strong> v <strong>{esc(r['away_team'])}</strong>"
            ),
        ),
        Column("model: home / draw / away", model_bar),
        Column(
            "market: home / draw / away",
            lambda r: probability_bar(r["market_home"], r["market_draw"], r["market_away"]),
        ),
        Column("largest edge", edge, title="model minus market probability, in points"),
        Column("bets placed (live)", placed),
    ]


def render(data: Upcoming) -> Fragment:
    shown = data.matches.head(UPCOMING_SHOWN)
    more = len(data.matches) - len(shown)
    body = [
        paragraph(
            f"The champion model ({esc(data.label)}, version {esc(data.version)}) against the "
            "market for the matches still to be played, as of the report's clock (each match "
            "shows the prediction in force then: the newest made before it, by the version that "
            "was champion at the time). The market's probabilities are the pre-match "
            "market average's prices with the bookmakers' margin removed. The edge is where "
            "the model gives an outcome more chance than the market does; a bet needs more "
            "than that, because the price it is struck at still carries the margin."
        ),
        '<div class="legend"><span class="h">home</span><span class="d">draw</span>'
        '<span class="a">away</span></div>',
        html_table(shown, columns(data), css="fixtures"),
    ]
    if more > 0:
        body.append(
            paragraph(
                f"… and {more} more (<code>plpred sql predictions__upcoming_with_market_and_edge"
                "</code> lists them all).",
                "muted",
            )
        )
    if data.bets.empty:
        body.append(
            paragraph(
                "No live bet is riding on these matches: <code>plpred bet</code> places them "
                "when a strategy finds value at a pre-match price before kickoff.",
                "muted",
            )
        )
    cards = [
        data.champion_card,
        Card(
            "Upcoming matches",
            f"{len(data.matches):,}",
            f"{len(data.bets):,} open live bets" if not data.bets.empty else "no live bets on them",
        ),
    ]
    return Fragment("".join(body), cards)


SECTION = ReportSection("upcoming", "Upcoming matches", load, render)
