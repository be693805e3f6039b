"""``plpred report``: one static HTML page a person would rather look at than read tables.

The page shows whether the model beats the market (per season, as a table and a chart),
how well calibrated it is, what the upcoming matches look like to the model and to the
market and which bets were placed on them, how each betting strategy's bankroll moved (live
and in the backtest), and the league table. It is a single file with its images embedded, so
it can be mailed, archived or opened from ``PLPRED_HOME/reports`` without a server.

Every number comes from the warehouse through the queries in ``sql/report/``; the maths on
top of them (calibration error, verdicts) are the pure functions of :mod:`ml.metrics` and of
this module. A section whose tables are missing or empty says what to run instead of failing:
the report is the last step of ``plpred run`` and must not hide the others' results.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from rich.console import Console

from ml.config import Settings
from ml.warehouse import Connection, connect, read_sql

REPORT_FILE = "report.html"
ALL_SEASONS = "all"
LIVE_BOOK = "live"
UPCOMING_SHOWN = 20
# Fewer settled bets than this and a profit says more about luck than about the strategy.
FEW_BETS = 300
LEAGUE_NAMES = {
    "E0": "Premier League",
    "E1": "Championship",
    "E2": "League One",
    "SP1": "La Liga",
    "D1": "Bundesliga",
    "I1": "Serie A",
    "F1": "Ligue 1",
    "SC0": "Scottish Premiership",
}
# Places that qualify for the Champions League and places relegated, where the rule is known.
ZONES = {"E0": (4, 3)}
UK = ZoneInfo("Europe/London")


# --- small pure helpers -----------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_number(value: Any, digits: int = 4) -> str:
    return "–" if _missing(value) else f"{float(value):,.{digits}f}"


def fmt_signed(value: Any, digits: int = 4) -> str:
    return "–" if _missing(value) else f"{float(value):+,.{digits}f}"


def fmt_pct(value: Any, digits: int = 1, signed: bool = False) -> str:
    if _missing(value):
        return "–"
    return f"{float(value):+.{digits}%}" if signed else f"{float(value):.{digits}%}"


def fmt_money(value: Any) -> str:
    return "–" if _missing(value) else f"{float(value):,.2f}"


def fmt_date(value: Any, with_time: bool = False) -> str:
    if _missing(value):
        return "–"
    stamp = pd.Timestamp(value)
    if with_time and stamp != stamp.normalize():
        return stamp.strftime("%a %d %b %Y, %H:%M")
    return stamp.strftime("%d %b %Y")


def fmt_kickoff(value: Any) -> str:
    """'Tue 03 Mar, 19:30': the year is the season's, the time is UK time (no time: date only)."""
    if _missing(value):
        return "–"
    stamp = pd.Timestamp(value)
    if stamp == stamp.normalize():
        return stamp.strftime("%a %d %b")
    return stamp.strftime("%a %d %b, %H:%M")


def esc(value: Any) -> str:
    return html.escape("" if _missing(value) else str(value))


