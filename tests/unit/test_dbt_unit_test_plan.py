"""When a build may leave dbt's unit tests out (``ml.warehouse.dbt.unit_test_plan``).

Unit tests check a model's SQL against fixed inputs: a daily run, whose data changed but not
its code, need not run them again once they passed on the same kind of warehouse."""

from __future__ import annotations

import pytest

from ml.config import get_settings
from ml.warehouse import dbt


@pytest.fixture()
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("PLPRED_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PLPRED_CACHE", str(tmp_path / "cache"))
    return get_settings(target="duckdb")


def _pass(settings, fingerprint: str) -> None:
    marker = dbt._unit_tests_marker(settings, fingerprint)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


def test_unit_tests_run_until_they_passed_with_this_code(settings) -> None:
    fingerprint = dbt.project_fingerprint()
    assert dbt.unit_test_plan(settings, None, None, "when_changed") == (None, fingerprint, False)
    _pass(settings, fingerprint)
    assert dbt.unit_test_plan(settings, None, None, "when_changed") == (
        "resource_type:unit_test",
        None,
        True,
    )
    # Asked for always: they run, and keep the fingerprint again.
    assert dbt.unit_test_plan(settings, None, None, "always") == (None, fingerprint, False)


def test_other_code_or_another_warehouse_runs_them(settings) -> None:
    _pass(settings, "0" * 64)  # passed with other code, dbt or adapter
    assert dbt.unit_test_plan(settings, None, None, "when_changed")[2] is False
    _pass(settings, dbt.project_fingerprint())
    postgres = get_settings(target="postgres")
    assert dbt.unit_test_plan(postgres, None, None, "when_changed")[2] is False


def test_another_home_of_the_machine_skips_them_once_they_passed(
    settings, tmp_path, monkeypatch
) -> None:
    """Their result depends on the code and the engine, not on a home's data."""
    _pass(settings, dbt.project_fingerprint())
    monkeypatch.setenv("PLPRED_HOME", str(tmp_path / "another home"))
    assert dbt.unit_test_plan(get_settings(target="duckdb"), None, None, "when_changed")[2]
    # Another machine's cache (or a cleared one) runs them again.
    monkeypatch.setenv("PLPRED_CACHE", str(tmp_path / "another cache"))
    assert not dbt.unit_test_plan(get_settings(target="duckdb"), None, None, "when_changed")[2]


def test_another_postgres_server_runs_them(settings, monkeypatch) -> None:
    monkeypatch.setenv("PGPORT", "5432")
    _pass(get_settings(target="postgres"), dbt.project_fingerprint())
    assert dbt.unit_test_plan(get_settings(target="postgres"), None, None, "when_changed")[2]
    monkeypatch.setenv("PGPORT", "5433")
    assert not dbt.unit_test_plan(get_settings(target="postgres"), None, None, "when_changed")[2]


def test_part_of_the_project_skips_them_but_never_vouches(settings) -> None:
    assert dbt.unit_test_plan(settings, "marts", None, "when_changed") == (None, None, False)
    assert dbt.unit_test_plan(settings, None, "tag:x", "when_changed") == ("tag:x", None, False)
    _pass(settings, dbt.project_fingerprint())
    assert dbt.unit_test_plan(settings, "marts", None, "when_changed") == (
        "resource_type:unit_test",
        None,
        True,
    )
    assert dbt.unit_test_plan(settings, None, "tag:x", "when_changed") == (
        "tag:x resource_type:unit_test",
        None,
        True,
    )
    assert dbt.unit_test_plan(settings, "marts", None, "always") == (None, None, False)


def test_the_fingerprint_follows_the_project_files(tmp_path, monkeypatch) -> None:
    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "m.sql").write_text("select 1 as x")
    (project / "target").mkdir()
    monkeypatch.setattr(dbt, "DBT_PROJECT_DIR", project)
    before = dbt.project_fingerprint()
    (project / "target" / "manifest.json").write_text("{}")  # dbt's own output: ignored
    assert dbt.project_fingerprint() == before
    (project / "models" / "m.sql").write_text("select 2 as x")
    assert dbt.project_fingerprint() != before


def test_an_unknown_setting_is_refused(settings) -> None:
    with pytest.raises(ValueError, match="unit_tests must be one of always, when_changed"):
        dbt.unit_test_plan(settings, None, None, "sometimes")


def test_dbt_log_level_and_threads_come_from_the_environment(settings, monkeypatch) -> None:
    monkeypatch.delenv("PLPRED_DBT_LOG_LEVEL", raising=False)
    monkeypatch.delenv("PLPRED_DBT_THREADS", raising=False)
    assert dbt.dbt_log_level() == "info"
    assert 1 <= dbt.dbt_threads(settings) <= 4
    assert dbt.dbt_threads(get_settings(target="postgres")) == 4
    monkeypatch.setenv("PLPRED_DBT_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("PLPRED_DBT_THREADS", "8")
    assert (dbt.dbt_log_level(), dbt.dbt_threads(settings)) == ("debug", 8)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PLPRED_DBT_LOG_LEVEL", "verbose", "PLPRED_DBT_LOG_LEVEL='verbose': expected one of"),
        ("PLPRED_DBT_THREADS", "0", "PLPRED_DBT_THREADS='0': expected a whole number"),
        ("PLPRED_DBT_THREADS", "two", "PLPRED_DBT_THREADS='two': expected a whole number"),
    ],
)
def test_a_bad_dbt_setting_is_refused_by_name(settings, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        dbt.dbt_log_level() if name == "PLPRED_DBT_LOG_LEVEL" else dbt.dbt_threads(settings)
