"""What ``ml.warehouse.dbt.run_dbt`` leaves in the target folder, and its parsed-manifest cache.

A tiny dbt project of its own (one model, DuckDB), run for real: builds write
``run_results.json`` and not the manifest; ``parse`` writes the manifest; a process parses
once and reuses the manifest until a project file or the warehouse changes, and then builds
what the files say now."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from ml.config import Settings
from ml.warehouse import dbt
from ml.warehouse.connection import connect

QUIET = Console(file=io.StringIO())

PROJECT = """
name: tiny
version: "1.0.0"
config-version: 2
profile: tiny
model-paths: ["models"]
flags:
  send_anonymous_usage_stats: false
  partial_parse: true
"""
PROFILES = """
tiny:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{{ env_var('PLPRED_DUCKDB_PATH') }}"
      schema: main
"""


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tiny"
    (folder / "models").mkdir(parents=True)
    (folder / "dbt_project.yml").write_text(PROJECT)
    (folder / "profiles.yml").write_text(PROFILES)
    (folder / "models" / "answer.sql").write_text("select 41 as answer")
    monkeypatch.setattr(dbt, "DBT_PROJECT_DIR", folder)
    monkeypatch.setattr(dbt, "_MANIFEST", {})
    return folder


def _answer(settings: Settings) -> int:
    with connect(settings) as conn:
        return conn.fetchall("select answer from main.answer")[0][0]


def test_builds_write_run_results_and_parse_writes_the_manifest(
    project: Path, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "home", target="duckdb")
    target, _ = dbt.dbt_paths(settings)
    dbt.run_dbt(settings, ["build"], console=QUIET)
    results = json.loads((target / "run_results.json").read_text())
    assert [r["unique_id"] for r in results["results"]] == ["model.tiny.answer"]
    assert results["results"][0]["status"] == "success"
    assert not (target / "manifest.json").exists()
    dbt.run_dbt(settings, ["parse"], console=QUIET)
    assert "model.tiny.answer" in json.loads((target / "manifest.json").read_text())["nodes"]


def test_the_manifest_is_parsed_once_until_the_project_or_warehouse_changes(
    project: Path, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "home", target="duckdb")
    dbt.run_dbt(settings, ["build"], console=QUIET)
    first = dbt._MANIFEST["manifest"]
    assert _answer(settings) == 41
    dbt.run_dbt(settings, ["build", "--select", "answer"], console=QUIET)
    assert dbt._MANIFEST["manifest"] is first

    # a changed model is parsed again and built as it reads now
    (project / "models" / "answer.sql").write_text("select 42 as answer")
    dbt.run_dbt(settings, ["build"], console=QUIET)
    assert dbt._MANIFEST["manifest"] is not first
    assert _answer(settings) == 42

    # another warehouse (another home's DuckDB file) gets its own parse
    second = dbt._MANIFEST["manifest"]
    other = Settings(home=tmp_path / "other", target="duckdb")
    dbt.run_dbt(other, ["build"], console=QUIET)
    assert dbt._MANIFEST["manifest"] is not second
    assert _answer(other) == 42


def test_a_project_that_does_not_parse_fails_with_dbts_message(
    project: Path, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "home", target="duckdb")
    (project / "models" / "answer.sql").write_text("select {{ ref('missing') }} as answer")
    with pytest.raises(dbt.DbtError, match="missing"):
        dbt.run_dbt(settings, ["build"], console=QUIET)
    assert dbt._MANIFEST == {}


def _open_files() -> set[str]:
    """The paths this process holds open (Linux)."""
    fds = Path("/proc/self/fd")
    return {os.path.realpath(fds / fd) for fd in os.listdir(fds)} if fds.is_dir() else set()


def test_dbt_log_keeps_the_level_asked_for(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At info plpred writes dbt.log (ml/warehouse/dbt_log.py): the invocation's header and
    every node's start and result in dbt's line format, no statement, secrets scrubbed as dbt
    scrubs them; at debug dbt writes it with every statement; none leaves no file."""
    # dbt scrubs the values of DBT_ENV_SECRET_* variables wherever they appear in a line: here
    # the model's name, so the info lines show it scrubbed.
    monkeypatch.setenv("DBT_ENV_SECRET_TINY", "answer")
    info = Settings(home=tmp_path / "info", target="duckdb")
    dbt.run_dbt(info, ["build"], console=QUIET)
    _, logs = dbt.dbt_paths(info)
    text = (logs / "dbt.log").read_text()
    assert "Running with dbt=" in text and " | " in text.splitlines()[2]
    assert " [info ] " in text and "START sql view model main.*****" in text
    assert "OK created sql view model main.*****" in text
    assert " [debug] " not in text and "create view" not in text.lower()
    assert "answer" not in text
    assert str(logs / "dbt.log") not in _open_files()  # let go after the invocation, as dbt does

    monkeypatch.setenv("PLPRED_DBT_LOG_LEVEL", "debug")
    debug = Settings(home=tmp_path / "debug", target="duckdb")
    dbt.run_dbt(debug, ["build"], console=QUIET)
    _, logs = dbt.dbt_paths(debug)
    text = (logs / "dbt.log").read_text()
    assert " [debug] " in text and "create view" in text.lower()
    assert "answer" not in text

    monkeypatch.setenv("PLPRED_DBT_LOG_LEVEL", "none")
    silent = Settings(home=tmp_path / "none", target="duckdb")
    dbt.run_dbt(silent, ["build"], console=QUIET)
    _, logs = dbt.dbt_paths(silent)
    assert not (logs / "dbt.log").exists() or not (logs / "dbt.log").read_text().strip()
