"""The monitoring maths: pure functions from frames to judged metrics (no IO, no clock).

A :class:`Metric` is one row of ``monitoring.metrics``: a value, the threshold it was judged
against and a status (``ok``, ``warn``, ``alert``, or ``no_data`` when there are too few rows
to say). The scores are :mod:`ml.models.metrics`' (RPS, log loss, ECE), the same functions the
walk-forward evaluation uses, so a live number and a backtest number mean the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ml.models import metrics as scores
from ml.monitoring.policy import Policy

STATUSES = ("ok", "no_data", "warn", "alert")  # in rising severity

# The features the data-drift check watches: each side's recent form (points, goal difference,
# goals and shots, per game) and the market's pre-match view. Season-to-date counts (points,
# position, matches played, rest days) are left out on purpose: they follow the calendar, so an
# early-season window always "drifts" from a training window of whole seasons. Every column
# costs Evidently a plot (about 0.1 s), so the list is short.
_FORM = (
    "ppg_last5",
    "goal_diff_per_game_last5",
    "goals_for_avg_last5",
    "goals_against_avg_last5",
    "goals_for_ewma",
    "goals_against_ewma",
    "shots_on_target_for_ewma",
    "shots_on_target_against_ewma",
)
DRIFT_FEATURES = (
    *(f"home_{name}" for name in _FORM),
    "home_ppg_home_games_last5",
    *(f"away_{name}" for name in _FORM),
    "away_ppg_away_games_last5",
    "prematch_market_home_prob_power",
    "prematch_market_draw_prob_power",
    "prematch_market_away_prob_power",
    "prematch_market_overround",
)

PROBABILITY_COLUMNS = ("p_home", "p_draw", "p_away")
MARKET_PRE_COLUMNS = ("market_pre_p_home", "market_pre_p_draw", "market_pre_p_away")
MARKET_CLOSE_COLUMNS = ("market_close_p_home", "market_close_p_draw", "market_close_p_away")


@dataclass(frozen=True)
class Metric:
    metric: str
    value: float | None
    status: str = "ok"
    threshold: float | None = None
    feature: str | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")


def worst(statuses: Iterable[str]) -> str:
    """The most severe status; ``ok`` for none."""
    return max(statuses, key=STATUSES.index, default="ok")


def above(metric: str, value: float | None, threshold: float | None, level: str) -> Metric:
    """``level`` when ``value`` exceeds ``threshold``, else ok; no_data without a value."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return Metric(metric, None, "no_data", threshold)
    status = level if threshold is not None and value > threshold else "ok"
    return Metric(metric, float(value), status, threshold)


# --- performance --------------------------------------------------------------------------


def last_settled(live: pd.DataFrame, window: int) -> pd.DataFrame:
    """The last ``window`` matches of the live record (kickoff order, match id to break ties)."""
    ordered = live.sort_values(["kickoff_at", "match_id"])
    return ordered.tail(window).reset_index(drop=True)


