"""The dbt project's conventions, checked by dbt-score on the manifest of a real ``dbt parse``:
the default rules (descriptions, owners, ...) and the project's own layer rules
(dbt_project/dbt_score_rules: only staging reads sources, no layer reads upward, names by
layer, marts under contract). Configuration in pyproject.toml ``[tool.dbt-score]``; what is
off and why in dbt_project/README.md."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from ml.config import PROJECT_ROOT, Settings
from ml.warehouse.dbt import dbt_paths, run_dbt

DBT_PROJECT = PROJECT_ROOT / "dbt_project"
OWN_RULES = {
    "dbt_score_rules.conventions.sources_are_read_by_staging_only",
    "dbt_score_rules.conventions.no_layer_reads_a_layer_above_it",
    "dbt_score_rules.conventions.model_is_named_for_its_layer",
    "dbt_score_rules.conventions.marts_enforce_their_contract",
}


def _lint(manifest: Path) -> tuple[int, dict]:
    """dbt-score from dbt_project/, as a user runs it: it finds its config in pyproject.toml
    and the project's rules in dbt_project/dbt_score_rules."""
    done = subprocess.run(
        [sys.executable, "-m", "dbt_score", "lint", "-m", str(manifest), "--format", "json"],
        cwd=DBT_PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def _violations(report: dict) -> list[str]:
    return [
        f"{item}: {rule} {result['message'] or ''}"
        for item, evaluated in report["evaluables"].items()
        for rule, result in evaluated["results"].items()
        if result["result"] != "OK"
    ]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("plpred_home")
    settings = Settings(home=home, target="duckdb")
    run_dbt(settings, ["parse"], console=Console(file=io.StringIO()))
    return dbt_paths(settings)[0] / "manifest.json"


def test_the_project_passes_every_rule(manifest: Path) -> None:
    returncode, report = _lint(manifest)
    rules = {rule for evaluated in report["evaluables"].values() for rule in evaluated["results"]}
    assert rules >= OWN_RULES, "dbt-score did not load dbt_project/dbt_score_rules"
    assert _violations(report) == []
    assert returncode == 0


def test_a_mart_reading_a_source_fails(manifest: Path, tmp_path: Path) -> None:
    data = json.loads(manifest.read_text())
    fct_matches = data["nodes"]["model.plpred.fct_matches"]
    fct_matches["depends_on"]["nodes"].append("source.plpred.football_data.matches")
    mutated = tmp_path / "manifest.json"
    mutated.write_text(json.dumps(data))
    returncode, report = _lint(mutated)
    assert returncode != 0
    assert [v for v in _violations(report) if "fct_matches" in v] == [
        "model.plpred.fct_matches: dbt_score_rules.conventions.sources_are_read_by_staging_only "
        "reads source football_data.matches: read its stg_ model"
    ]


def _display_only_models(data: dict) -> set[str]:
    from ml.orchestration.steps import DISPLAY_ONLY_SELECTION

    folders = [part.removeprefix("path:") for part in DISPLAY_ONLY_SELECTION.split()]
    return {
        node["name"]
        for node in data["nodes"].values()
        if node["resource_type"] == "model"
        and any(node["original_file_path"].startswith(folder + "/") for folder in folders)
    }


def test_what_a_run_without_tests_leaves_out_feeds_no_step(manifest: Path) -> None:
    """A replay's ticks build without DISPLAY_ONLY_SELECTION: nothing else is built from it, and
    no step's SQL or code reads it (only Grafana, the report and the API do)."""
    data = json.loads(manifest.read_text())
    left_out = _display_only_models(data)
    assert {"mart_alerts", "mart_monitoring_latest", "stg_ops__step_runs"} <= left_out
    for node_id, children in data["child_map"].items():
        if node_id.startswith("model.") and node_id.split(".")[-1] in left_out:
            built_from_it = {
                c.split(".")[-1] for c in children if c.startswith("model.")
            } - left_out
            assert not built_from_it, f"{node_id} feeds {built_from_it}, which a tick builds"
    step_files = [
        *(
            p
            for folder in ("ml", "betting", "monitoring", "ops", "replay")
            for p in (PROJECT_ROOT / "sql" / folder).rglob("*.sql")
        ),
        *(
            p
            for p in (PROJECT_ROOT / "ml").rglob("*.py")
            if not {"api", "report", "dashboards"} & set(p.relative_to(PROJECT_ROOT / "ml").parts)
        ),
    ]
    readers = {
        f"{path.relative_to(PROJECT_ROOT)} reads {name}"
        for path in step_files
        for name in left_out
        if f".{name}" in path.read_text()
    }
    assert readers == set()
