"""# plpred_score_and_bet: predictions, settlements, bets, ledger marts and the report

Scheduled by the `plpred_model_registry` asset (every `plpred_train` run that passed, whether
or not it trained anything), at the clock that asset event carries. The tasks are the last
steps of the catalogue (`ml/orchestration/steps.py`), in its order, the same functions `plpred run` calls:

1. `score`: the champion predicts every match kicking off after the clock and after its
   training data that it has not predicted yet (`ml.predictions`). Before the first training
   there is no champion: the task is skipped.
2. `settle`: bets whose match has a verdict known at the clock are settled; corrected results
   are reversed and re-settled. Before betting, so that stakes follow the settled bankroll.
3. `monitor`: drift (Evidently), live RPS against the market, calibration, CLV and data
   health at the clock (`monitoring.*`); the retraining policy (`ml/retraining.toml`) decides.
   When it decides a full retrain, `request_retrain` updates the `plpred_retrain_requested`
   asset, which schedules `plpred_train` at this clock (its train step carries the decision
   out); otherwise `request_retrain` is skipped. A refit decision waits for the next
   `plpred_train` run.
4. `bet`: every strategy bets on upcoming matches the champion predicted, at pre-match prices
   known at the clock, before kickoff (`betting.bets`, at most one bet per match and strategy).
5. `marts`: `dbt build` of the marts on the ledgers, with their tests, when a ledger changed;
   updates the `plpred_ledger_marts` asset that the dashboards read.
6. `report`: the HTML report under `PLPRED_HOME/reports`.

`score`, `monitor`, `bet` and `report` are mapped over the run's leagues (those the
triggering asset event carries, else the `leagues` param), one task instance per league;
`settle` and `marts` run once for every league. `request_retrain` asks `plpred_train` for the
leagues whose monitor decided a retrain.

Every step is idempotent: a second run with no new data writes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from _defaults import (
    DEFAULT_ARGS,
    LEDGER_MARTS,
    MODEL_REGISTRY,
    RETRAIN_REQUESTED,
    START_DATE,
    TAGS,
    leagues_param,
    leagues_task,
    per_league,
    step_task,
)
from airflow.sdk import chain, dag, task

# A step after one that was skipped (no champion yet, nothing new for the marts) still runs,
# as it does in `plpred run`; a failure upstream stops it.
AFTER_SKIPS = "none_failed"


@dag(
    dag_id="plpred_score_and_bet",
    schedule=[MODEL_REGISTRY],
    start_date=START_DATE,
    catchup=False,
    # Every task writes the warehouse: DuckDB allows one writer, so one run and one task at a time.
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=1),
    params=leagues_param(),
    tags=[*TAGS, "ml", "betting"],
    doc_md=__doc__,
)
def plpred_score_and_bet() -> None:
    @task(outlets=[RETRAIN_REQUESTED], trigger_rule=AFTER_SKIPS)
    def request_retrain(**context) -> dict:
        """Schedule `plpred_train` at this clock when the monitor decided a full retrain."""
        from ml.orchestration import tasks as orchestration

        return orchestration.request_retrain(context, RETRAIN_REQUESTED)

    leagues = leagues_task()
    monitor = per_league(
        step_task(
            "monitor",
            "Drift, live performance against the market, data health; the retraining decision.",
            trigger_rule=AFTER_SKIPS,
            execution_timeout=timedelta(minutes=10),
        ),
        leagues,
    )
    chain(
        leagues,
        per_league(
            step_task(
                "score",
                "The champion scores the matches after the clock and its training data, once.",
                execution_timeout=timedelta(minutes=20),
            ),
            leagues,
        ),
        step_task(
            "settle",
            "Settle bets whose match has a verdict; reverse and re-settle corrected results. "
            "Once for every league.",
            trigger_rule=AFTER_SKIPS,
            execution_timeout=timedelta(minutes=10),
        )(),
        monitor,
        request_retrain(),
        per_league(
            step_task(
                "bet",
                "Every strategy bets on the upcoming matches the champion predicted.",
                trigger_rule=AFTER_SKIPS,
                execution_timeout=timedelta(minutes=10),
            ),
            leagues,
        ),
        step_task(
            "marts",
            "dbt build of the prediction and betting marts, with the ledgers' tests (every "
            "league at once).",
            outlets=[LEDGER_MARTS],
            trigger_rule=AFTER_SKIPS,
            execution_timeout=timedelta(minutes=20),
        )(),
        per_league(
            step_task(
                "report",
                "The HTML report (PLPRED_HOME/reports/report.html; report-<league>.html each "
                "when the run has several leagues).",
                trigger_rule=AFTER_SKIPS,
                execution_timeout=timedelta(minutes=10),
            ),
            leagues,
        ),
    )


plpred_score_and_bet()
