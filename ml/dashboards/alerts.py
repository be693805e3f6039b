"""Grafana alert rules, as code: grafana/provisioning/alerting/plpred.json.

Four rules, each a SQL query of the warehouse (A) reduced to its last value per series (B) and
compared with 0 (C). The thresholds are not in Grafana: each query returns how far a value is
beyond its limit, and the limit comes from the warehouse (the monitoring threshold, the
strategies' drawdown limit, the calendar's allowance between loads), so that the same
conditions in ``marts.mart_alerts`` (what the report and SQL users read) and here cannot
drift apart. String columns become the alert's labels (league, subject).

The SDK renders a rule group in the shape of Grafana's HTTP API; file provisioning wants
``apiVersion``/``groups`` with ``name``/``folder`` (:func:`provisioning_file` does that
mapping; the rules themselves are the SDK's JSON unchanged).
"""

from __future__ import annotations

import json
from typing import Any

from grafana_foundation_sdk.builders import alerting, expr
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.alerting import RelativeTimeRange

from ml.dashboards._grafana import DATASOURCE_UID, Sql

FILE = "plpred.json"
FOLDER = "plpred"
GROUP = "plpred"
INTERVAL = "5m"

# (uid, title, for, no-data state, summary, sql): the query returns one row per series, its
# string columns as labels and one number, positive when the condition holds.
RULES: list[tuple[str, str, str, str, str, str]] = [
    (
        "plpred-rps-worse-than-market",
        "Champion's RPS worse than the market's beyond the monitoring threshold",
        "0s",
        "OK",
        "The champion's rolling RPS is worse than the market's pre-match RPS by more than the "
        "monitoring threshold, beyond noise, on enough matches: the monitor's status alert "
        "(marts.mart_alerts, alert rps_worse_than_market).",
        """
        select
            league,
            subject,
            cast(case when is_firing then 1 else -1 end as double precision) as excess
        from marts.mart_alerts
        where
            alert = 'rps_worse_than_market'
            and value is not null
        """,
    ),
    (
        "plpred-no-recent-load",
        "No successful load for longer than the calendar allows in season",
        "0s",
        "OK",
        "In season, no successful load of the league's results or fixtures for more than "
        "max_hours_between_loads hours (marts.mart_data_freshness, now by Grafana's clock).",
        """
        select
            league,
            file_kind as subject,
            extract(epoch from ((now() at time zone 'UTC') - last_success_at)) / 3600.0
            - max_hours_between_loads as excess
        from marts.mart_data_freshness
        where
            is_in_season
            and last_success_at is not null
        """,
    ),
    (
        "plpred-drawdown-beyond-limit",
        "A strategy's live drawdown beyond its limit",
        "0s",
        "OK",
        "A strategy's live bankroll fell from its peak by a larger share than its limit "
        "(marts.mart_alerts, alert drawdown_beyond_limit).",
        """
        select
            league,
            subject,
            value - threshold as excess
        from marts.mart_alerts
        where
            alert = 'drawdown_beyond_limit'
            and value is not null
        """,
    ),
    (
        "plpred-dbt-build-failed",
        "The latest dbt build failed",
        "0s",
        "OK",
        "The league's latest dbt build (transform or ledger marts) failed: a model or a data "
        "test (marts.mart_alerts, alert dbt_build_failed; names in the pipeline dashboard).",
        """
        select
            league,
            subject,
            value - threshold as excess
        from marts.mart_alerts
        where
            alert = 'dbt_build_failed'
            and value is not null
        """,
    ),
]


def rule(uid: str, title: str, for_: str, no_data: str, summary: str, sql: str) -> alerting.Rule:
    return (
        alerting.Rule(title)
        .uid(uid)
        .org_id(1)
        .folder_uid(FOLDER)
        .rule_group(GROUP)
        .for_val(for_)
        .no_data_state(no_data)  # type: ignore[arg-type]
        .exec_err_state("Error")
        .condition("C")
        .annotations({"summary": summary})
        .labels({"project": "plpred"})
        .with_query(
            alerting.Query("A")
            .datasource_uid(DATASOURCE_UID)
            .relative_time_range(RelativeTimeRange(from_val=600, to=0))
            .model(Sql(sql, ref_id="A"))
        )
        .with_query(
            alerting.Query("B")
            .datasource_uid("__expr__")
            .model(expr.TypeReduce().ref_id("B").expression("A").reducer("last"))
        )
        .with_query(
            alerting.Query("C")
            .datasource_uid("__expr__")
            .model(
                expr.TypeThreshold()
                .ref_id("C")
                .expression("B")
                .conditions(
                    [
                        expr.ExprTypeThresholdConditions().evaluator(
                            expr.ExprTypeThresholdConditionsEvaluator().type("gt").params([0.0])
                        )
                    ]
                )
            )
        )
    )


def rule_group() -> alerting.RuleGroup:
    group = alerting.RuleGroup(GROUP).folder_uid(FOLDER).interval(INTERVAL)  # type: ignore[arg-type]
    for spec in RULES:
        group = group.with_rule(rule(*spec))
    return group


# Keys of a rule that file provisioning reads (the rest is API bookkeeping: orgID, folderUID,
# ruleGroup are given by the group).
_PROVISIONED_KEYS = (
    "uid",
    "title",
    "condition",
    "data",
    "noDataState",
    "execErrState",
    "for",
    "annotations",
    "labels",
    "isPaused",
)


def provisioning_file() -> dict[str, Any]:
    api = json.loads(json.dumps(rule_group().build(), cls=JSONEncoder))
    rules = [{k: r[k] for k in _PROVISIONED_KEYS if k in r} for r in api["rules"]]
    return {
        "apiVersion": 1,
        "groups": [
            {
                "orgId": 1,
                "name": api["title"],
                "folder": FOLDER,
                "interval": INTERVAL,
                "rules": rules,
            }
        ],
    }


def render() -> str:
    return json.dumps(provisioning_file(), indent=2, sort_keys=True) + "\n"
