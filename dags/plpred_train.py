"""# plpred_train: training when policy says so, refits, backtests; after every transform

Scheduled by the `plpred_marts` asset (every `plpred_transform` that passed) or the
`plpred_retrain_requested` asset (a retrain decided by the monitor step of
`plpred_score_and_bet`), at the clock that asset event carries, or triggered by hand. Its tasks are the catalogue's model steps
(`ml/orchestration/steps.py`), the same functions `plpred run` calls, each doing work only when due:

1. `train`: when there is no champion, when the monitor decided a retrain
   (`ml/retraining.toml`: live RPS against the market, drift, a new season), when the champion
   is older than `max_model_age_days`, or when triggered with `force_train`: every candidate model is fitted season by season on the
   matches before it and judged against the betting market (`ml.model_evaluations`,
   `ml.walk_forward_predictions`); the best is refitted, logged and registered in MLflow, and
   becomes champion only if it beats the current one on the latest season.
2. `refit`: when the champion is older than `refit_age_days` (or the monitor decided a refit)
   and no training ran: the champion's
   configuration fitted on the matches known at the clock, as a new version that says so.
3. `backtest`: a new walk-forward run through every betting strategy (once per run).
4. `publish`: updates the `plpred_model_registry` asset, which schedules
   `plpred_score_and_bet`, whatever the steps above did.

`train`, `refit` and `backtest` are mapped over the run's leagues (the leagues the triggering
asset event carries, else the `leagues` param): one task instance per league, each league its
own champion (`plpred-<league>` in the MLflow registry). Every league's `train` finishes before
any `refit` starts, as in `plpred run`.

Parameters: `force_train`, `quick` (small hyper-parameter grids, for smoke runs and tests),
`second_tier`, `classifiers` (default `logistic`, as `plpred train`; add `hgb` to evaluate gradient
boosting too), `goals_model` (Dixon-Coles), `eval_seasons` (e.g.
`2324-2526`; empty for the last six), `max_model_age_days`, `refit_age_days`. The environment
variable `PLPRED_TRAIN_QUICK=1` makes `quick` the default, for a whole local Airflow.
"""

from __future__ import annotations

import os
from datetime import timedelta

from _defaults import (
    DEFAULT_ARGS,
    MARTS,
    MODEL_REGISTRY,
    RETRAIN_REQUESTED,
    START_DATE,
    TAGS,
    leagues_param,
    leagues_task,
    per_league,
    publish_task,
    step_task,
)
from airflow.sdk import Param, chain, dag


@dag(
    dag_id="plpred_train",
    # New marts, or a retrain decided by the monitor step of plpred_score_and_bet.
    schedule=(MARTS | RETRAIN_REQUESTED),
    start_date=START_DATE,
    catchup=False,
    # Training writes the evaluation ledgers and backtests: DuckDB allows one writer.
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=6),
    params={
        "force_train": Param(
            False, type="boolean", description="Train even when the policy says it is not due."
        ),
        "quick": Param(
            os.environ.get("PLPRED_TRAIN_QUICK", "") in ("1", "true", "True"),
            type="boolean",
            description="Small hyper-parameter grids (smoke runs, tests).",
        ),
        "classifiers": Param(
            ["logistic"],
            type="array",
            items={"type": "string", "enum": ["logistic", "hgb"]},
            description="Feature classifiers to evaluate (gradient boosting, hgb, is opt-in).",
        ),
        "goals_model": Param(True, type="boolean", description="Evaluate Dixon-Coles."),
        "second_tier": Param(
            False,
            type="boolean",
            description="Fit the goals model jointly with the second tier (E1 for E0) where loaded.",
        ),
        "eval_seasons": Param(
            "", type="string", description="Seasons to walk over, e.g. 2324-2526; empty: last six."
        ),
        "max_model_age_days": Param(
            None,
            type=["null", "number"],
            description="Train when the champion is older than this; empty: ml/retraining.toml.",
        ),
        "refit_age_days": Param(
            None,
            type=["null", "number"],
            description="Refit the champion when older than this; empty: ml/retraining.toml.",
        ),
        **leagues_param(),
    },
    tags=[*TAGS, "ml"],
    doc_md=__doc__,
)
def plpred_train() -> None:
    leagues = leagues_task()
    chain(
        leagues,
        per_league(
            step_task(
                "train",
                "Walk-forward against the market, MLflow run, registered model, "
                "champion/challenger decision, when due; one instance per league. Not retried: "
                "a failed run is a bug or bad data.",
                execution_timeout=timedelta(hours=4),
                retries=0,
            ),
            leagues,
        ),
        per_league(
            step_task(
                "refit",
                "The champion's configuration on the matches known at the clock, when it is old.",
                trigger_rule="none_failed",
                execution_timeout=timedelta(hours=1),
            ),
            leagues,
        ),
        per_league(
            step_task(
                "backtest",
                "Every strategy replays a new run's walk-forward predictions (once per run).",
                trigger_rule="none_failed",
            ),
            leagues,
        ),
        publish_task(
            "publish",
            MODEL_REGISTRY,
            "Schedule `plpred_score_and_bet` at this run's clock, over its leagues, whatever "
            "the steps did.",
            trigger_rule="none_failed",
        )(),
    )


plpred_train()
