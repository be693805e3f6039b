"""The DAGs load cleanly and are wired as documented: ids, tasks, order, schedules, assets,
retries, timeouts, the one-writer limits and a doc on every DAG and task."""

from __future__ import annotations

from datetime import timedelta

import pytest

EXPECTED_DAGS = {"plpred_ingest", "plpred_transform", "plpred_train", "plpred_score_and_bet"}
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
    assert [t.task_id for t in dag.tasks] == ["load_raw_tables"]
    task = dag.get_task("load_raw_tables")
    assert task.retries == 4
    assert task.retry_exponential_backoff == 2.0
    assert task.max_retry_delay == timedelta(hours=1)
    assert [a.name for a in task.outlets] == ["plpred_raw_tables"]

    from ml.orchestration import DownloadFailed, IngestFailed

    policy = task.retry_policy
    assert policy.evaluate(DownloadFailed("503"), 1, 5).action.value == "retry"
    assert policy.evaluate(IngestFailed("refused"), 1, 5).action.value == "fail"


def test_transform_runs_on_raw_tables_with_a_task_per_model_and_its_tests(dagbag) -> None:
    dag = dagbag.get_dag("plpred_transform")
    condition = dag.timetable.asset_condition
    assert [a.name for a in condition.objects] == ["plpred_raw_tables"]
    ids = set(dag.task_ids)
    for model in ("stg_football_data__matches", "fct_matches", "mart_match_features"):
        assert {f"dbt.{model}.run", f"dbt.{model}.test"} <= ids
    assert "dbt.team_aliases.seed" in ids
    # dbt's order: a model runs after the tests of what it reads, its tests after it.
    assert _upstream(dag, "dbt.fct_matches.test") == {"dbt.fct_matches.run"}
    assert "dbt.int_matches_unioned_with_fixtures.test" in _upstream(dag, "dbt.fct_matches.run")
    assert "dbt.mart_match_features.test" in _upstream(
        dag, "dbt.assert_features_computed_before_kickoff_test"
    )
    # The marts are published only after every dbt task and the unit tests.
    dbt_tasks = {t for t in ids if t.startswith("dbt.")}
    assert dag.get_task("dbt_unit_tests").get_flat_relative_ids(upstream=True) == dbt_tasks
    assert _upstream(dag, "publish_marts") == {"dbt_unit_tests"}
    assert [a.name for a in dag.get_task("publish_marts").outlets] == ["plpred_marts"]


def test_train_is_weekly_and_on_demand_with_a_quick_switch(dagbag) -> None:
    dag = dagbag.get_dag("plpred_train")
    assert dag.timetable.expression == "0 5 * * 1"
    assert _upstream(dag, "backtest") == {"train_and_register"}
    assert [a.name for a in dag.get_task("train_and_register").outlets] == ["plpred_model_registry"]
    assert set(dag.params) == {"quick", "classifiers", "goals_model", "eval_seasons"}
    assert dag.params["quick"] is False


def test_score_and_bet_runs_after_each_transform_or_new_model(dagbag) -> None:
    dag = dagbag.get_dag("plpred_score_and_bet")
    condition = dag.timetable.asset_condition
    assert type(condition).__name__ == "AssetAny"
    assert sorted((a.name, a.uri) for a in condition.objects) == [
        ("plpred_marts", "plpred://warehouse/marts"),
        ("plpred_model_registry", "plpred://mlflow/registry"),
    ]
    assert _upstream(dag, "settle_bets") == {"score_fixtures"}
    assert _upstream(dag, "place_bets") == {"settle_bets"}
    assert _upstream(dag, "build_ledger_marts") == {"place_bets"}
    assert [a.name for a in dag.get_task("build_ledger_marts").outlets] == ["plpred_ledger_marts"]


def test_assets_chain_the_dags_without_cycles(dagbag) -> None:
    """Who updates what and who waits for it: ingest -> transform -> score_and_bet <- train."""
    produced = {
        dag_id: {a.name for t in dagbag.get_dag(dag_id).tasks for a in t.outlets}
        for dag_id in EXPECTED_DAGS
    }
    assert produced == {
        "plpred_ingest": {"plpred_raw_tables"},
        "plpred_transform": {"plpred_marts"},
        "plpred_train": {"plpred_model_registry"},
        "plpred_score_and_bet": {"plpred_ledger_marts"},
    }
    for dag_id in EXPECTED_DAGS:
        dagbag.get_dag(dag_id).topological_sort()  # raises on a cycle