def figure_data_uri(figure: Any, dpi: int = 100) -> str:
    """A matplotlib figure as an embedded PNG (``data:`` URI); the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image(uri: str, alt: str) -> str:
    return f'<figure><img src="{uri}" alt="{esc(alt)}"></figure>'


def paragraph(text: str, css: str | None = None) -> str:
    """A paragraph of already-safe HTML."""
    return f'<p class="{css}">{text}</p>' if css else f"<p>{text}</p>"


def notice(text: str) -> str:
    """What a section says when its data is absent: what is missing and what to run."""
    return f'<div class="notice">{text}</div>'


def code(text: str) -> str:
    return f"<code>{esc(text)}</code>"


@dataclass(frozen=True)
class Column:
    """A table column: ``render`` turns a row into cell HTML (escaped by default)."""

    header: str
    render: Callable[[pd.Series], str]
    numeric: bool = False
    title: str | None = None


def col(key: str, header: str, fmt: Callable[[Any], str] | None = None, **kwargs: Any) -> Column:
    """A column showing ``row[key]``, formatted by ``fmt`` (numeric) or escaped (text)."""
    if fmt is None:
        return Column(header, lambda row: esc(row[key]), **kwargs)
    return Column(header, lambda row: fmt(row[key]), numeric=True, **kwargs)


def html_table(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    row_class: Callable[[pd.Series], str | None] | None = None,
    css: str = "",
) -> str:
    head = "".join(
        f'<th class="{"num" if c.numeric else ""}"'
        + (f' title="{esc(c.title)}"' if c.title else "")
        + f">{esc(c.header)}</th>"
        for c in columns
    )
    body = []
    for _, row in frame.iterrows():
        cls = row_class(row) if row_class else None
        cells = "".join(
            f'<td class="{"num" if c.numeric else ""}">{c.render(row)}</td>' for c in columns
        )
        body.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    return (
        f'<div class="table-wrap"><table class="{css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def probability_bar(home: Any, draw: Any, away: Any) -> str:
    """Home, draw and away as one stacked bar with the percentages in it."""
    if any(_missing(v) for v in (home, draw, away)):
        return '<span class="muted">no price</span>'
    parts = []
    for css, value, name in (("h", home, "home"), ("d", draw, "draw"), ("a", away, "away")):
        share = max(float(value), 0.0)
        label = f"{share:.0%}" if share >= 0.12 else ""
        parts.append(
            f'<span class="{css}" style="width:{share * 100:.1f}%" '
            f'title="{name} {share:.1%}">{label}</span>'
        )
    return f'<div class="bar">{"".join(parts)}</div>'


def split_label(label: str | None) -> tuple[str, str] | None:
    """'hgb/with_market' into (model, variant)."""
    if not label or "/" not in label:
        return None
    model, _, variant = label.partition("/")
    return model, variant


def season_comparison(evaluations: pd.DataFrame, label: str) -> pd.DataFrame:
    """One row per season (then 'all') of the selected model against the market.

    ``evaluations`` is sql/report/select_run_evaluations.sql: model, variant, season, metric,
    value, n_matches. The market is the run's market_pre and market_close rows (their first
    variant, if a run ever had several)."""
    frame = evaluations.copy()
    frame["label"] = frame["model"] + "/" + frame["variant"]
    roles = {"model": frame["label"] == label}
    for market in ("market_pre", "market_close"):
        variants = sorted(frame.loc[frame["model"] == market, "variant"].unique())
        roles[market] = (frame["model"] == market) & (
            frame["variant"] == (variants[0] if variants else "")
        )
    parts = []
    for role, mask in roles.items():
        part = frame[mask].pivot_table(index="season", columns="metric", values="value")
        parts.append(part.add_prefix(f"{role}_"))
    n_matches = frame[roles["model"]].groupby("season")["n_matches"].max().rename("n_matches")
    table = pd.concat([n_matches, *parts], axis=1)
    if table.empty:
        return table.reset_index()
    for column in (
        "model_rps",
        "market_pre_rps",
        "market_close_rps",
        "model_log_loss",
        "market_pre_log_loss",
        "model_accuracy",
        "market_pre_accuracy",
    ):
        if column not in table:
            table[column] = np.nan
    table["rps_vs_market"] = table["model_rps"] - table["market_pre_rps"]
    table = table.reset_index().rename(columns={"index": "season"})
    order = sorted(s for s in table["season"] if s != ALL_SEASONS) + [
        s for s in table["season"] if s == ALL_SEASONS
    ]
    return table.set_index("season").loc[order].reset_index()


def market_verdict(comparison: pd.DataFrame, label: str) -> str:
    """An honest sentence on the model against the pre-match market (RPS, lower is better)."""
    seasons = comparison[comparison["season"] != ALL_SEASONS].dropna(subset=["rps_vs_market"])
    overall = comparison[comparison["season"] == ALL_SEASONS].dropna(subset=["rps_vs_market"])
    if seasons.empty or overall.empty:
        return "The run has no market prices to compare the model with."
    row = overall.iloc[0]
    better = int((seasons["rps_vs_market"] < 0).sum())
    model, market = float(row["model_rps"]), float(row["market_pre_rps"])
    who = esc(label)
    if model < market:
        text = (
            f"Over {_seasons(len(seasons))} the model ({who}) edged the pre-match market: RPS "
            f"{model:.4f} against {market:.4f}, better in {better} of {_seasons(len(seasons))}. "
            "A lead this small is within a season's noise; the closing line is the harder test."
        )
        closing = row.get("market_close_rps")
        if not _missing(closing) and model >= float(closing):
            text += f" The closing prices (RPS {float(closing):.4f}) were still better."
        return text
    return (
        f"The market was better: over {_seasons(len(seasons))} its pre-match prices scored an "
        f"RPS of {market:.4f} against the model's {model:.4f} ({who}), and the model beat it "
        f"in {better} of {_seasons(len(seasons))}. That is the usual result: bookmakers' prices "
        "already hold most of what public data can tell."
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _seasons(n: int) -> str:
    return _count(n, "season")


def choose_backtest(
    backtests: pd.DataFrame, run_id: str | None, label: str | None
) -> tuple[str, str, str] | None:
    """Which backtests to show: those replaying ``run_id`` with the run's selected model,
    else the newest source run's most recent model and variant. ``backtests`` is newest first
    (sql/report/select_backtests.sql)."""
    if backtests.empty:
        return None
    runs = backtests[backtests["source_run_id"] == run_id] if run_id else backtests.iloc[0:0]
    if runs.empty:
        runs = backtests[backtests["source_run_id"] == backtests["source_run_id"].iloc[0]]
    selected = split_label(label)
    if selected is not None:
        match = runs[(runs["model"] == selected[0]) & (runs["variant"] == selected[1])]
        if not match.empty:
            runs = match
    first = runs.iloc[0]
    return str(first["source_run_id"]), str(first["model"]), str(first["variant"])


def bankroll_start(curve: pd.DataFrame) -> float | None:
    """The bankroll before a book's first day: its first end-of-day bankroll less that
    day's profit (mart_bankroll_daily counts settled bets only)."""
    if curve.empty:
        return None
    first = curve.sort_values("day").iloc[0]
    return float(first["bankroll"]) - float(first["profit"])


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
            f"{esc(r.strategy)} ({fmt_pct(r.yield_, signed=True)} on {_count(int(r.bets), 'bet')})"
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


def best_edge(row: pd.Series) -> tuple[str, float] | None:
    """The outcome where the model most exceeds the market, and by how much."""
    edges = {}
    for name in ("home", "draw", "away"):
        model, market = row.get(f"p_{name}"), row.get(f"market_{name}")
        if not _missing(model) and not _missing(market):
            edges[name] = float(model) - float(market)
    if not edges:
        return None
    name = max(edges, key=edges.__getitem__)
    return name, edges[name]


# --- the sections -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """A headline number at the top of the page."""

    label: str
    value: str
    note: str = ""
    tone: str = ""


@dataclass
class Section:
    key: str
    title: str
    body: str
    available: bool = True
    cards: list[Card] = field(default_factory=list)


