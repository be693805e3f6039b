"""The DAGs load cleanly and are wired as documented: ids, tasks, order, schedules, assets,
retries, timeouts, the one-writer limits and a doc on every DAG and task; and, taken in chain
order, their tasks are the catalogue of steps (ml/orchestration/steps.py), so a DAG cannot drift from it."""

from __future__ import annotations

from datetime import timedelta

import pytest

# In chain order: each DAG is scheduled by the asset the one before it updates.
CHAIN = ("plpred_ingest", "plpred_transform", "plpred_train", "plpred_score_and_bet")
EXPECTED_DAGS = set(CHAIN)
POOL = "plpred_warehouse"


def _upstream(dag, task_id: str) -> set[str]:
    return set(dag.get_task(task_id).upstream_task_ids)


def test_dagbag_loads_without_errors_or_warnings(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert dagbag.captured_warnings == {}
    assert set(dagbag.dag_ids) == EXPECTED_DAGS


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_every_dag_is_documented_tagged_and_writes_alone(dagbag, dag_id: str) -> None:
    dag = dagbag.get_dag(dag_id)
    assert dag.doc_md and dag.doc_md.startswith(f"# {dag_id}")
    assert "plpred" in dag.tags
    assert dag.catchup is False
    # DuckDB allows one writer: one run and one task at a time, and one pool across DAGs.
    assert dag.max_active_runs == 1
    assert dag.max_active_tasks == 1
    assert dag.dagrun_timeout is not None
    for task in dag.tasks:
        assert task.doc_md, f"{task.task_id} has no doc"
        assert task.pool == POOL, task.task_id
        assert task.execution_timeout is not None, task.task_id
        assert task.execution_timeout <= timedelta(hours=4), task.task_id


def test_ingest_is_daily_retries_downloads_with_back_off_and_updates_raw_tables(dagbag) -> None:
    dag = dagbag.get_dag("plpred_ingest")
    assert dag.timetable.expression == "0 7 * * *"
    assert str(dag.timetable.timezone) == "Europe/London"
    assert _task_ids_in_order(dag) == ["leagues", "ingest", "publish_raw"]
    task = dag.get_task("ingest")
    assert task.retries == 4
    assert task.retry_exponential_backoff == 2.0
    assert task.max_retry_delay == timedelta(hours=1)
    assert task.outlets == []
    # One event per run, once some league's ingest changed something (none: skipped).
    publish = dag.get_task("publish_raw")
    assert [a.name for a in publish.outlets] == ["plpred_raw_tables"]
    assert publish.trigger_rule == "none_failed_min_one_success"
    assert _upstream(dag, "publish_raw") == {"ingest"}
    assert set(dag.params) == {"seasons", "snapshots", "leagues"}

    from ml.orchestration.steps import DownloadFailed, IngestFailed, StepFailed

    policy = task.retry_policy
    assert policy.evaluate(DownloadFailed("503"), 1, 5).action.value == "retry"
    assert policy.evaluate(IngestFailed("refused"), 1, 5).action.value == "fail"
    assert policy.evaluate(StepFailed("ingest", "clock behind"), 1, 5).action.value == "fail"


def test_transform_runs_on_raw_tables_one_dbt_build_per_layer(dagbag) -> None:
    dag = dagbag.get_dag("plpred_transform")
    condition = dag.timetable.asset_condition
    assert [a.name for a in condition.objects] == ["plpred_raw_tables"]
    # The layers in dbt's order, then the marts are published.
    assert _task_ids_in_order(dag) == [
        "dbt_staging",
        "dbt_intermediate",
        "dbt_marts",
        "publish_marts",
    ]
    assert _upstream(dag, "dbt_marts") == {"dbt_intermediate"}
    assert _upstream(dag, "publish_marts") == {"dbt_marts"}
    assert "staging views" in dag.get_task("dbt_staging").doc_md
    assert [a.name for a in dag.get_task("publish_marts").outlets] == ["plpred_marts"]


def _dbt_ls(settings, *args: str) -> list[str]:
    from dbt.cli.main import dbtRunner

    from ml.config import DBT_PROJECT_DIR
    from ml.warehouse.dbt import _environment, dbt_paths

    target, logs = dbt_paths(settings)
    with _environment(settings.dbt_env()):
        result = dbtRunner().invoke(
            [
                "ls",
                "--quiet",
                "--output",
                "name",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target",
                settings.target,
                "--target-path",
                str(target),
                "--log-path",
                str(logs),
                *args,
            ]
        )
    assert result.success, result.exception
    return list(result.result)


def test_the_layers_build_every_node_of_the_project_once(tmp_path) -> None:
    """The three layer selections of the transform DAG are the whole project, each seed, model,
    unit test and data test once: no test left out, none run before all it reads is built."""
    from ml.config import Settings
    from ml.orchestration.tasks import DBT_LAYERS

    settings = Settings(home=tmp_path, target="duckdb")
    built = ["seed", "model", "test", "unit_test"]
    whole = _dbt_ls(settings, *(a for t in built for a in ("--resource-type", t)))
    layers = []
    for layer in DBT_LAYERS.values():
        args = ["--indirect-selection", "buildable", "--select", *layer["select"].split()]
        if "exclude" in layer:
            args += ["--exclude", *layer["exclude"].split()]
        layers += _dbt_ls(settings, *args, *(a for t in built for a in ("--resource-type", t)))
    assert len(whole) > 250  # 59 models and seeds, 10 unit tests, ~200 data tests
    assert sorted(layers) == sorted(whole)


def test_train_runs_after_each_transform_with_a_quick_switch(dagbag) -> None:
    dag = dagbag.get_dag("plpred_train")
    # After new marts, or when the monitor of plpred_score_and_bet decides a retrain.
    assert sorted(a.name for a in dag.timetable.asset_condition.objects) == [
        "plpred_marts",
        "plpred_retrain_requested",
    ]
    assert _task_ids_in_order(dag) == ["leagues", "train", "refit", "backtest", "publish"]
    assert _upstream(dag, "refit") == {"leagues", "train"}
    assert _upstream(dag, "backtest") == {"leagues", "refit"}
    assert _upstream(dag, "publish") == {"backtest"}
    # A step after a skipped one still runs (train is skipped while the champion is young).
    for task_id in ("refit", "backtest", "publish"):
        assert dag.get_task(task_id).trigger_rule == "none_failed", task_id
    assert dag.get_task("train").retries == 0
    assert [a.name for a in dag.get_task("publish").outlets] == ["plpred_model_registry"]
    assert set(dag.params) == {
        "force_train",
        "quick",
        "classifiers",
        "goals_model",
        "second_tier",
        "eval_seasons",
        "max_model_age_days",
        "refit_age_days",
        "leagues",
    }
    assert dag.params["quick"] is False
    assert dag.params["force_train"] is False


def test_score_and_bet_runs_after_each_train_run(dagbag) -> None:
    dag = dagbag.get_dag("plpred_score_and_bet")
    condition = dag.timetable.asset_condition
    assert sorted((a.name, a.uri) for a in condition.objects) == [
        ("plpred_model_registry", "plpred://mlflow/registry"),
    ]
    assert _task_ids_in_order(dag) == [
        "leagues",
        "score",
        "settle",
        "monitor",
        "request_retrain",
        "bet",
        "marts",
        "report",
    ]
    assert _upstream(dag, "score") == {"leagues"}
    assert _upstream(dag, "settle") == {"score"}
    assert _upstream(dag, "monitor") == {"leagues", "settle"}
    assert _upstream(dag, "request_retrain") == {"monitor"}
    assert _upstream(dag, "bet") == {"leagues", "request_retrain"}
    assert _upstream(dag, "marts") == {"bet"}
    assert _upstream(dag, "report") == {"leagues", "marts"}
    for task_id in ("settle", "monitor", "request_retrain", "bet", "marts", "report"):
        assert dag.get_task(task_id).trigger_rule == "none_failed", task_id
    assert [a.name for a in dag.get_task("marts").outlets] == ["plpred_ledger_marts"]
    # A retrain decision schedules plpred_train (the task is skipped otherwise).
    assert [a.name for a in dag.get_task("request_retrain").outlets] == ["plpred_retrain_requested"]


def test_assets_chain_the_dags_in_a_line_without_cycles(dagbag) -> None:
    """Who updates what and who waits for it: ingest -> transform -> train -> score_and_bet."""
    produced = {
        dag_id: {a.name for t in dagbag.get_dag(dag_id).tasks for a in t.outlets}
        for dag_id in EXPECTED_DAGS
    }
    assert produced == {
        "plpred_ingest": {"plpred_raw_tables"},
        "plpred_transform": {"plpred_marts"},
        "plpred_train": {"plpred_model_registry"},
        "plpred_score_and_bet": {"plpred_ledger_marts", "plpred_retrain_requested"},
    }
    # The one loop back: a retrain decided by the monitor schedules training again.
    feedback = {"plpred_train": {"plpred_retrain_requested"}}
    for upstream, downstream in zip(CHAIN, CHAIN[1:], strict=False):
        waits_for = {a.name for a in dagbag.get_dag(downstream).timetable.asset_condition.objects}
        assert waits_for == produced[upstream] | feedback.get(downstream, set()), downstream
    for dag_id in EXPECTED_DAGS:
        dagbag.get_dag(dag_id).topological_sort()  # raises on a cycle


# Tasks of the DAGs that are not steps of the catalogue, and the task that stands for a step
# some other tasks execute (the dbt_* layer tasks build `transform`).
NOT_STEPS = {
    "plpred_ingest": {"leagues", "publish_raw"},
    "plpred_transform": {"leagues"},
    "plpred_train": {"leagues", "publish"},
    "plpred_score_and_bet": {"leagues", "request_retrain"},
}
STANDS_FOR = {("plpred_transform", "publish_marts"): "transform"}


def _task_ids_in_order(dag) -> list[str]:
    return [task.task_id for task in dag.topological_sort()]


def _steps_of(dag) -> list[str]:
    steps = []
    for task_id in _task_ids_in_order(dag):
        if task_id.startswith("dbt_") or task_id in NOT_STEPS.get(dag.dag_id, set()):
            continue
        steps.append(STANDS_FOR.get((dag.dag_id, task_id), task_id))
    return steps


def test_the_chain_runs_the_catalogue_in_its_order(dagbag) -> None:
    """The catalogue's step names, DAG after DAG in chain order, task after task in each: the
    same list as ``ml.orchestration.steps.catalogue()``. A task not listed as a non-step above counts as a
    step, so a new task, a renamed one or a step left out fails here."""
    from ml.orchestration.steps import catalogue

    chained = [step for dag_id in CHAIN for step in _steps_of(dagbag.get_dag(dag_id))]
    assert chained == [step.name for step in catalogue()]
    # Every step task runs the step it is named after, through the one factory.
    for dag_id in CHAIN:
        for task in dagbag.get_dag(dag_id).tasks:
            if task.task_id in {s.name for s in catalogue()}:
                assert _callable(task).__qualname__ == "step_task.<locals>.run", task.task_id


def _callable(task):
    """A task's Python callable, mapped (kept in its partial arguments) or not."""
    return getattr(task, "python_callable", None) or task.partial_kwargs["python_callable"]


def test_the_per_league_steps_are_mapped_over_the_leagues_param(dagbag) -> None:
    """Exactly the catalogue's per-league steps are mapped (one task instance per league, over
    the output of the DAG's ``leagues`` task); dbt, settle and marts run once. Every DAG has a
    ``leagues`` param, ``["E0"]`` unless PLPRED_LEAGUE says otherwise."""
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    from ml.orchestration.steps import catalogue

    per_league = {s.name for s in catalogue() if s.per_league}
    once = {s.name for s in catalogue() if not s.per_league}
    seen = set()
    for dag_id in CHAIN:
        dag = dagbag.get_dag(dag_id)
        assert dag.params["leagues"] == ["E0"], dag_id
        for task in dag.tasks:
            mapped = isinstance(task, MappedOperator)
            if task.task_id in per_league:
                assert mapped, task.task_id
                assert set(task.upstream_task_ids) >= {"leagues"}, task.task_id
                seen.add(task.task_id)
            else:
                assert not mapped, task.task_id
                seen.add(task.task_id) if task.task_id in once else None
    assert seen == per_league | {"settle", "marts"}
