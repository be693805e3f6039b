"""Airflow for the DAG tests: a throwaway AIRFLOW_HOME with a SQLite metadata database.

Airflow reads its configuration when it is first imported, so the environment is set here, at
collection, before any test module imports it. The DAGs folder goes on ``sys.path`` as the DAG
processor's bundle puts it there (the DAG files import ``_defaults``). Cosmos keeps its dbt
cache in this home and sends no telemetry.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ml.config import PROJECT_ROOT

DAGS_DIR = PROJECT_ROOT / "dags"
# Named now, created by Airflow when a test first imports it, removed after the session.
AIRFLOW_HOME = Path(tempfile.gettempdir()) / f"plpred-airflow-tests-{uuid.uuid4().hex[:12]}"

os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
        "DO_NOT_TRACK": "1",
        "SCARF_NO_ANALYTICS": "true",
    }
)
if str(DAGS_DIR) not in sys.path:
    sys.path.insert(0, str(DAGS_DIR))


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[Path]:
    """The metadata database, created once per session; the whole home is removed after."""
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    from airflow.utils.db import initdb

    initdb()
    yield AIRFLOW_HOME
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def dagbag(airflow_db: Path):
    """The project's DAGs parsed as the DAG processor parses them, for the embedded defaults
    (DuckDB from PLPRED_HOME, no Airflow connection)."""
    from airflow.dag_processing.dagbag import DagBag

    with pytest.MonkeyPatch.context() as env:
        env.delenv("PLPRED_TARGET", raising=False)
        env.delenv("PLPRED_WAREHOUSE_CONN_ID", raising=False)
        return DagBag(dag_folder=str(DAGS_DIR))
