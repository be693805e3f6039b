"""How astronomer-cosmos renders the project's dbt project in a DAG (not a DAG file itself).

- ``ExecutionMode.LOCAL`` with ``InvocationMode.DBT_RUNNER``: dbt runs inside the task's
  process through its Python API, as ``plpred transform`` does; no virtualenv, no container.
- ``LoadMode.DBT_LS``: cosmos asks dbt for the node graph (``dbt ls``) and caches the answer in
  an Airflow Variable keyed by a hash of the project files, so the DAG processor pays dbt's
  start-up only after the project changes. The mock profile means parsing needs no warehouse.
- ``TestBehavior.AFTER_EACH``: each model's tests are their own task right after it; a
  failing test stops the models downstream, like ``dbt build``.
- Exposures and unit tests are left out of the rendering: cosmos has no task type for them
  (the transform DAG runs the unit tests in a task of its own).
- ``emit_datasets=False``: cosmos would emit one asset per model with a warehouse-specific URI;
  the DAGs chain on the project's own assets (``_defaults.py``) instead.

The profile is ``dbt_project/profiles.yml`` (targets from ``PLPRED_TARGET``, the DuckDB path
and ``PG*`` from the environment, as for the CLI), or, when ``PLPRED_WAREHOUSE_CONN_ID`` is set,
cosmos's mapping of that Airflow connection (Postgres) into a profile at run time. Only
environment variables are read here: parsing must not touch the network or the metadata DB.
"""

from __future__ import annotations

import os
from typing import Any

from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import (
    ExecutionMode,
    InvocationMode,
    LoadMode,
    TestBehavior,
    TestIndirectSelection,
)

from ml.config import DBT_PROJECT_DIR
from ml.orchestration import WAREHOUSE_CONN_ENV


def profile_config() -> ProfileConfig:
    """The dbt profile: the project's env-driven profiles.yml, or an Airflow connection."""
    conn_id = os.environ.get(WAREHOUSE_CONN_ENV)
    if conn_id:
        from cosmos.profiles import PostgresUserPasswordProfileMapping

        return ProfileConfig(
            profile_name="plpred",
            target_name="postgres",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id=conn_id, profile_args={"schema": "public"}
            ),
        )
    return ProfileConfig(
        profile_name="plpred",
        target_name=os.environ.get("PLPRED_TARGET", "duckdb"),
        profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
    )


_VERBS = {
    "run": "builds the model `{node}` (`dbt run --select {node}`)",
    "test": "runs the data tests of `{node}` (`dbt test --select {node}`); a failure stops "
    "everything downstream",
    "seed": "loads the seed `{node}` (a lookup table in `dbt_project/seeds/`)",
}


def _document(group: DbtTaskGroup) -> None:
    """Cosmos gives its tasks no docs; say what each does and where the model is described."""
    for operator in group.iter_tasks():
        *_, node, verb = operator.task_id.split(".")
        what = _VERBS.get(verb, "runs dbt for `{node}`").format(node=node)
        operator.doc_md = (
            f"Cosmos task: {what}. What the model means is in its YAML in `dbt_project/models/` "
            "and in the dbt docs site (`plpred transform --docs`)."
        )


def dbt_task_group(group_id: str, operator_args: dict[str, Any]) -> DbtTaskGroup:
    """The whole dbt project as a task group: seeds, then per model a run and a test task."""
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR, install_dbt_deps=False, partial_parse=True
        ),
        profile_config=profile_config(),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            # A model's test task runs only the tests on that model alone ...
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_LS,
            invocation_mode=InvocationMode.DBT_RUNNER,
            test_behavior=TestBehavior.AFTER_EACH,
            # ... and a test across models (relationships, leakage checks) is a task of its own
            # after all of them: with dbt's default (eager) selection it would run with the
            # first of them, before the others exist.
            should_detach_multiple_parents_tests=True,
            # Exposures are documentation; unit tests have their own task in the DAG.
            exclude=["resource_type:exposure", "resource_type:unit_test"],
            emit_datasets=False,
        ),
        operator_args=operator_args,
    )
    _document(group)
    return group
