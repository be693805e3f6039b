"""plpred docs and plpred mlflow, without starting servers: when the docs site is stale, what
the MLflow UI is started with, the link it prints, and the docs' own home page."""

from __future__ import annotations

import os
from pathlib import Path

from ml.config import DBT_PROJECT_DIR, get_settings
from ml.ui import DOCS_FILES, docs_are_stale, experiment_url, mlflow_command


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "a.sql").write_text("select 1 as x")
    return project


def test_the_docs_site_is_stale_when_missing_or_older_than_the_project(tmp_path: Path) -> None:
    project, target = _project(tmp_path), tmp_path / "target"
    assert docs_are_stale(target, project)
    target.mkdir()
    for name in DOCS_FILES:
        (target / name).write_text("{}")
    model = project / "models" / "a.sql"
    os.utime(model, (1_000, 1_000))
    assert not docs_are_stale(target, project)
    os.utime(model, None)  # edited after the site was generated
    for name in DOCS_FILES:
        os.utime(target / name, (2_000, 2_000))
    assert docs_are_stale(target, project)
    (project / "target").mkdir()  # dbt's own output does not count
    (project / "target" / "x.sql").write_text("")
    os.utime(model, (1_000, 1_000))
    assert not docs_are_stale(target, project)


def test_mlflow_runs_on_the_projects_store_on_loopback_and_links_to_training_runs(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PLPRED_HOME", str(tmp_path))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    settings = get_settings(target="duckdb")
    command = mlflow_command(settings, 5001)
    assert Path(command[0]).name == "mlflow" and command[1] == "ui"
    assert command[command.index("--backend-store-uri") + 1] == settings.mlflow_tracking_uri
    assert str(tmp_path) in settings.mlflow_tracking_uri
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "5001"
    assert experiment_url("3", 5001) == (
        "http://127.0.0.1:5001/#/experiments/3?workflowType=machine_learning"
    )


def test_the_docs_home_page_is_the_projects_overview() -> None:
    overviews = [
        p
        for p in (DBT_PROJECT_DIR / "models").rglob("*.md")
        if "docs __overview__" in p.read_text()
    ]
    assert len(overviews) == 1
    assert "Grafana" in overviews[0].read_text()
