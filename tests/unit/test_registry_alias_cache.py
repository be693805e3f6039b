"""The champion's look-up beside the default MLflow store (``registry.peek_alias``).

Every run's due checks ask who the champion is; the answer is kept beside the SQLite store and
must follow every write to it. A real MLflow store in a temporary home, no mocks."""

from __future__ import annotations

import pytest

from ml.config import get_settings
from ml.modeling import registry


@pytest.fixture()
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("PLPRED_HOME", str(tmp_path))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return get_settings(target="duckdb", league="E0")


def _new_version(name: str, tmp_path, label: str) -> str:
    from mlflow import MlflowClient

    source = tmp_path / label.replace("/", "-")
    source.mkdir()
    version = MlflowClient().create_model_version(
        name, source=source.as_uri(), tags={registry.TAG_LABEL: label}
    )
    return str(version.version)


def test_peek_follows_every_write_to_the_store(settings, tmp_path, monkeypatch) -> None:
    from mlflow import MlflowClient

    name = registry.model_name("E0")
    registry.configure(settings)
    MlflowClient().create_registered_model(name)
    first = _new_version(name, tmp_path, "a/one")
    assert registry.peek_alias(settings) is None

    registry.set_alias(name, registry.CHAMPION, first)
    found = registry.peek_alias(settings)
    assert (found.version, found.label) == (first, "a/one")

    # Unchanged store: answered from the file, without asking MLflow.
    def asked(*args, **kwargs):
        raise AssertionError("peek_alias asked MLflow although the store had not changed")

    with monkeypatch.context() as patched:
        patched.setattr(registry, "get_alias", asked)
        again = registry.peek_alias(settings)
    assert again == found

    # The alias moved (as the MLflow UI would move it): the next look sees the new version.
    second = _new_version(name, tmp_path, "b/two")
    registry.set_alias(name, registry.CHAMPION, second)
    moved = registry.peek_alias(settings)
    assert (moved.version, moved.label) == (second, "b/two")
    assert moved == registry.get_alias(settings)

    MlflowClient().delete_registered_model_alias(name, registry.CHAMPION)
    assert registry.peek_alias(settings) is None


def test_a_store_given_by_uri_is_always_asked(settings, tmp_path, monkeypatch) -> None:
    # A server or a file of the user's: no stamp, so peek_alias always goes to get_alias.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    assert registry._store_stamp(get_settings(target="duckdb", league="E0")) is None
    assert registry._store_stamp(settings) is None  # the default store, before it exists
