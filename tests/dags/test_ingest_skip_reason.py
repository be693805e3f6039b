"""A skipped ingest task says why on the first line of its log (issue 13): Airflow folds the
skip exception into a collapsed group, so after a CLI run the reason (files unchanged since
their load, or a re-run of a clock already loaded) was one click away. The task function the
DAG calls (``ml.orchestration.tasks.run_step``), on a real DuckDB warehouse and synthetic files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ml.config import get_settings
from ml.orchestration.tasks import run_step
from tests.football_data_files import write_synthetic_source


def test_a_skipped_ingest_logs_its_reason_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from airflow.sdk.exceptions import AirflowSkipException

    source = write_synthetic_source(tmp_path / "football-data", n_seasons=1, upcoming_rounds=0)
    monkeypatch.setenv("PLPRED_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("PLPRED_DUCKDB_PATH", raising=False)
    settings = get_settings(target="duckdb", source=str(source.directory))
    at = datetime(2024, 6, 1, 9, tzinfo=UTC)

    outcome = run_step("ingest", {"logical_date": at}, settings=settings)  # loads the files
    assert outcome["status"] == "done"
    loaded = capsys.readouterr().out
    assert not loaded.startswith("Skipped") and "loaded" in loaded

    with pytest.raises(AirflowSkipException) as skipped:  # the same files again: unchanged
        run_step("ingest", {"logical_date": at}, settings=settings)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Skipped: {skipped.value}"
    assert "unchanged" in lines[0]
    assert len(lines) > 1  # the step's own output follows

    with pytest.raises(AirflowSkipException):  # a later clock, the same files
        run_step("ingest", {"logical_date": datetime(2024, 6, 2, 9, tzinfo=UTC)}, settings=settings)
    capsys.readouterr()
    with pytest.raises(AirflowSkipException) as rerun:  # the first clock again: a re-run
        run_step("ingest", {"logical_date": at}, settings=settings)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Skipped: {rerun.value}" and "re-run" in lines[0]