def _probabilities(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    return frame[list(columns)].to_numpy(dtype=float)


def performance(
    live: pd.DataFrame, policy: Policy, expected_gap: float | None = None
) -> list[Metric]:
    """RPS and log loss of the champion and of the market (pre-match and closing prices) on
    the same last ``policy.window`` settled matches, the gap to the pre-match market (the
    retraining trigger), and the champion's calibration (ECE).

    ``live``: one row per played match the champion predicted before kickoff, with
    ``result`` in H/D/A, the model's and the market's probabilities (``mart_live_predictions``).
    ``expected_gap``: the champion's own walk-forward RPS minus the market's on its latest
    evaluated season, what its validation promised (about 0 on real data; a model cannot match
    a synthetic market that knows the truth). The gap is an alert only when it exceeds that
    promise by more than ``policy.max_rps_gap`` *and* by more than two standard errors of the
    per-match differences: a bad fortnight on a few dozen matches is noise, not decay.
    """
    recent = last_settled(live, policy.window)
    n = len(recent)
    enough = n >= policy.min_matches
    judged = "ok" if enough else "no_data"
    expected = float(expected_gap) if expected_gap is not None else 0.0
    gap_threshold = expected + policy.max_rps_gap
    if n == 0:
        names = ("rps_model", "rps_market_pre", "rps_market_close", "log_loss_model")
        return [
            Metric("settled_matches", 0.0, "no_data", float(policy.min_matches)),
            *(Metric(name, None, "no_data") for name in names),
            Metric("log_loss_market_pre", None, "no_data"),
            Metric("rps_gap_vs_market", None, "no_data", gap_threshold),
            Metric("rps_gap_expected", expected, "ok"),
            Metric("rps_gap_se", None, "no_data"),
            Metric("ece", None, "no_data"),
        ]
    outcomes = recent["result"].to_numpy()
    model = _probabilities(recent, PROBABILITY_COLUMNS)
    rps_model = scores.rps(model, outcomes)
    out = [
        Metric("settled_matches", float(n), judged, float(policy.min_matches)),
        Metric("rps_model", rps_model, judged),
        Metric("log_loss_model", scores.log_loss(model, outcomes), judged),
        Metric("ece", scores.expected_calibration_error(model, outcomes, policy.ece_bins), judged),
        Metric("rps_gap_expected", expected, "ok"),
    ]
    pre = recent.dropna(subset=list(MARKET_PRE_COLUMNS))
    if len(pre):
        pre_outcomes = pre["result"].to_numpy()
        pre_probs = _probabilities(pre, MARKET_PRE_COLUMNS)
        rps_pre = scores.rps(pre_probs, pre_outcomes)
        # The gap on the matches both priced: the champion's RPS on the same rows.
        differences = scores.rps_per_match(
            _probabilities(pre, PROBABILITY_COLUMNS), pre_outcomes
        ) - scores.rps_per_match(pre_probs, pre_outcomes)
        gap = float(differences.mean())
        se = float(differences.std(ddof=1) / np.sqrt(len(pre))) if len(pre) > 1 else None
        out += [
            Metric("rps_market_pre", rps_pre, judged),
            Metric("log_loss_market_pre", scores.log_loss(pre_probs, pre_outcomes), judged),
            Metric("rps_gap_se", se, judged if se is not None else "no_data"),
        ]
        gap_metric = above("rps_gap_vs_market", gap, gap_threshold, "alert")
        if gap_metric.status == "alert" and (se is None or gap - expected <= 2 * se):
            gap_metric = replace(gap_metric, status="warn")  # beyond the threshold, within noise
        if len(pre) < policy.min_matches:
            gap_metric = replace(gap_metric, status="no_data")
        out.append(gap_metric)
    else:
        out += [
            Metric("rps_market_pre", None, "no_data"),
            Metric("log_loss_market_pre", None, "no_data"),
            Metric("rps_gap_se", None, "no_data"),
            Metric("rps_gap_vs_market", None, "no_data", gap_threshold),
        ]
    close = recent.dropna(subset=list(MARKET_CLOSE_COLUMNS))
    rps_close = (
        scores.rps(_probabilities(close, MARKET_CLOSE_COLUMNS), close["result"].to_numpy())
        if len(close)
        else None
    )
    out.append(
        Metric("rps_market_close", rps_close, judged if rps_close is not None else "no_data")
    )
    return out


def closing_line_value(clv: pd.Series) -> Metric:
    """The mean closing line value of the settled live bets given (informative: a positive
    CLV means the bets beat the closing price)."""
    values = pd.to_numeric(clv, errors="coerce").dropna()
    if values.empty:
        return Metric("clv_mean", None, "no_data")
    return Metric("clv_mean", float(values.mean()), "ok")


# --- drift ----------------------------------------------------------------------------------


def drift_metrics(
    per_feature: Sequence[tuple[str, float]],
    policy: Policy,
    *,
    metric: str,
    share_metric: str | None,
) -> list[Metric]:
    """Judge per-feature drift p-values (K-S; drift when below ``policy.drift_p_value``) and,
    with ``share_metric``, the share of drifted features against the retraining threshold."""
    out = [
        Metric(
            metric,
            float(p_value),
            "warn" if p_value < policy.drift_p_value else "ok",
            policy.drift_p_value,
            feature,
        )
        for feature, p_value in per_feature
    ]
    if share_metric is not None:
        if not per_feature:
            out.append(Metric(share_metric, None, "no_data", policy.max_drifted_share))
        else:
            share = sum(m.status == "warn" for m in out) / len(out)
            out.append(above(share_metric, share, policy.max_drifted_share, "alert"))
    return out


def no_drift_data(policy: Policy) -> list[Metric]:
    return [Metric("drifted_feature_share", None, "no_data", policy.max_drifted_share)]


# --- data health ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    """What the warehouse says about its inputs at the clock (ml/monitoring/run.py reads it)."""

    days_since_last_load: float | None  # None: never loaded
    in_season: bool  # a match was played in the last 14 days or one is due in the next 14
    rejected_rows_7d: int
    missing_prematch_odds_14d: int
    last_build_failed: bool


def health_metrics(health: Health, policy: Policy) -> list[Metric]:
    freshness = above(
        "days_since_last_load",
        health.days_since_last_load,
        policy.freshness_days,
        "alert" if health.in_season else "ok",
    )
    if health.days_since_last_load is None:
        freshness = Metric("days_since_last_load", None, "alert", policy.freshness_days)
    return [
        freshness,
        above("rejected_rows_7d", float(health.rejected_rows_7d), policy.max_rejected_rows, "warn"),
        above(
            "missing_prematch_odds_14d",
            float(health.missing_prematch_odds_14d),
            policy.max_missing_prematch_odds,
            "warn",
        ),
        above("dbt_build_failed", float(health.last_build_failed), 0.0, "alert"),
    ]
