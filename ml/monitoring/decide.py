"""The retraining policy as a pure function: a monitoring run's metrics and the champion's
age in, one decision out (``retrain``, ``refit`` or ``none``), with its trigger and a reason a
person can read. Order of precedence: a full retrain (performance, drift, new season, age)
beats a refit (age), which beats no action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ml.ingest.seasons import season_of_date
from ml.monitoring.checks import Metric
from ml.monitoring.policy import Policy


@dataclass(frozen=True)
class Champion:
    version: str
    trained_as_of: datetime | None  # the clock it was trained or refitted at


@dataclass(frozen=True)
class Decision:
    action: str  # none | refit | retrain
    trigger: str  # none | performance | drift | new_season | age | no_champion | on_demand
    reason: str


def _metric(metrics: Sequence[Metric], name: str) -> Metric | None:
    return next((m for m in metrics if m.metric == name and m.feature is None), None)


def decide(
    metrics: Sequence[Metric],
    champion: Champion | None,
    as_of: datetime,
    policy: Policy,
    last_retrain_at: datetime | None = None,
) -> Decision:
    """The decision at the clock ``as_of`` (naive UTC, as ``trained_as_of``).

    ``last_retrain_at``: the clock of the last full retrain carried out for this league. A
    performance or drift trigger waits ``policy.retrain_cooldown_days`` after it: a challenger
    that lost keeps the champion, and the same alarm must not start a walk-forward every run.
    """
    if champion is None:
        return Decision("retrain", "no_champion", "there is no champion: the train step trains one")
    gap = _metric(metrics, "rps_gap_vs_market")
    share = _metric(metrics, "drifted_feature_share")
    n = _metric(metrics, "settled_matches")
    settled = int(n.value) if n and n.value is not None else 0
    alarms = []
    if gap is not None and gap.status == "alert":
        alarms.append(
            (
                "performance",
                f"live RPS is {gap.value:.4f} worse than the market's pre-match prices over the "
                f"last {settled} matches, beyond the {gap.threshold:.4f} its walk-forward "
                f"allows ({policy.max_rps_gap:.4f} more than it promised) and beyond noise",
            )
        )
    if share is not None and share.status == "alert":
        alarms.append(
            (
                "drift",
                f"{share.value:.0%} of the features drifted from the champion's training window "
                f"(threshold {policy.max_drifted_share:.0%})",
            )
        )
    cooling = (
        last_retrain_at is not None
        and (as_of - last_retrain_at).total_seconds() / 86400 < policy.retrain_cooldown_days
    )
    if alarms and not cooling:
        return Decision("retrain", *alarms[0])
    age_days = (
        (as_of - champion.trained_as_of).total_seconds() / 86400
        if champion.trained_as_of is not None
        else None
    )
    if policy.new_season and champion.trained_as_of is not None:
        then, now = season_of_date(champion.trained_as_of.date()), season_of_date(as_of.date())
        if now.start_year > then.start_year:
            return Decision(
                "retrain",
                "new_season",
                f"season {now.label} has begun and version {champion.version} was trained in "
                f"{then.label}: promoted clubs and new squads",
            )
    if policy.retrain_max_age_days is not None and (
        age_days is None or age_days > policy.retrain_max_age_days
    ):
        return Decision(
            "retrain",
            "age",
            f"version {champion.version} is {_days(age_days)} old "
            f"(a full retrain at least every {policy.retrain_max_age_days:g} days)",
        )
    if policy.refit_max_age_days is not None and (
        age_days is None or age_days > policy.refit_max_age_days
    ):
        return Decision(
            "refit",
            "age",
            f"version {champion.version} is {_days(age_days)} old "
            f"(refit after {policy.refit_max_age_days:g} days)",
        )
    reason = _all_clear(gap, share, settled, champion, age_days, policy)
    if alarms:  # cooling down
        reason = (
            f"{alarms[0][1]}, but the last retrain was at {last_retrain_at:%Y-%m-%d %H:%M}, "
            f"within the {policy.retrain_cooldown_days:g}-day cool-down"
        )
    return Decision("none", "none", reason)


def _days(age_days: float | None) -> str:
    return "of unknown age" if age_days is None else f"{age_days:.1f} days"


def _all_clear(
    gap: Metric | None,
    share: Metric | None,
    settled: int,
    champion: Champion,
    age_days: float | None,
    policy: Policy,
) -> str:
    parts = []
    if gap is None or gap.value is None:
        parts.append("no live results to judge yet")
    elif gap.status == "no_data":
        parts.append(
            f"only {settled} settled matches (performance is judged from {policy.min_matches})"
        )
    else:
        noise = " (within noise)" if gap.status == "warn" else ""
        parts.append(
            f"live RPS {gap.value:+.4f} against the market over {settled} matches "
            f"(threshold {gap.threshold:.4f}){noise}"
        )
    if share is None or share.value is None:
        parts.append("no drift window yet")
    else:
        parts.append(
            f"{share.value:.0%} of features drifted (threshold {policy.max_drifted_share:.0%})"
        )
    parts.append(f"version {champion.version} is {_days(age_days)} old")
    return "; ".join(parts)