@dataclass(frozen=True)
class TrainingRun:
    run_id: str
    evaluated_at: Any
    label: str | None
    version: str | None
    decision: str | None


def _query(conn: Connection, name: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    return conn.query_df(read_sql(f"report/{name}.sql"), list(params))


def _missing_tables(conn: Connection, *tables: str) -> list[str]:
    return [t for t in tables if not conn.table_exists(t)]


def _latest_run(conn: Connection, league: str) -> TrainingRun | None:
    if _missing_tables(conn, "ml.model_evaluations", "ml.champion_decisions"):
        return None
    frame = _query(conn, "select_latest_training_run", [league])
    if frame.empty:
        return None
    row = frame.iloc[0]
    return TrainingRun(
        run_id=str(row["run_id"]),
        evaluated_at=row["evaluated_at"],
        label=None if _missing(row["candidate_label"]) else str(row["candidate_label"]),
        version=None if _missing(row["candidate_version"]) else str(row["candidate_version"]),
        decision=None if _missing(row["decision"]) else str(row["decision"]),
    )


NO_TRAINING = (
    "No training run for {league} yet, so there is {what}. Run <code>plpred train</code> "
    "(after <code>plpred ingest</code> and <code>plpred transform</code>)."
)


def model_vs_market_section(conn: Connection, league: str, run: TrainingRun | None) -> Section:
    from ml.plots import model_market_figure

    title = "Model against market"
    if run is None or run.label is None:
        what = "nothing to compare with the market"
        return Section(
            "market", title, notice(NO_TRAINING.format(league=esc(league), what=what)), False
        )
    evaluations = _query(conn, "select_run_evaluations", [run.run_id])
    comparison = season_comparison(evaluations, run.label)
    if comparison.empty or comparison["model_rps"].isna().all():
        return Section(
            "market",
            title,
            notice(
                f"The latest run ({code(run.run_id[:8])}) stored no evaluation of {esc(run.label)}."
            ),
            False,
        )
    per_season = comparison[comparison["season"] != ALL_SEASONS]
    body = [
        paragraph(
            f"Each season below was predicted by models fitted only on the matches before it "
            f"(a walk-forward evaluation, run {code(run.run_id[:8])} of "
            f"{esc(fmt_date(run.evaluated_at))}), then scored on the same matches as the "
            "market's pre-match prices and its closing prices (Pinnacle's where published, "
            "else the market average's), margins removed. The "
            "model shown is the one the run selected, by RPS over the whole window. The ranked "
            "probability score (RPS) and log loss reward probabilities close to what happened; "
            "lower is better."
        ),
        paragraph(market_verdict(comparison, run.label), "verdict"),
    ]
    if len(per_season) >= 2:  # one season is a point, not a trend: the table says it
        body.append(
            image(
                figure_data_uri(model_market_figure(per_season, run.label)),
                "RPS, log loss and accuracy per season: model against market",
            )
        )
    season_columns = [
        Column("season", lambda r: esc(r["season"])),
        col("n_matches", "matches", lambda v: "–" if _missing(v) else f"{int(v):,}"),
        col("model_rps", "model RPS", fmt_number),
        col("market_pre_rps", "market RPS", fmt_number, title="pre-match market average"),
        col(
            "market_close_rps",
            "closing RPS",
            fmt_number,
            title="closing prices: Pinnacle's, else the market average's",
        ),
        Column(
            "model − market",
            lambda r: _tone(fmt_signed(r["rps_vs_market"]), r["rps_vs_market"], lower_is_good=True),
            numeric=True,
            title="RPS difference; below 0 the model was better",
        ),
        col("model_log_loss", "model log loss", fmt_number),
        col("market_pre_log_loss", "market log loss", fmt_number),
        col("model_accuracy", "model accuracy", fmt_pct),
        col("market_pre_accuracy", "market accuracy", fmt_pct),
    ]
    body.append(
        html_table(
            comparison,
            season_columns,
            row_class=lambda r: "total" if r["season"] == ALL_SEASONS else None,
        )
    )
    body.append(_all_models_table(evaluations, run.label))
    overall = comparison[comparison["season"] == ALL_SEASONS]
    cards = []
    latest = per_season.dropna(subset=["model_rps"]).tail(1)
    if not latest.empty:
        row = latest.iloc[0]
        diff = row["rps_vs_market"]
        cards.append(
            Card(
                f"Model RPS {row['season']}",
                fmt_number(row["model_rps"]),
                f"market {fmt_number(row['market_pre_rps'])}; lower is better",
                "good" if not _missing(diff) and diff < 0 else "bad",
            )
        )
    if not overall.empty and not _missing(overall.iloc[0]["model_accuracy"]):
        row = overall.iloc[0]
        cards.append(
            Card(
                "Accuracy, all seasons",
                fmt_pct(row["model_accuracy"]),
                f"market {fmt_pct(row['market_pre_accuracy'])}",
            )
        )
    return Section("market", title, "".join(body), True, cards)


def _tone(text: str, value: Any, lower_is_good: bool = False) -> str:
    if _missing(value) or float(value) == 0:
        return text
    good = float(value) < 0 if lower_is_good else float(value) > 0
    return f'<span class="{"good" if good else "bad"}">{text}</span>'


def _all_models_table(evaluations: pd.DataFrame, label: str) -> str:
    """Every model and baseline of the run over the whole window: the selection in context."""
    overall = evaluations[evaluations["season"] == ALL_SEASONS]
    if overall.empty:
        return ""
    table = overall.pivot_table(index=["model", "variant"], columns="metric", values="value")
    table = table.reset_index().sort_values("rps")
    table["label"] = table["model"] + "/" + table["variant"]
    market = table.loc[table["model"] == "market_pre", "rps"]
    table["vs_market"] = table["rps"] - (float(market.iloc[0]) if len(market) else np.nan)
    columns = [
        Column("model / variant", lambda r: esc(r["label"])),
        col("rps", "RPS", fmt_number),
        col("log_loss", "log loss", fmt_number),
        col("accuracy", "accuracy", fmt_pct),
        Column(
            "RPS vs market",
            lambda r: _tone(fmt_signed(r["vs_market"]), r["vs_market"], lower_is_good=True),
            numeric=True,
        ),
    ]
    return (
        "<details><summary>Every model of the run, over all its seasons</summary>"
        + paragraph(
            "Baselines are yardsticks, never candidates: base rates (the league's frequencies), "
            "the pre-match market and the closing market, which no bet can be struck at."
        )
        + html_table(
            table,
            columns,
            row_class=lambda r: (
                "selected"
                if r["label"] == label
                else ("baseline" if str(r["model"]).startswith(("market", "base")) else None)
            ),
        )
        + "</details>"
    )


def reliability_section(conn: Connection, league: str, run: TrainingRun | None) -> Section:
    from ml.metrics import expected_calibration_error
    from ml.plots import reliability_figure

    title = "Calibration"
    if run is None or run.label is None:
        what = "no out-of-sample forecast to check"
        return Section(
            "calibration", title, notice(NO_TRAINING.format(league=esc(league), what=what)), False
        )
    if _missing_tables(conn, "ml.walk_forward_predictions", "marts.fct_matches"):
        return Section(
            "calibration",
            title,
            notice(
                "The walk-forward forecasts or the results are missing: run <code>plpred transform</code> and <code>plpred train</code>."
            ),
            False,
        )
    model, variant = split_label(run.label) or (run.label, "")
    forecasts = "select_walk_forward_with_results"
    frames = {f"model ({run.label})": _query(conn, forecasts, [run.run_id, model, variant])}
    evaluations = _query(conn, "select_run_evaluations", [run.run_id])
    market_variants = sorted(
        evaluations.loc[evaluations["model"] == "market_pre", "variant"].unique()
    )
    if market_variants:
        frames["market, pre-match"] = _query(
            conn, forecasts, [run.run_id, "market_pre", market_variants[0]]
        )
    frames = {k: v for k, v in frames.items() if not v.empty}
    if not frames:
        return Section(
            "calibration",
            title,
            notice(f"Run {code(run.run_id[:8])} has no walk-forward forecast of a played match."),
            False,
        )
    errors = []
    for name, frame in frames.items():
        probs = frame[["p_home", "p_draw", "p_away"]].to_numpy(dtype=float)
        ece = expected_calibration_error(probs, frame["label"].to_numpy())
        errors.append(f"{esc(name)} {ece:.3f} over {len(frame):,} forecasts")
    body = [
        paragraph(
            "A forecast is calibrated when things it calls 30% likely happen about 30% of the "
            "time. Each point below gathers the walk-forward forecasts in a band of ten points "
            "and plots how often the outcome then happened; the dashed diagonal is perfect "
            "calibration. An edge computed from a miscalibrated model is an illusion, so this "
            "matters more than accuracy. Bands with few matches (the ends) are noisy."
        ),
        image(figure_data_uri(reliability_figure(frames)), "Reliability diagram"),
        paragraph(
            "Expected calibration error (the average gap between forecast and frequency, "
            "weighted by matches; lower is better): " + "; ".join(errors) + "."
        ),
    ]
    return Section("calibration", title, "".join(body), True)


def upcoming_section(conn: Connection, league: str, model_name: str, now: datetime) -> Section:
    title = "Upcoming matches"
    missing = _missing_tables(conn, "marts.mart_match_features")
    if missing:
        return Section(
            "upcoming",
            title,
            notice(
                "The marts are not built yet: run <code>plpred ingest</code> and <code>plpred transform</code>."
            ),
            False,
        )
    if _missing_tables(conn, "ml.champion_decisions", "ml.predictions"):
        return Section(
            "upcoming",
            title,
            notice(
                "No model has predicted anything yet: run <code>plpred train</code> then <code>plpred score</code>."
            ),
            False,
        )
    champion = _query(conn, "select_champion", [model_name])
    if champion.empty:
        return Section(
            "upcoming",
            title,
            notice(
                f"There is no champion model for {esc(league)} yet: run <code>plpred train</code>, then <code>plpred score</code>."
            ),
            False,
        )
    version = str(champion.iloc[0]["model_version"])
    label = str(champion.iloc[0]["model_label"])
    matches = _query(conn, "select_upcoming_predictions", [model_name, version, league])
    champion_card = Card(
        "Champion model",
        f"{label} v{version}",
        f"since {fmt_date(champion.iloc[0]['decided_at'])}",
    )
    if matches.empty:
        return Section(
            "upcoming",
            title,
            notice(
                f"The champion ({esc(label)} v{esc(version)}) has not predicted any match that "
                "is still to be played. Ingest the latest fixtures (<code>plpred ingest</code>), "
                "<code>plpred transform</code>, then <code>plpred score</code>."
            ),
            False,
            [champion_card],
        )
    bets = pd.DataFrame()
    if not _missing_tables(conn, "betting.bets", "betting.settlements"):
        bets = _query(conn, "select_open_live_bets", [league])
    shown = matches.head(UPCOMING_SHOWN)
    by_match = {m: part for m, part in bets.groupby("match_id")} if not bets.empty else {}

    def when(row: pd.Series) -> str:
        day, _, time = fmt_kickoff(row["kickoff_at"]).partition(", ")
        text = f'<span class="nowrap">{esc(day)}</span>' + (f"<br>{esc(time)}" if time else "")
        if pd.Timestamp(row["kickoff_at"]) < pd.Timestamp(now):
            text += '<br><span class="muted">kicked off, no result yet</span>'
        return text

    def edge(row: pd.Series) -> str:
        found = best_edge(row)
        if found is None:
            return '<span class="muted">–</span>'
        name, value = found
        if value <= 0:
            return '<span class="muted">none</span>'
        return f'<span class="nowrap">{name} {_tone(f"+{value * 100:.1f} pts", value)}</span>'

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

    columns = [
        Column("kickoff", when),
        Column(
            "match",
            lambda r: (
                f"<strong>{esc(r['home_team'])}</strong> v <strong>{esc(r['away_team'])}</strong>"
            ),
        ),
        Column(
            "model: home / draw / away",
            lambda r: probability_bar(r["p_home"], r["p_draw"], r["p_away"]),
        ),
        Column(
            "market: home / draw / away",
            lambda r: probability_bar(r["market_home"], r["market_draw"], r["market_away"]),
        ),
        Column("largest edge", edge, title="model minus market probability, in points"),
        Column("bets placed (live)", placed),
    ]
    more = len(matches) - len(shown)
    body = [
        paragraph(
            f"The champion model ({esc(label)}, version {esc(version)}) against the market for "
            "the matches still to be played. The market's probabilities are the pre-match "
            "market average's prices with the bookmakers' margin removed. The edge is where "
            "the model gives an outcome more chance than the market does; a bet needs more "
            "than that, because the price it is struck at still carries the margin."
        ),
        '<div class="legend"><span class="h">home</span><span class="d">draw</span>'
        '<span class="a">away</span></div>',
        html_table(shown, columns, css="fixtures"),
    ]
    if more > 0:
        body.append(
            paragraph(
                f"… and {more} more (<code>plpred sql predictions__upcoming_with_market_and_edge</code> lists them all).",
                "muted",
            )
        )
    if bets.empty:
        body.append(
            paragraph(
                "No live bet is riding on these matches: <code>plpred bet</code> places them "
                "when a strategy finds value at a pre-match price before kickoff.",
                "muted",
            )
        )
    cards = [
        champion_card,
        Card(
            "Upcoming matches",
            f"{len(matches):,}",
            f"{len(bets):,} open live bets" if not bets.empty else "no live bets on them",
        ),
    ]
    return Section("upcoming", title, "".join(body), True, cards)


def betting_section(conn: Connection, league: str, run: TrainingRun | None) -> Section:
    from ml.plots import bankroll_figure

    title = "Bankrolls"
    if _missing_tables(conn, "betting.bets", "betting.settlements", "betting.backtests"):
        return Section(
            "betting",
            title,
            notice(
                "No bets yet. <code>plpred backtest</code> replays the walk-forward forecasts "
                "of past seasons through every strategy; <code>plpred bet</code> places live "
                "bets on upcoming matches and <code>plpred settle</code> settles them."
            ),
            False,
        )
    if _missing_tables(conn, "marts.mart_betting_performance", "marts.mart_bankroll_daily"):
        return Section(
            "betting",
            title,
            notice(
                "The betting marts are not built: run <code>plpred transform</code> after betting."
            ),
            False,
        )
    body: list[str] = []
    fresh = _query(conn, "select_betting_freshness").iloc[0]
    if int(fresh["ledger_bets"]) == 0:
        return Section(
            "betting",
            title,
            notice(
                "No bets yet. <code>plpred backtest</code> replays the walk-forward forecasts "
                "of past seasons through every strategy; <code>plpred bet</code> places live "
                "bets on upcoming matches."
            ),
            False,
        )
    if (int(fresh["ledger_bets"]), int(fresh["ledger_settled"])) != (
        int(fresh["mart_bets"]),
        int(fresh["mart_settled"]),
    ):
        body.append(
            notice(
                f"The betting marts are older than the ledgers ({int(fresh['mart_bets']):,} bets "
                f"against {int(fresh['ledger_bets']):,}, {int(fresh['mart_settled']):,} settled "
                f"against {int(fresh['ledger_settled']):,}): run <code>plpred transform</code> "
                "to bring this section up to date."
            )
        )
    chosen = choose_backtest(
        _query(conn, "select_backtests", [league]),
        run.run_id if run else None,
        run.label if run else None,
    )
    source_run, model, variant = chosen or ("", "", "")
    params = [source_run, model, variant, league]
    performance = _query(conn, "select_betting_performance", params)
    daily = _query(conn, "select_bankroll_daily", params)
    margins = (
        _query(conn, "select_market_margin", [league])
        if conn.table_exists("marts.fct_matches")
        else pd.DataFrame()
    )
    cards: list[Card] = []

    backtest = performance[performance["mode"] == "backtest"]
    if chosen is None or backtest.empty:
        body.append(
            notice(
                "No backtest yet: <code>plpred backtest</code> replays the latest training run's walk-forward forecasts through every strategy."
            )
        )
    else:
        overall = backtest[backtest["season"] == ALL_SEASONS].sort_values("strategy")
        seasons = sorted(s for s in backtest["season"].unique() if s != ALL_SEASONS)
        margin = None
        if not margins.empty:
            in_scope = margins[margins["season"].isin(seasons)]
            if not in_scope.empty:
                margin = float(np.average(in_scope["margin"], weights=in_scope["n_matches"]))
        span = (
            "the evaluated seasons"
            if not seasons
            else seasons[0]
            if len(seasons) == 1
            else f"{seasons[0]} to {seasons[-1]}"
        )
        body.append(
            f"<h3>Backtest: {esc(model)}/{esc(variant)}, {esc(span)}</h3>"
            + paragraph(
                f"The walk-forward forecasts of run {code(source_run[:8])} (each made before "
                "the match by a model that had not seen it) replayed through every strategy of "
                "<code>ml/strategies.toml</code>, each with its own bankroll of "
                f"{fmt_money(bankroll_start(daily[daily['mode'] == 'backtest']) or 1000)}. Bets "
                "are struck at pre-match prices a day before kickoff, never at closing prices."
            )
            + paragraph(betting_verdict(overall, margin), "verdict")
        )
        curves = daily[daily["mode"] == "backtest"]
        if not curves.empty:
            start = bankroll_start(curves[curves["strategy"] == curves["strategy"].iloc[0]])
            body.append(
                image(
                    figure_data_uri(
                        bankroll_figure(
                            curves, f"Backtest bankroll per strategy ({model}/{variant})", start
                        )
                    ),
                    "Backtest bankroll per strategy",
                )
            )
        body.append(_performance_table(overall))
        per_season = backtest[backtest["season"] != ALL_SEASONS]
        if not per_season.empty:
            pivot = per_season.pivot_table(index="strategy", columns="season", values="yield")
            frame = pivot.reset_index()
            columns = [Column("strategy", lambda r: esc(r["strategy"]))] + [
                _yield_column(str(s)) for s in pivot.columns
            ]
            body.append(
                "<details><summary>Yield per season</summary>"
                + paragraph(
                    "Profit per unit staked, season by season: one good season is not a strategy."
                )
                + html_table(frame, columns)
                + "</details>"
            )
        losing = int((overall["profit"] < 0).sum())
        cards.append(
            Card(
                "Backtest strategies in profit",
                f"{len(overall) - losing} of {len(overall)}",
                f"best yield {fmt_pct(overall['yield'].max(), signed=True)}",
                "bad" if losing == len(overall) else "",
            )
        )

    live = performance[(performance["mode"] == "live") & (performance["season"] == ALL_SEASONS)]
    body.append("<h3>Live book</h3>")
    if live.empty:
        body.append(
            notice(
                "No live bets yet: <code>plpred bet</code> places them on upcoming matches with "
                "the champion's predictions, <code>plpred settle</code> settles them when the "
                "results arrive."
            )
        )
    else:
        settled = int((live["wins"] + live["losses"] + live["voids"]).sum())
        open_bets = int(live["open_bets"].sum())
        body.append(
            paragraph(
                f"Real bets on real fixtures with the champion's predictions: {int(live['bets'].sum()):,} "
                f"placed, {settled:,} settled, {open_bets:,} waiting for a result."
            )
        )
        curves = daily[daily["mode"] == "live"]
        if curves.groupby("strategy")["day"].nunique().max() >= 2 and settled > 0:
            start = bankroll_start(curves[curves["strategy"] == curves["strategy"].iloc[0]])
            body.append(
                image(
                    figure_data_uri(bankroll_figure(curves, "Live bankroll per strategy", start)),
                    "Live bankroll per strategy",
                )
            )
        elif settled == 0:
            body.append(
                paragraph(
                    "The bankroll curves start when the first live bets are settled.", "muted"
                )
            )
        body.append(_performance_table(live.sort_values("strategy")))
        cards.append(
            Card(
                "Live profit",
                fmt_money(live["profit"].sum()),
                f"{settled:,} settled, {open_bets:,} open",
                "good" if live["profit"].sum() > 0 else ("bad" if live["profit"].sum() < 0 else ""),
            )
        )
    return Section("betting", title, "".join(body), True, cards)


def _yield_column(season: str) -> Column:
    return Column(season, lambda r: _tone(fmt_pct(r[season], signed=True), r[season]), numeric=True)


def _performance_table(frame: pd.DataFrame) -> str:
    columns = [
        Column("strategy", lambda r: f"<strong>{esc(r['strategy'])}</strong>"),
        col("bets", "bets", lambda v: f"{int(v):,}"),
        col("open_bets", "open", lambda v: f"{int(v):,}"),
        col("hit_rate", "hit rate", fmt_pct),
        col("staked", "turnover", fmt_money, title="stakes of the settled (won or lost) bets"),
        Column("profit", lambda r: _tone(fmt_money(r["profit"]), r["profit"]), numeric=True),
        Column(
            "yield",
            lambda r: _tone(fmt_pct(r["yield"], signed=True), r["yield"]),
            numeric=True,
            title="profit per unit staked",
        ),
        Column(
            "ROI",
            lambda r: _tone(fmt_pct(r["roi"], signed=True), r["roi"]),
            numeric=True,
            title="profit over the starting bankroll",
        ),
        col("bankroll_end", "bankroll", fmt_money),
        col("max_drawdown_fraction", "max drawdown", fmt_pct, title="largest fall from a peak"),
        Column(
            "avg CLV",
            lambda r: _tone(fmt_pct(r["average_clv"], signed=True), r["average_clv"]),
            numeric=True,
            title="odds taken against the closing price, minus one",
        ),
    ]
    return html_table(frame, columns)


def league_table_section(conn: Connection, league: str) -> Section:
    title = "League table"
    if _missing_tables(conn, "marts.mart_league_table", "marts.fct_matches"):
        return Section(
            "table",
            title,
            notice(
                "The marts are not built yet: run <code>plpred ingest</code> and <code>plpred transform</code>."
            ),
            False,
        )
    table = _query(conn, "select_league_table", [league, league])
    if table.empty:
        return Section(
            "table", title, notice(f"No played {esc(league)} match in the warehouse yet."), False
        )
    season = str(table.iloc[0]["season"])
    form = _query(conn, "select_recent_form", [league, season, league, season])
    recent = {
        team: "".join(
            f'<span class="form {o.lower()}">{o}</span>'
            for o in part.sort_values("recency", ascending=False)["outcome"]
        )
        for team, part in form.groupby("team_id")
    }
    top, bottom = ZONES.get(league, (0, 0))
    n_teams = len(table)

    def zone(row: pd.Series) -> str | None:
        position = int(row["position"])
        if position <= top:
            return "top"
        if bottom and position > n_teams - bottom:
            return "bottom"
        return None

    columns = [
        col("position", "#", lambda v: f"{int(v)}"),
        Column("team", lambda r: esc(r["team"])),
        col("played", "P", lambda v: f"{int(v)}"),
        col("won", "W", lambda v: f"{int(v)}"),
        col("drawn", "D", lambda v: f"{int(v)}"),
        col("lost", "L", lambda v: f"{int(v)}"),
        col("goals_for", "GF", lambda v: f"{int(v)}"),
        col("goals_against", "GA", lambda v: f"{int(v)}"),
        col("goal_difference", "GD", lambda v: f"{int(v):+d}"),
        col("points", "Pts", lambda v: f"<strong>{int(v)}</strong>"),
        Column("form", lambda r: recent.get(r["team_id"], ""), title="last five, oldest first"),
    ]
    row = table.iloc[0]
    intro = (
        f"{esc(season)}, after the matches of {esc(fmt_date(row['standings_date']))}. Form is "
        "the last five results, the latest on the right."
    )
    if top:
        intro += f" The top {top} and the bottom {bottom} places are marked."
    return Section(
        "table",
        title,
        paragraph(intro) + html_table(table, columns, row_class=zone, css="league"),
        True,
    )


# --- the page ---------------------------------------------------------------------------------

CSS = """
:root { --ink:#1f2933; --muted:#6b7785; --line:#e3e8ee; --bg:#f6f8fa; --accent:#3b6ea5;
  --good:#2f7d4f; --bad:#b23b3b; --home:#3b6ea5; --draw:#a9b4c0; --away:#d08c2f; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color:var(--ink); background:var(--bg); }
header { background:#17324d; color:#fff; padding:28px 0 22px; }
header h1 { margin:0 0 4px; font-size:26px; font-weight:650; }
header .meta { color:#c8d6e5; font-size:13px; }
nav { margin-top:14px; display:flex; flex-wrap:wrap; gap:6px 16px; font-size:14px; }
nav a { color:#fff; text-decoration:none; border-bottom:1px solid rgba(255,255,255,.4); }
.wrap { max-width:1180px; margin:0 auto; padding:0 24px; }
main.wrap { padding-top:22px; padding-bottom:30px; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:22px 26px;
  margin:0 0 22px; }
h2 { margin:0 0 10px; font-size:21px; }
h3 { margin:22px 0 6px; font-size:16px; }
p { margin:8px 0; max-width:90ch; }
.verdict { border-left:4px solid var(--accent); padding:6px 12px; background:#f1f5fa; }
.notice { border:1px dashed #c3ccd6; background:#fafbfc; color:#3d4b59; border-radius:8px;
  padding:12px 16px; margin:8px 0; }
.muted { color:var(--muted); font-size:13px; }
code { background:#eef1f5; padding:1px 5px; border-radius:4px; font-size:13px; }
.cards { display:grid; grid-template-columns:repeat(auto-fit, minmax(165px, 1fr)); gap:12px;
  margin:0 0 22px; }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding:14px 16px; }
.card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.card .value { font-size:19px; font-weight:650; margin:2px 0; }
.card .note { color:var(--muted); font-size:13px; }
.card.good .value { color:var(--good); } .card.bad .value { color:var(--bad); }
figure { margin:14px 0; } figure img { max-width:100%; height:auto; display:block; }
.table-wrap { overflow-x:auto; margin:10px 0; }
table { border-collapse:collapse; width:100%; font-size:14px; }
th, td { padding:6px 10px; border-bottom:1px solid var(--line); text-align:left; vertical-align:middle; }
th { font-size:13px; color:var(--muted); font-weight:600; background:#fafbfc; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tbody tr:hover { background:#f8fafc; }
tr.total td { font-weight:650; border-top:2px solid var(--line); }
tr.selected td { background:#eef4fb; font-weight:600; } tr.baseline td { color:var(--muted); }
tr.top td:first-child { box-shadow:inset 4px 0 0 var(--accent); }
tr.bottom td:first-child { box-shadow:inset 4px 0 0 var(--bad); }
.good { color:var(--good); } .bad { color:var(--bad); }
.bar { display:flex; width:210px; height:22px; border-radius:4px; overflow:hidden; font-size:11px; }
.bar span { display:flex; align-items:center; justify-content:center; color:#fff; }
.h { background:var(--home); } .d { background:var(--draw); } .a { background:var(--away); }
.legend { display:flex; gap:6px; font-size:12px; margin:6px 0; }
.legend span { color:#fff; padding:1px 8px; border-radius:3px; }
.bet, .nowrap { white-space:nowrap; }
.chip { display:inline-block; background:#eef1f5; border-radius:10px; padding:0 8px; font-size:12px; }
.form { display:inline-block; width:19px; height:19px; line-height:19px; text-align:center;
  border-radius:3px; color:#fff; font-size:11px; margin-right:2px; font-weight:600; }
.form.w { background:var(--good); } .form.d { background:#98a3ae; } .form.l { background:var(--bad); }
details { margin:10px 0; } summary { cursor:pointer; color:var(--accent); font-weight:600; }
footer { color:var(--muted); font-size:13px; padding:0 0 30px; }
"""


def render_page(sections: Sequence[Section], *, title: str, meta: str, footer: str) -> str:
    """The whole HTML document: header with navigation, headline cards, sections, footer."""
    nav = "".join(f'<a href="#{s.key}">{esc(s.title)}</a>' for s in sections)
    cards = [card for s in sections for card in s.cards]
    card_html = "".join(
        f'<div class="card {c.tone}"><div class="label">{esc(c.label)}</div>'
        f'<div class="value">{esc(c.value)}</div><div class="note">{esc(c.note)}</div></div>'
        for c in cards
    )
    body = "".join(
        f'<section id="{s.key}"><h2>{esc(s.title)}</h2>{s.body}</section>' for s in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f'<header><div class="wrap"><h1>{esc(title)}</h1><div class="meta">{meta}</div>'
        f"<nav>{nav}</nav></div></header>"
        f'<main class="wrap">{f"<div class=cards>{card_html}</div>" if cards else ""}{body}</main>'
        f'<footer class="wrap">{footer}</footer></body></html>\n'
    )


def _guarded(build: Callable[[], Section], key: str, title: str, console: Console) -> Section:
    """Build a section; a warehouse error becomes a message in that section, not a lost report."""
    try:
        return build()
    except Exception as exc:  # the driver's own errors differ per target; all end up here
        console.print(f"[yellow]report: the {title.lower()} section failed: {exc}[/yellow]")
        return Section(
            key,
            title,
            notice(
                f"This section could not be built: {esc(exc)}. Has <code>plpred transform</code> "
                "run since the last code update?"
            ),
            False,
        )


def build_report(
    settings: Settings, *, now: datetime | None = None, console: Console | None = None
) -> tuple[str, list[Section]]:
    """The report's HTML and its sections, read from the configured warehouse."""
    from ml.registry import model_name

    console = console or Console(stderr=True)
    now = now or datetime.now(UK).replace(tzinfo=None, microsecond=0)
    league = settings.league
    with connect(settings) as conn:
        run = _guarded_run(conn, league, console)
        status = _data_status(conn, league)
        builders: list[tuple[str, str, Callable[[], Section]]] = [
            (
                "upcoming",
                "Upcoming matches",
                lambda: upcoming_section(conn, league, model_name(league), now),
            ),
            ("market", "Model against market", lambda: model_vs_market_section(conn, league, run)),
            ("calibration", "Calibration", lambda: reliability_section(conn, league, run)),
            ("betting", "Bankrolls", lambda: betting_section(conn, league, run)),
            ("table", "League table", lambda: league_table_section(conn, league)),
        ]
        sections = [_guarded(build, key, title, console) for key, title, build in builders]
    name = LEAGUE_NAMES.get(league, league)
    meta = (
        f"{esc(name)} ({esc(league)}) · generated {esc(now.strftime('%d %b %Y, %H:%M'))} UK time · "
        f"{esc(settings.target)} warehouse · {status}"
    )
    footer = (
        "Written by <code>plpred report</code>. Every number comes from the warehouse through "
        "<code>sql/report/*.sql</code>; <code>plpred sql --list</code> lists the questions you "
        "can ask it directly. Past results, honestly measured, do not promise future profit."
    )
    page = render_page(sections, title=f"plpred · {name}", meta=meta, footer=footer)
    return page, sections


def _guarded_run(conn: Connection, league: str, console: Console) -> TrainingRun | None:
    try:
        return _latest_run(conn, league)
    except Exception as exc:  # as in _guarded: a report with messages beats no report
        console.print(f"[yellow]report: cannot read the latest training run: {exc}[/yellow]")
        return None


def _data_status(conn: Connection, league: str) -> str:
    if _missing_tables(conn, "marts.mart_match_features"):
        return "no marts built yet"
    row = _query(conn, "select_data_status", [league]).iloc[0]
    if _missing(row["latest_result_date"]):
        return "no results yet"
    waiting = 0 if _missing(row["matches_without_result"]) else int(row["matches_without_result"])
    return f"results up to {esc(fmt_date(row['latest_result_date']))} · {waiting:,} matches without a result"


def write_report(
    settings: Settings,
    console: Console | None = None,
    *,
    path: Path | None = None,
    now: datetime | None = None,
) -> Path:
    """Write the report (``PLPRED_HOME/reports/report.html`` by default) and return its path."""
    console = console or Console(stderr=True)
    page, sections = build_report(settings, now=now, console=console)
    target = path or settings.reports_dir / REPORT_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(target.suffix + ".tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(target)
    empty = [s.title.lower() for s in sections if not s.available]
    note = f"; without data yet: {', '.join(empty)}" if empty else ""
    console.print(f"report written to {target} ({len(page) / 1024:,.0f} KB{note})")
    return target
