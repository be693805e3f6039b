"""Model health: what the monitor step (ml/monitoring) saw, the latest status of each
headline metric, the rolling RPS of the champion against the market per day, and the last
retraining decisions, with a link to the latest Evidently report. Every number is the
monitoring marts' (marts.mart_monitoring_latest, mart_model_health_daily,
mart_retraining_decisions) through sql/report/select_model_health_daily.sql,
select_monitoring_latest.sql and select_recent_retraining_decisions.sql."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..figures import REPORT_COLOURS, new_figure
from ..format import (
    Column,
    col,
    esc,
    figure_data_uri,
    fmt_date,
    fmt_number,
    html_table,
    image,
    missing,
    paragraph,
)
from ..section import Card, Fragment, ReportContext, ReportSection, Unavailable

MARTS = (
    "marts.mart_monitoring_latest",
    "marts.mart_model_health_daily",
    "marts.mart_retraining_decisions",
)
STATUS_TONE = {"ok": "good", "no_data": "", "warn": "bad", "alert": "bad"}
HEADLINE = (
    ("rps_gap_vs_market", "Live RPS minus the market's (pre-match)"),
    ("rps_model", "Live RPS of the champion"),
    ("rps_market_pre", "RPS of the pre-match market"),
    ("rps_market_close", "RPS of the closing prices"),
    ("ece", "Calibration error (ECE)"),
    ("drifted_feature_share", "Share of features drifted"),
    ("clv_mean", "Mean closing line value of live bets"),
    ("days_since_last_load", "Days since the last load"),
    ("rejected_rows_7d", "Rejected rows, last 7 days"),
    ("missing_prematch_odds_14d", "Matches without pre-match odds, last 14 days"),
    ("dbt_build_failed", "Last dbt build failed"),
)


@dataclass(frozen=True)
class ModelHealth:
    latest: pd.DataFrame  # select_monitoring_latest
    daily: pd.DataFrame  # select_model_health_daily
    decisions: pd.DataFrame  # select_recent_retraining_decisions


def load(ctx: ReportContext) -> ModelHealth:
    ctx.require(
        *MARTS, message="The monitoring marts are not built yet: run <code>plpred transform</code>."
    )
    latest = ctx.query("select_monitoring_latest", [ctx.league])
    if latest.empty:
        raise Unavailable(
            "The champion has not been monitored yet: <code>plpred monitor</code> (also a step "
            "of <code>plpred run</code>, after settlement) watches it."
        )
    daily = ctx.query("select_model_health_daily", [ctx.league, ctx.now.date()])
    decisions = ctx.query("select_recent_retraining_decisions", [ctx.league])
    return ModelHealth(latest, daily, decisions)


def health_figure(daily: pd.DataFrame):
    """The rolling RPS (the monitor's window) of the champion and of the market, per day."""
    figure = new_figure(figsize=(13, 3.4))
    axis = figure.subplots()
    days = pd.to_datetime(daily["day"])
    for column, name, colour, style in (
        ("rps_model", "champion", REPORT_COLOURS["model"], "-"),
        ("rps_market_pre", "market, pre-match", REPORT_COLOURS["market_pre"], "-"),
        ("rps_market_close", "market, closing", REPORT_COLOURS["market_close"], "--"),
    ):
        axis.plot(days, pd.to_numeric(daily[column]), style, color=colour, label=name, marker=".")
    axis.set_title("Rolling RPS over the monitor's window of settled matches (lower is better)")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, frameon=False)
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


def _value(row: pd.Series) -> str:
    value = row["value"]
    if missing(value):
        return "–"
    if row["metric"] in ("drifted_feature_share",):
        return f"{float(value):.0%}"
    if row["metric"] in ("days_since_last_load", "rejected_rows_7d", "missing_prematch_odds_14d"):
        return f"{float(value):.0f}"
    if row["metric"] == "dbt_build_failed":
        return "yes" if float(value) else "no"
    return fmt_number(value)


def _status(row: pd.Series) -> str:
    status = str(row["status"])
    tone = STATUS_TONE.get(status, "")
    return f'<span class="{tone}">{esc(status)}</span>' if tone else esc(status)


def render(data: ModelHealth) -> Fragment:
    names = dict(HEADLINE)
    latest = data.latest[data.latest["metric"].isin(names)].copy()
    latest["order"] = latest["metric"].map({m: i for i, (m, _) in enumerate(HEADLINE)})
    latest = latest.sort_values("order")
    as_of = data.latest["as_of"].max()
    worst = max(data.latest["status"], key=["ok", "no_data", "warn", "alert"].index)
    versions = data.latest["model_version"].dropna()
    version = str(versions.iloc[-1]) if len(versions) else "–"
    parts = [
        paragraph(
            f"The monitor's latest run, at {esc(fmt_date(as_of, with_time=True))}, judged the "
            f"champion (version {esc(version)}) <strong>{esc(worst)}</strong>. Thresholds are "
            "ml/retraining.toml's; RPS and calibration are over the last settled matches it "
            "predicted before kickoff."
        ),
        html_table(
            latest,
            [
                Column("metric", lambda row: esc(names.get(row["metric"], row["metric"]))),
                Column("value", _value, numeric=True),
                col("threshold", "threshold", lambda v: "" if missing(v) else fmt_number(v)),
                Column("status", _status),
            ],
        ),
    ]
    if len(data.daily) >= 2 and data.daily["rps_model"].notna().sum() >= 2:
        parts.append(image(figure_data_uri(health_figure(data.daily)), "rolling RPS per day"))
    reports = data.daily["report_path"].dropna()
    if len(reports):
        # A link relative to the report's folder (PLPRED_HOME/reports): the page stays
        # self-contained and moves with the folder.
        path = Path(str(reports.iloc[-1]))
        parts.append(
            paragraph(
                f"Evidently's drift report of the latest run: <a href=\"monitoring/"
                f"{esc(path.name)}\">{esc(path.name)}</a> (also in MLflow, in the league's "
                "monitoring experiment)."
            )
        )
    if len(data.decisions):
        parts.append(
            html_table(
                data.decisions,
                [
                    col("as_of", "decided at", lambda v: fmt_date(v, with_time=True)),
                    col("action", "action"),
                    col("trigger", "trigger"),
                    col("state", "state"),
                    col("model_version_before", "before"),
                    col("model_version_after", "after"),
                    col("reason", "reason"),
                ],
            )
        )
    card = Card(
        "Model health",
        worst,
        f"monitored {fmt_date(as_of)}",
        "good" if worst == "ok" else ("bad" if worst in ("warn", "alert") else ""),
    )
    return Fragment("".join(parts), [card])


SECTION = ReportSection("health", "Model health", load, render)
