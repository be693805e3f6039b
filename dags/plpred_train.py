"""# plpred_train: walk-forward evaluation, MLflow, champion/challenger; weekly and on demand

Runs every Monday at 05:00 UK time, or when triggered (with the parameters below), and does
what `plpred train` does: every candidate model is fitted season by season on the matches
before it and judged against the betting market on the same matches (`ml.model_evaluations`,
`ml.walk_forward_predictions`); the best is refitted on every played match, logged and
registered in MLflow, and becomes champion only if it beats the current one on the latest
season. Then `backtest` replays the run's walk-forward predictions through every betting
strategy (written once per run).

A new registered version updates the `plpred_model_registry` asset, which schedules
`plpred_score_and_bet`: upcoming matches are scored by the (possibly new) champion at once.

Parameters: `quick` (small hyper-parameter grids, for smoke runs and tests), `classifiers`
(`logistic`, `hgb`), `goals_model` (Dixon-Coles), `eval_seasons` (e.g. `2324-2526`; empty for
the last six). The environment variable `PLPRED_TRAIN_QUICK=1` makes `quick` the default, for
a whole local Airflow.
"""

from __future__ import annotations

import os
from datetime import timedelta

from _defaults import DEFAULT_ARGS, MODEL_REGISTRY, TAGS
from airflow.sdk import CronTriggerTimetable, Param, dag, task


@dag(
    dag_id="plpred_train",
    schedule=CronTriggerTimetable("0 5 * * 1", timezone="Europe/London", run_immediately=False),
    # No start_date: the first run waits for the next Monday or a trigger, not for marts that
    # do not exist yet on a fresh install (run_immediately).
    catchup=False,
    # Training writes the evaluation ledgers and backtests: DuckDB allows one writer.
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=6),
    params={
        "quick": Param(
            os.environ.get("PLPRED_TRAIN_QUICK", "") in ("1", "true", "True"),
            type="boolean",
            description="Small hyper-parameter grids (smoke runs, tests).",
        ),
        "classifiers": Param(
            ["logistic", "hgb"],
            type="array",
            items={"type": "string", "enum": ["logistic", "hgb"]},
            description="Feature classifiers to evaluate.",
        ),
        "goals_model": Param(True, type="boolean", description="Evaluate Dixon-Coles."),
        "eval_seasons": Param(
            "", type="string", description="Seasons to walk over, e.g. 2324-2526; empty: last six."
        ),
    },
    tags=[*TAGS, "ml"],
    doc_md=__doc__,
)
def plpred_train() -> None:
    @task(
        multiple_outputs=False,
        outlets=[MODEL_REGISTRY],
        execution_timeout=timedelta(hours=4),
        retries=0,
    )
    def train_and_register(params: dict | None = None) -> dict:
        """Walk-forward evaluation against the market, MLflow run and registered model,
        champion/challenger decision. Not retried: a failed run is a bug or bad data, and the
        next run starts from scratch anyway."""
        from ml import orchestration

        params = params or {}
        return orchestration.train(
            quick=bool(params.get("quick")),
            classifiers=params.get("classifiers") or (),
            goals_model=bool(params.get("goals_model", True)),
            eval_seasons=params.get("eval_seasons") or None,
        )

    @task(multiple_outputs=False, execution_timeout=timedelta(minutes=30))
    def backtest() -> dict:
        """Every strategy replays the new run's walk-forward predictions (once per run)."""
        from ml import orchestration

        return orchestration.backtest()

    train_and_register() >> backtest()


plpred_train()
