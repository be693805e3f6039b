"""A home's new MLflow store is a copy of an empty one kept in the machine's cache
(``registry._seed_store``): made once by this MLflow version, then copied in milliseconds
instead of migrating a new SQLite file from MLflow's first schema. Real MLflow, no mocks."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import mlflow
import pytest

from ml.config import get_settings
from ml.modeling import registry


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PLPRED_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path / "cache"


def _settings(monkeypatch, home):
    monkeypatch.setenv("PLPRED_HOME", str(home))
    return get_settings(target="duckdb", league="E0")


def _experiments(settings) -> list[tuple[int, str, str]]:
    with closing(sqlite3.connect(settings.mlflow_dir / "mlflow.db")) as db:
        return db.execute(
            "select experiment_id, name, artifact_location from experiments order by 1"
        ).fetchall()


def test_new_stores_are_copies_that_work_and_share_nothing(cache, tmp_path, monkeypatch) -> None:
    first = _settings(monkeypatch, tmp_path / "first")
    registry.configure(first)
    template = cache / "mlflow" / f"empty-store-mlflow-{mlflow.__version__}.db"
    assert template.is_file()
    made = template.stat().st_mtime_ns

    second = _settings(monkeypatch, tmp_path / "second")
    experiment = registry.configure(second)
    assert template.stat().st_mtime_ns == made  # made once, then copied
    with mlflow.start_run(experiment_id=experiment) as run:
        mlflow.log_metric("rps", 0.2)
    mlflow.MlflowClient().create_registered_model(registry.model_name("E0"))

    # each home's Default experiment keeps its artifacts in that home
    assert _experiments(first)[0] == (0, "Default", f"{first.mlflow_artifact_location}/0")
    assert _experiments(second)[0] == (0, "Default", f"{second.mlflow_artifact_location}/0")
    # the second home's run and model are its own
    assert [name for _, name, _ in _experiments(second)] == ["Default", "plpred-E0"]
    assert mlflow.get_run(run.info.run_id).data.metrics == {"rps": 0.2}
    registry.configure(first)
    assert mlflow.search_registered_models() == []
    assert not list((tmp_path / "first" / "mlflow").glob(".*partial"))


def test_an_existing_store_is_left_as_it_is(cache, tmp_path, monkeypatch) -> None:
    settings = _settings(monkeypatch, tmp_path / "home")
    experiment = registry.configure(settings)
    with mlflow.start_run(experiment_id=experiment):
        mlflow.log_param("kept", "yes")
    registry.configure(settings)
    runs = mlflow.search_runs(experiment_ids=[experiment])
    assert list(runs["params.kept"]) == ["yes"]
