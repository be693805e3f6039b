"""Model against market: the latest training run's walk-forward scores, season by season,
beside the market's pre-match and closing prices (sql/report/select_run_evaluations.sql),
with a chart of RPS, log loss and accuracy per season."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..figures import REPORT_COLOURS, new_figure
from ..format import (
    ALL_SEASONS,
    Column,
    code,
    col,
    esc,
    figure_data_uri,
    fmt_number,
    fmt_pct,
    fmt_signed,
    fmt_stamp_date,
    html_table,
    image,
    missing,
    paragraph,
    seasons,
    toned,
)
from ..section import Card, Fragment, ReportContext, ReportSection, TrainingRun, Unavailable

SCORES = (
    "model_rps",
    "market_pre_rps",
    "market_close_rps",
    "model_log_loss",
    "market_pre_log_loss",
    "model_accuracy",
    "market_pre_accuracy",
)


@dataclass(frozen=True)
class ModelVsMarket:
    run: TrainingRun
    evaluations: pd.DataFrame  # select_run_evaluations: model, variant, season, metric, value
    comparison: pd.DataFrame  # season_comparison: one row per season, then 'all'


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
    for column in SCORES:
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
    per_season = comparison[comparison["season"] != ALL_SEASONS].dropna(subset=["rps_vs_market"])
    overall = comparison[comparison["season"] == ALL_SEASONS].dropna(subset=["rps_vs_market"])
    if per_season.empty or overall.empty:
        return "The run has no market prices to compare the model with."
    row = overall.iloc[0]
    better = int((per_season["rps_vs_market"] < 0).sum())
    model, market = float(row["model_rps"]), float(row["market_pre_rps"])
    who = esc(label)
    n = seasons(len(per_season))
    if model < market:
        text = (
            f"Over {n} the model ({who}) edged the pre-match market: RPS "
            f"{model:.4f} against {market:.4f}, better in {better} of {n}. "
            "A lead this small is within a season's noise; the closing line is the harder test."
        )
        closing = row.get("market_close_rps")
        if not missing(closing) and model >= float(closing):
            text += f" The closing prices (RPS {float(closing):.4f}) were still better."
        return text
    return (
        f"The market was better: over {n} its pre-match prices scored an "
        f"RPS of {market:.4f} against the model's {model:.4f} ({who}), and the model beat it "
        f"in {better} of {n}. That is the usual result: bookmakers' prices "
        "already hold most of what public data can tell."
    )


def model_market_figure(comparison: pd.DataFrame, model_label: str) -> Figure:
    """RPS, log loss and accuracy per season, the model against the market's prices.

    ``comparison`` has one row per season (no 'all' row) with model_rps, market_pre_rps,
    market_close_rps, model_log_loss, market_pre_log_loss, model_accuracy and
    market_pre_accuracy; a missing column or value is simply not drawn."""
    panels = (
        ("RPS (lower is better)", "rps"),
        ("log loss (lower is better)", "log_loss"),
        ("accuracy (higher is better)", "accuracy"),
    )
    names = {
        "model": f"model ({model_label})",
        "market_pre": "market, pre-match",
        "market_close": "market, closing",
    }
    season_labels = comparison["season"].astype(str).tolist()
    figure = new_figure(figsize=(13, 3.8))
    axes = figure.subplots(1, 3)
    for axis, (title, metric) in zip(axes, panels, strict=True):
        for source, name in names.items():
            column = f"{source}_{metric}"
            if column not in comparison or comparison[column].isna().all():
                continue
            axis.plot(
                season_labels,
                comparison[column].astype(float),
                marker="o",
                linewidth=2 if source == "model" else 1.5,
                linestyle="--" if source == "market_close" else "-",
                color=REPORT_COLOURS[source],
                label=name,
            )
        axis.set_title(title, fontsize=11)
        axis.grid(alpha=0.3)
        axis.tick_params(axis="x", labelrotation=45, labelsize=8)
        if metric == "accuracy":
            axis.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="upper center", ncol=3, frameon=False, fontsize=9)
    figure.tight_layout(rect=(0, 0, 1, 0.9))
    return figure


def load(ctx: ReportContext) -> ModelVsMarket:
    run = ctx.require_run("nothing to compare with the market")
    assert run.label is not None
    evaluations = ctx.query("select_run_evaluations", [run.run_id])
    comparison = season_comparison(evaluations, run.label)
    if comparison.empty or comparison["model_rps"].isna().all():
        raise Unavailable(
            f"The latest run ({code(run.run_id[:8])}) stored no evaluation of {esc(run.label)}."
        )
    return ModelVsMarket(run, evaluations, comparison)


def _is_baseline(row: pd.Series) -> bool:
    return str(row["model"]).startswith(("market", "base"))


def all_models_table(evaluations: pd.DataFrame, label: str) -> str:
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
        toned("vs_market", "RPS vs market", fmt_signed, lower_is_good=True),
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
                "selected" if r["label"] == label else ("baseline" if _is_baseline(r) else None)
            ),
        )
        + "</details>"
    )


SEASON_COLUMNS = [
    Column("season", lambda r: esc(r["season"])),
    col("n_matches", "matches", lambda v: "–" if missing(v) else f"{int(v):,}"),
    col("model_rps", "model RPS", fmt_number),
    col("market_pre_rps", "market RPS", fmt_number, title="pre-match market average"),
    col(
        "market_close_rps",
        "closing RPS",
        fmt_number,
        title="closing prices: Pinnacle's, else the market average's",
    ),
    toned(
        "rps_vs_market",
        "model − market",
        fmt_signed,
        lower_is_good=True,
        title="RPS difference; below 0 the model was better",
    ),
    col("model_log_loss", "model log loss", fmt_number),
    col("market_pre_log_loss", "market log loss", fmt_number),
    col("model_accuracy", "model accuracy", fmt_pct),
    col("market_pre_accuracy", "market accuracy", fmt_pct),
]


def _cards(comparison: pd.DataFrame) -> list[Card]:
    cards = []
    per_season = comparison[comparison["season"] != ALL_SEASONS]
    latest = per_season.dropna(subset=["model_rps"]).tail(1)
    if not latest.empty:
        row = latest.iloc[0]
        diff = row["rps_vs_market"]
        cards.append(
            Card(
                f"Model RPS {row['season']}",
                fmt_number(row["model_rps"]),
                f"market {fmt_number(row['market_pre_rps'])}; lower is better",
                "good" if not missing(diff) and diff < 0 else "bad",
            )
        )
    overall = comparison[comparison["season"] == ALL_SEASONS]
    if not overall.empty and not missing(overall.iloc[0]["model_accuracy"]):
        row = overall.iloc[0]
        cards.append(
            Card(
                "Accuracy, all seasons",
                fmt_pct(row["model_accuracy"]),
                f"market {fmt_pct(row['market_pre_accuracy'])}",
            )
        )
    return cards


def render(data: ModelVsMarket) -> Fragment:
    run, comparison = data.run, data.comparison
    label = str(run.label)
    per_season = comparison[comparison["season"] != ALL_SEASONS]
    body = [
        paragraph(
            f"Each season below was predicted by models fitted only on the matches before it "
            f"(a walk-forward evaluation, run {code(run.run_id[:8])} of "
            f"{esc(fmt_stamp_date(run.evaluated_at))}), then scored on the same matches as the "
            "market's pre-match prices and its closing prices (Pinnacle's where published, "
            "else the market average's), margins removed. The "
            "model shown is the one the run selected, by RPS over the whole window. The ranked "
            "probability score (RPS) and log loss reward probabilities close to what happened; "
            "lower is better."
        ),
        paragraph(market_verdict(comparison, label), "verdict"),
    ]
    if len(per_season) >= 2:  # one season is a point, not a trend: the table says it
        body.append(
            image(
                figure_data_uri(model_market_figure(per_season, label)),
                "RPS, log loss and accuracy per season: model against market",
            )
        )
    body.append(
        html_table(
            comparison,
            SEASON_COLUMNS,
            row_class=lambda r: "total" if r["season"] == ALL_SEASONS else None,
        )
    )
    body.append(all_models_table(data.evaluations, label))
    return Fragment("".join(body), _cards(comparison))


SECTION = ReportSection("market", "Model against market", load, render)
