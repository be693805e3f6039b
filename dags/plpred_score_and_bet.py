"""# plpred_score_and_bet: predictions, bets and settlements after every transform

Scheduled by the `plpred_marts` asset (a `plpred_transform` that passed) or the
`plpred_model_registry` asset (a `plpred_train` run), whichever comes first:

1. `score_fixtures`: the champion predicts every match after its training data that it has
   not predicted yet (`ml.predictions`, one row per model version and match). Before the
   first training there is no champion: the run is skipped, and the new model's asset
   schedules it again.
2. `settle_bets`: bets whose match has a result (or is void) are settled; corrected results
   are reversed and re-settled. Before betting, so that stakes follow the settled bankroll.
3. `place_bets`: every strategy bets on upcoming matches the champion predicted, at pre-match
   prices, before kickoff (`betting.bets`, at most one bet per match and strategy).
4. `build_ledger_marts`: `dbt build` of the marts on the ledgers (`source:ml+ source:betting+`)
   with their tests; updates the `plpred_ledger_marts` asset that the dashboards read.

Every step is idempotent: a second run with no new data writes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from _defaults import DEFAULT_ARGS, LEDGER_MARTS, MARTS, MODEL_REGISTRY, TAGS
from airflow.sdk import chain, dag, task


@dag(
    dag_id="plpred_score_and_bet",
    schedule=(MARTS | MODEL_REGISTRY),
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    # Every task writes the warehouse: DuckDB allows one writer, so one run and one task at a time.
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=1),
    tags=[*TAGS, "ml", "betting"],
    doc_md=__doc__,
)
def plpred_score_and_bet() -> None:
    @task(multiple_outputs=False, execution_timeout=timedelta(minutes=20))
    def score_fixtures() -> dict:
        """The champion scores the matches after its training data it has not scored yet.

        Skipped, with everything after it, while there is no champion (before the first
        `plpred_train`), whose registration schedules this DAG again."""
        from airflow.sdk.exceptions import AirflowSkipException

        from ml import orchestration

        outcome = orchestration.score()
        if outcome["model"] is None:
            raise AirflowSkipException("no champion model yet: trigger plpred_train")
        return outcome

    @task(multiple_outputs=False, execution_timeout=timedelta(minutes=10))
    def settle_bets() -> dict:
        """Settle bets whose match has a verdict; reverse and re-settle corrected results."""
        from ml import orchestration

        return orchestration.settle()

    @task(multiple_outputs=False, execution_timeout=timedelta(minutes=10))
    def place_bets() -> dict:
        """Every strategy bets on the upcoming matches the champion predicted."""
        from ml import orchestration

        return orchestration.place_bets()

    @task(multiple_outputs=False, outlets=[LEDGER_MARTS], execution_timeout=timedelta(minutes=20))
    def build_ledger_marts() -> dict:
        """dbt build of the prediction and betting marts, with the ledgers' tests."""
        from ml import orchestration

        return orchestration.build_ledger_marts()

    chain(score_fixtures(), settle_bets(), place_bets(), build_ledger_marts())


plpred_score_and_bet()
