"""Live record: the champion's live predictions, once played, against the market's pre-match
and closing prices on the same matches. Every number is marts.mart_live_predictions' through
sql/report/select_live_record*.sql; the figure is the running mean and the monthly gap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..figures import REPORT_COLOURS, new_figure
from ..format import (
    Column,
    col,
    count,
    esc,
    figure_data_uri,
    fmt_date,
    fmt_number,
    fmt_signed,
    html_table,
    image,
    missing,
    paragraph,
    tone,
    total_row,
)
from ..section import Card, Fragment, ReportContext, ReportSection, Unavailable

LIVE_MART = "marts.mart_live_predictions"
SEASON_MATCHES = 380


@dataclass(frozen=True)
class LiveRecord:
    record: pd.Series  # select_live_record: the whole record, one row
    versions: pd.DataFrame  # select_live_record_by_version
    months: pd.DataFrame  # select_live_record_by_month
    running: pd.DataFrame  # select_live_record_running: the mean so far after each match


def _standard_error(sd: object, n: int) -> float | None:
    if missing(sd) or n < 2:
        return None
    return float(sd) / float(np.sqrt(n))


def live_verdict(record: pd.Series) -> str:
    """An honest sentence on the champion's live record against the market on the same matches.

    ``record`` is sql/report/select_live_record.sql: means of the per-match scores in
    marts.mart_live_predictions and the spread of the per-match differences, from which the
    verdict takes a standard error: a gap inside two of them is noise, not skill."""
    n = int(record["n_matches"])
    if n == 0:
        return "No live prediction has a result yet."
    model, pre, close = (
        float(record[c]) for c in ("model_rps", "market_pre_rps", "market_close_rps")
    )
    text = (
        f"Over {count(n, 'played match', 'played matches')} the champion's live "
        f"forecasts scored an RPS of {model:.4f}, the pre-match market's prices {pre:.4f} and the "
        f"closing prices {close:.4f} on the same matches (lower is better; log loss "
        f"{fmt_number(record['model_log_loss'])} against {fmt_number(record['market_pre_log_loss'])}"
        f" and {fmt_number(record['market_close_log_loss'])})."
    )
    diff = model - pre
    se = _standard_error(record.get("rps_vs_pre_sd"), n)
    if se is None or se == 0:
        text += " One match says nothing about skill."
    elif abs(diff) <= 2 * se:
        text += (
            f" The gap to the pre-match market ({diff:+.4f}) is within noise: two standard errors "
            f"on {n:,} matches are {2 * se:.4f}, so these matches cannot tell the two apart"
            + (f" (a season has {SEASON_MATCHES})." if n < SEASON_MATCHES else ".")
        )
    elif diff > 0:
        text += (
            f" The market was better by {diff:.4f}, more than two standard errors "
            f"({2 * se:.4f}): live, the model does not beat the prices it would bet at."
        )
    else:
        text += (
            f" The model was better than the pre-match market by {-diff:.4f}, more than two "
            f"standard errors ({2 * se:.4f}). Rare against a liquid market: check that it holds "
            "over more matches before trusting it."
        )
    if model >= close:
        text += " The closing prices, which no bet can be struck at, were better still."
    else:
        text += " It even beat the closing prices, the market's final word: treat with suspicion."
    return text


def live_record_figure(running: pd.DataFrame, by_month: pd.DataFrame):
    """Two panels: the mean RPS so far after each live match (model, pre-match and closing
    market), and per month the model's RPS minus the pre-match market's with two standard
    errors either side. The numbers are the SQL's (marts.mart_live_predictions)."""
    figure = new_figure(figsize=(13, 4.0))
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
    names = {
        "model": "champion (in force at kickoff)",
        "market_pre": "market, pre-match",
        "market_close": "market, closing",
    }
    x = running["n_matches"].astype(int).to_numpy()
    for source, name in names.items():
        left.plot(
            x,
            running[f"{source}_rps"].astype(float),
            linewidth=2 if source == "model" else 1.5,
            linestyle="--" if source == "market_close" else "-",
            color=REPORT_COLOURS[source],
            label=name,
        )
    days = pd.to_datetime(running["kickoff_at_uk"]).dt.normalize()
    firsts = running.loc[days.ne(days.shift()), "n_matches"].astype(int).tolist()
    gap = max(1, len(running) // 9)  # labels at least this many matches apart: no overlap
    ticks: list[int] = []
    for first in firsts:
        if not ticks or first - ticks[-1] >= gap:
            ticks.append(first)
    left.set_xticks(ticks)
    left.set_xticklabels(
        [pd.Timestamp(days[running["n_matches"] == t].iloc[0]).strftime("%d %b") for t in ticks],
        fontsize=8,
    )
    left.set_xlabel("live matches, in kickoff order (dates: first match of the day)")
    left.set_title("Mean RPS so far (lower is better)", fontsize=11)
    left.grid(alpha=0.3)
    left.legend(fontsize=8, loc="upper right", frameon=False)
    n = by_month["n_matches"].astype(int).to_numpy()
    months = [
        f"{pd.Timestamp(month):%b %Y}\n{matches} matches"
        for month, matches in zip(by_month["month"], n, strict=True)
    ]
    diffs = (by_month["model_rps"] - by_month["market_pre_rps"]).astype(float).to_numpy()
    sd = pd.to_numeric(by_month["rps_vs_pre_sd"], errors="coerce").fillna(0).to_numpy()
    errors = 2 * sd / np.sqrt(np.maximum(n, 1))
    colours = [REPORT_COLOURS["model"] if d < 0 else "#b23b3b" for d in diffs]
    right.bar(months, diffs, color=colours, yerr=errors, capsize=6, width=0.55)
    right.axhline(0, color="grey", linewidth=1)
    right.tick_params(axis="x", labelsize=8)
    right.set_title("Model minus pre-match market, RPS, ±2 s.e.", fontsize=11)
    right.set_ylabel("below 0: the model was better", fontsize=8)
    right.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    return figure


def load(ctx: ReportContext) -> LiveRecord:
    ctx.require(
        LIVE_MART,
        message=f"<code>{LIVE_MART}</code> is not built: run <code>plpred transform</code> "
        "(or <code>plpred run</code>) after scoring.",
    )
    record = ctx.query("select_live_record", [ctx.league, ctx.league]).iloc[0]
    if int(record["n_matches"]) == 0:
        played = int(record["n_played"])
        why = (
            f" {count(played, 'played match', 'played matches')} lack a pre-match or closing "
            "price to compare with."
            if played
            else ""
        )
        raise Unavailable(
            "No live prediction has a result yet: <code>plpred score</code> predicts the "
            "upcoming matches before kickoff, and once they are played and ingested "
            "<code>plpred run</code> (or <code>plpred transform</code>) scores them here." + why
        )
    return LiveRecord(
        record,
        ctx.query("select_live_record_by_version", [ctx.league]),
        ctx.query("select_live_record_by_month", [ctx.league]),
        ctx.query("select_live_record_running", [ctx.league]),
    )


def _rps_gap(row: pd.Series) -> str:
    diff = round(float(row["model_rps"]) - float(row["market_pre_rps"]), 4)
    return tone(fmt_signed(diff) if diff else "0.0000", diff, lower_is_good=True)


def score_columns(first: Column) -> list[Column]:
    """The scores of a slice of the record (a version, a month), after its own first column."""
    return [
        first,
        col("n_matches", "matches", lambda v: f"{int(v):,}"),
        col("model_rps", "model RPS", fmt_number),
        col("market_pre_rps", "market RPS", fmt_number, title="pre-match market average"),
        col("market_close_rps", "closing RPS", fmt_number, title="closing prices"),
        Column(
            "model − market",
            _rps_gap,
            numeric=True,
            title="RPS difference with the pre-match market; below 0 the model was better",
        ),
        col("model_log_loss", "model log loss", fmt_number),
        col("market_pre_log_loss", "market log loss", fmt_number),
        col("market_close_log_loss", "closing log loss", fmt_number),
    ]


def _version(row: pd.Series) -> str:
    if row.get("label") == "all":
        return "all"
    return (
        f"v{esc(row['model_version'])} <span class=muted>{esc(row['model_label'])} · "
        f"{esc(fmt_date(row['first_kickoff_uk']))} to {esc(fmt_date(row['last_kickoff_uk']))}"
        "</span>"
    )


def _month(row: pd.Series) -> str:
    return "all" if row.get("label") == "all" else esc(pd.Timestamp(row["month"]).strftime("%b %Y"))


def render(data: LiveRecord) -> Fragment:
    record, months = data.record, data.months
    n = int(record["n_matches"])
    span = (
        f"{esc(fmt_date(record['first_kickoff_uk']))} to {esc(fmt_date(record['last_kickoff_uk']))}"
    )
    body = [
        paragraph(
            "What the champion predicted before each match, scored once the match was played: "
            "for every played match, the prediction in force at kickoff (the newest made before "
            "it, by whichever version was champion then) beside the market's pre-match prices "
            "(the market average, margin removed: what a bettor could take) and its closing "
            "prices (Pinnacle's, else the average's: the yardstick no bet can be struck at). "
            f"Matches from {span}; read from <code>{LIVE_MART}</code>, as "
            "<code>plpred replay</code>'s summary is."
        ),
        paragraph(esc(live_verdict(record)), "verdict"),
    ]
    if n >= 2:
        body.append(
            image(
                figure_data_uri(live_record_figure(data.running, months)),
                "Live RPS so far of the champion and the market; model minus market per month",
            )
        )
    total = pd.DataFrame([record]).assign(label="all")
    by_version = pd.concat([data.versions, total], ignore_index=True)
    body.append("<h3>Per model version</h3>")
    body.append(html_table(by_version, score_columns(Column("version", _version)), total_row))
    if len(months) > 1:
        by_month = pd.concat([months, total], ignore_index=True)
        body.append(
            "<details><summary>Per month</summary>"
            + html_table(by_month, score_columns(Column("month", _month)), total_row)
            + "</details>"
        )
    diff = float(record["model_rps"]) - float(record["market_pre_rps"])
    cards = [
        Card(
            "Live RPS",
            fmt_number(record["model_rps"]),
            f"market {fmt_number(record['market_pre_rps'])}, closing "
            f"{fmt_number(record['market_close_rps'])}; {n:,} matches",
            "good" if diff < 0 else "bad",
        )
    ]
    return Fragment("".join(body), cards)


SECTION = ReportSection("live", "Live record", load, render)
