"""The DAG processor lists only the DAG files of dags/ (dags/.airflowignore): every file that
defines a DAG, and none of the shared modules they import."""

from __future__ import annotations

import re
from pathlib import Path

from ml.config import PROJECT_ROOT

DAGS = PROJECT_ROOT / "dags"
DEFINES_A_DAG = re.compile(r"@dag\b|\bDbtDag\(|\bDAG\(")


def test_the_dag_processor_parses_only_dag_files() -> None:
    from airflow.utils.file import find_dag_file_paths

    listed = sorted(Path(p).name for p in find_dag_file_paths(DAGS, safe_mode=False))
    dag_files = sorted(p.name for p in DAGS.glob("*.py") if DEFINES_A_DAG.search(p.read_text()))
    helpers = sorted(p.name for p in DAGS.glob("_*.py"))
    assert dag_files and helpers
    assert listed == dag_files
