"""``plpred monitor``: the watcher of the champion, one league at one clock (the catalogue's
``monitor`` step, after settle).

It reads the warehouse as the clock saw it, computes four families of checks
(:mod:`ml.monitoring.checks`, :mod:`ml.monitoring.drift`), decides what the retraining policy
says (:mod:`ml.monitoring.decide`) and writes one transaction: a ``monitoring.runs`` row, its
``monitoring.metrics`` rows and one ``monitoring.retraining_decisions`` row. Evidently's HTML
report goes under ``PLPRED_HOME/reports/monitoring/`` and, with the metrics, to MLflow (the
league's ``-monitoring`` experiment). A second run at the same clock adds nothing.

The decision is carried out by the next run's train or refit step (:func:`pending_decisions`,
:func:`mark_executed`), which the catalogue runs before scoring.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from rich.console import Console

from ml import clock
from ml.config import Settings
from ml.modeling.features import type_frame
from ml.monitoring import checks
from ml.monitoring.checks import Health, Metric
from ml.monitoring.decide import Champion, Decision, decide
from ml.monitoring.policy import Policy, load_policy
from ml.warehouse.connection import Connection, apply_ddl, connect, read_sql


@dataclass
class MonitorResult:
    run_id: str
    as_of: datetime
    status: str
    model_version: str | None
    decision: Decision | None
    metrics: list[Metric] = field(default_factory=list)
    n_current: int = 0
    n_settled: int = 0
    report_path: str | None = None
    detail: str = ""
    repeated: bool = False  # a run at this clock existed: nothing was added

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.metric == name and m.feature is None), None)


# --- reading the warehouse at the clock --------------------------------------------------------


def _champion(settings: Settings):
    from ml.modeling import registry

    return registry.peek_alias(settings, registry.CHAMPION)


def _walk_forward_run(settings: Settings, champion) -> str:
    """The training run whose walk-forward stands behind the champion: its own, or for a
    refit, the run of the version it refits (followed back to the first)."""
    from ml.modeling import registry

    by_version = {v.version: v for v in registry.versions(settings)}
    version = champion
    while version.tags.get(registry.TAG_REFIT_OF) in by_version:
        version = by_version[version.tags[registry.TAG_REFIT_OF]]
    return version.run_id


def drift_window(scored: pd.DataFrame, since: datetime | None, min_rows: int) -> pd.DataFrame:
    """The matches scored after ``since`` (newest scoring first), topped up with the most
    recent earlier ones to at least ``min_rows``."""
    if scored.empty:
        return scored
    new = scored if since is None else scored[pd.to_datetime(scored["predicted_at"]) > since]
    if len(new) >= min_rows:
        return new
    return scored.head(min_rows)


def read_health(conn: Connection, league: str, at: datetime) -> Health:
    row = conn.fetchone(
        read_sql("monitoring/select_health.sql"),
        [league, at, league, at, at, league, at, at, league, at, at],
    )
    last_load, rejected, missing, near = row
    days = None if last_load is None else (at - pd.Timestamp(last_load).to_pydatetime()).days
    last_build = conn.fetchone(read_sql("ops/select_last_build.sql"))
    return Health(
        days_since_last_load=None if days is None else float(days),
        in_season=bool(near),
        rejected_rows_7d=int(rejected or 0),
        missing_prematch_odds_14d=int(missing or 0),
        last_build_failed=last_build is not None and last_build[1] == "failed",
    )


# When a run keeps Evidently's report of feature drift (run_monitor's ``drift_report``).
DRIFT_REPORTS = ("always", "on_drift", "never")


# --- the run -----------------------------------------------------------------------------------


def run_monitor(
    settings: Settings,
    *,
    as_of: datetime,
    console: Console | None = None,
    policy: Policy | None = None,
    log_to_mlflow: bool = True,
    drift_report: str = "always",
) -> MonitorResult:
    """Monitor the league's champion at the clock ``as_of`` (aware or naive UTC).

    ``drift_report`` says when the run keeps Evidently's HTML report of feature drift:
    ``always``, ``on_drift`` (only when the share of drifted features is above the policy's
    threshold: a replay's quiet ticks leave it out, as they leave dbt's tests, for ~2 s of
    plots each) or ``never``. The p-values and every decision are the same either way: they
    come from the same K-S test (:func:`ml.monitoring.drift.ks_p_values`), which the report
    repeats.
    """
    if drift_report not in DRIFT_REPORTS:
        raise ValueError(
            f"drift_report must be one of {', '.join(DRIFT_REPORTS)}, got {drift_report!r}"
        )
    console = console or Console(stderr=True)
    policy = policy or load_policy()
    at = clock.utc_naive(as_of)
    league = settings.league
    with connect(settings) as conn:
        apply_ddl(conn)
        existing = conn.fetchone(read_sql("monitoring/select_run_at.sql"), [league, at])
        if existing is not None:
            run_id, status, version, n_current, n_settled, report_path, detail = existing
            return MonitorResult(
                run_id,
                at,
                status,
                version,
                None,
                [],
                n_current,
                n_settled,
                report_path,
                f"already monitored at this clock: {detail}",
                repeated=True,
            )
        if not conn.table_exists("marts.mart_match_features"):
            return MonitorResult(
                "",
                at,
                "no_data",
                None,
                None,
                detail="the warehouse has no marts yet: `plpred run` fills it",
            )
        champion = _champion(settings)
        since = conn.scalar(read_sql("monitoring/select_last_run_as_of.sql"), [league, at])
        live = (
            conn.query_df(read_sql("monitoring/select_live_record.sql"), [league, at])
            if conn.table_exists("marts.mart_live_predictions")
            else pd.DataFrame()
        )
        scored = (
            type_frame(
                conn.query_df(read_sql("monitoring/select_scored_features.sql"), [league, at])
            )
            if champion is not None
            else pd.DataFrame()
        )
        reference = pd.DataFrame()
        walk_forward = pd.DataFrame()
        expected_gap = None
        if champion is not None and champion.training_data_end:
            reference = type_frame(
                conn.query_df(
                    read_sql("monitoring/select_reference_features.sql"),
                    [league, champion.training_data_end, policy.reference_rows],
                )
            )
            model, _, variant = champion.label.partition("/")
            training_run = _walk_forward_run(settings, champion)
            walk_forward = conn.query_df(
                read_sql("monitoring/select_walk_forward_probabilities.sql"),
                [training_run, league, model, variant],
            )
            promised = conn.fetchone(
                read_sql("monitoring/select_walk_forward_gap.sql"),
                [model, variant, training_run],
            )
            if promised and promised[0] is not None and promised[1] is not None:
                expected_gap = float(promised[0]) - float(promised[1])
        live_probabilities = conn.query_df(
            read_sql("monitoring/select_live_probabilities.sql"), [league, at]
        )
        clv = conn.query_df(read_sql("monitoring/select_live_clv.sql"), [league, at, policy.window])
        health = read_health(conn, league, at)
        last_retrain = conn.scalar(read_sql("monitoring/select_last_retrain_at.sql"), [league, at])

    since_at = pd.Timestamp(since).to_pydatetime() if since is not None else None
    current = drift_window(scored, since_at, policy.drift_min_rows)
    metrics: list[Metric] = []
    empty = pd.DataFrame(columns=["kickoff_at", "match_id", "result"])
    metrics += checks.performance(live if len(live) else empty, policy, expected_gap)
    metrics.append(checks.closing_line_value(clv["clv"] if len(clv) else pd.Series(dtype=float)))
    drift_report_of = None  # (reference, current, columns) when the run keeps the report
    if len(current) and len(reference):
        from ml.monitoring import drift

        watched = [c for c in checks.DRIFT_FEATURES if c in reference.columns]
        columns = drift.usable_columns(reference, current, watched)
        feature_drift = checks.drift_metrics(
            drift.ks_p_values(reference, current, columns),
            policy,
            metric="feature_drift",
            share_metric="drifted_feature_share",
        )
        metrics += feature_drift
        # Drifted as the policy judges it: the share of drifted features above its threshold.
        # (With 22 features at p < 0.05, one or two drift by chance in most runs.)
        drifted = any(
            m.metric == "drifted_feature_share" and m.status not in ("ok", "no_data")
            for m in feature_drift
        )
        if drift_report == "always" or (drift_report == "on_drift" and drifted):
            drift_report_of = (reference, current, columns)
    else:
        metrics += checks.no_drift_data(policy)
    live_window = live_probabilities.head(max(policy.drift_min_rows, len(current)))
    if len(live_window) >= 2 and len(walk_forward) >= 2:
        from ml.monitoring import drift

        columns = list(checks.PROBABILITY_COLUMNS)
        metrics += checks.drift_metrics(
            drift.ks_p_values(walk_forward, live_window, columns),
            policy,
            metric="prediction_drift",
            share_metric=None,
        )
    metrics += checks.health_metrics(health, policy)

    version = champion.version if champion is not None else None
    trained = champion.trained_as_of or champion.created_at if champion is not None else None
    decision = decide(
        metrics,
        Champion(version, clock.utc_naive(trained) if trained else None) if version else None,
        at,
        policy,
        last_retrain_at=pd.Timestamp(last_retrain).to_pydatetime() if last_retrain else None,
    )
    status = checks.worst(m.status for m in metrics)
    run_id = f"mon-{uuid.uuid4().hex[:12]}"
    report_path = None
    if drift_report_of is not None:
        from ml.monitoring import drift

        data = drift.ks_drift(*drift_report_of, policy.drift_p_value)
        report_path = str(data.save_html(report_dir(settings) / f"{league}-{at:%Y%m%dT%H%M}.html"))
    n_settled = int(next(m for m in metrics if m.metric == "settled_matches").value or 0)
    detail = _headline(metrics, decision, len(live))
    result = MonitorResult(
        run_id,
        at,
        status,
        version,
        decision,
        metrics,
        len(current),
        n_settled,
        report_path,
        detail,
    )
    _store(settings, result)
    if log_to_mlflow:
        _log_to_mlflow(settings, result)
    console.print(f"monitor {league} at {at:%Y-%m-%d %H:%M} UTC: {status}; {detail}")
    return result


def _headline(metrics: list[Metric], decision: Decision, n_live: int) -> str:
    if n_live == 0:
        head = "no live predictions with a result yet"
    else:
        gap = next(m for m in metrics if m.metric == "rps_gap_vs_market")
        head = (
            f"live RPS gap to the market {gap.value:+.4f}"
            if gap.value is not None
            else "no market prices to compare with"
        )
    return f"{head}; decision: {decision.action} ({decision.trigger}): {decision.reason}"


def _store(settings: Settings, result: MonitorResult) -> None:
    """The run, its metrics and its decision in one transaction."""
    computed_at = clock.utc_naive(clock.now())
    rows = pd.DataFrame(
        [
            {
                "run_id": result.run_id,
                "computed_at": computed_at,
                "as_of": result.as_of,
                "league": settings.league,
                "model_version": result.model_version,
                "metric": m.metric,
                "feature": m.feature,
                "value": m.value,
                "threshold": m.threshold,
                "status": m.status,
            }
            for m in result.metrics
        ]
    )
    decision = result.decision
    with connect(settings) as conn, conn.transaction():
        conn.execute(
            read_sql("monitoring/insert_run.sql"),
            [
                result.run_id,
                settings.league,
                result.as_of,
                computed_at,
                result.model_version,
                result.status,
                result.n_current,
                result.n_settled,
                result.report_path,
                result.detail[:2000],
            ],
        )
        conn.insert_df("monitoring.metrics", rows)
        conn.execute(
            read_sql("monitoring/insert_decision.sql"),
            [
                f"dec-{uuid.uuid4().hex[:12]}",
                computed_at,
                result.as_of,
                settings.league,
                decision.trigger,
                decision.reason,
                decision.action,
                result.model_version,
                None,
                None,
                result.run_id,
            ],
        )


def _log_to_mlflow(settings: Settings, result: MonitorResult) -> None:
    """The run's headline numbers and Evidently's report in the league's monitoring
    experiment (kept apart from the training runs)."""
    import mlflow

    from ml.modeling import registry

    registry.configure(settings)
    name = f"{registry.model_name(settings.league)}-monitoring"
    experiment = mlflow.get_experiment_by_name(name)
    experiment_id = (
        experiment.experiment_id
        if experiment is not None
        else mlflow.create_experiment(
            name,
            artifact_location=(
                f"{settings.mlflow_artifact_location}/monitoring"
                if settings.mlflow_tracking_uri_override is None
                else None
            ),
        )
    )
    with mlflow.start_run(
        experiment_id=experiment_id,
        run_name=f"monitor {result.as_of:%Y-%m-%d %H:%M}",
        tags={
            "plpred.kind": "monitoring",
            "plpred.as_of": result.as_of.isoformat(),
            "plpred.monitoring_run_id": result.run_id,
            "plpred.status": result.status,
            "plpred.decision": result.decision.action if result.decision else "",
            "plpred.model_version": result.model_version or "",
        },
    ):
        mlflow.log_metrics(
            {m.metric: m.value for m in result.metrics if m.feature is None and m.value is not None}
        )
        if result.report_path:
            mlflow.log_artifact(result.report_path, artifact_path="evidently")


# --- carrying decisions out ----------------------------------------------------------------------


def pending_decisions(settings: Settings, as_of: datetime) -> list[tuple[str, str, str, str]]:
    """(decision_id, action, trigger, reason) of the decisions not yet carried out."""
    with connect(settings) as conn:
        apply_ddl(conn)
        rows = conn.fetchall(
            read_sql("monitoring/select_pending_decisions.sql"),
            [settings.league, clock.utc_naive(as_of)],
        )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def mark_executed(
    settings: Settings,
    *,
    action: str,
    as_of: datetime,
    model_version_before: str | None,
    model_version_after: str | None,
    trigger: str,
    reason: str,
) -> None:
    """Record that a train (``retrain``) or refit step ran: fill the pending decisions it
    carries out (a retrain also carries out a pending refit), or, when none asked for it (no
    champion, age, on demand), append its own decision row, so every change of model has one."""
    at = clock.utc_naive(as_of)
    carried = {"retrain": ("retrain", "refit"), "refit": ("refit",)}[action]
    pending = [p for p in pending_decisions(settings, as_of) if p[1] in carried]
    now = clock.utc_naive(clock.now())
    with connect(settings) as conn, conn.transaction():
        for decision_id, *_ in pending:
            conn.execute(
                read_sql("monitoring/mark_decisions_executed.sql"),
                [at, model_version_after, decision_id],
            )
        if not any(p[1] == action for p in pending):
            conn.execute(
                read_sql("monitoring/insert_decision.sql"),
                [
                    f"dec-{uuid.uuid4().hex[:12]}",
                    now,
                    at,
                    settings.league,
                    trigger,
                    reason,
                    action,
                    model_version_before,
                    model_version_after,
                    at,
                    None,
                ],
            )


def policy_due(settings: Settings, as_of: datetime, action: str) -> str | None:
    """The reason of a pending decision to ``action``, or None."""
    for _, pending_action, trigger, reason in pending_decisions(settings, as_of):
        if pending_action == action:
            return f"{trigger}: {reason}"
    return None


def report_dir(settings: Settings) -> Path:
    """Evidently's reports: beside the HTML report (``monitoring/`` of the target's reports
    folder), so that the report links to them relatively."""
    return settings.reports_dir / "monitoring"
