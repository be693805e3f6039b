"""grafana/ as code, without a database: the committed JSON is what ml/dashboards/ generates,
every dashboard is well formed (unique panel ids, the provisioned datasource, variables defined,
nothing hard-coded), the provisioning files keep secrets out, the dbt exposures name what the
dashboards read, and the macro expander expands as Grafana does."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from ml.config import DBT_PROJECT_DIR
from ml.dashboards import DASHBOARDS, GRAFANA_DIR, generated, stale_files, write
from ml.dashboards._grafana import DATASOURCE_TYPE, DATASOURCE_UID
from ml.dashboards.inspect import (
    all_panels,
    all_queries,
    dashboard_files,
    dashboard_queries,
    select_columns,
)
from ml.dashboards.macros import MacroError, expand, interval_seconds, variables_used

DASHBOARD_FILES = dashboard_files()


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --- generated = committed ---------------------------------------------------------------------


def test_the_committed_grafana_files_are_what_the_code_generates() -> None:
    assert stale_files() == [], "run `uv run plpred dashboards` and commit grafana/"


def test_a_changed_or_missing_file_is_reported_and_rewritten(tmp_path: Path) -> None:
    assert len(stale_files(tmp_path)) == len(generated())
    write(tmp_path)
    assert stale_files(tmp_path) == []
    target = tmp_path / "dashboards" / DASHBOARDS[0].FILE
    target.write_text(target.read_text().replace("plpred", "edited in the UI"))
    assert stale_files(tmp_path) == [Path("dashboards") / DASHBOARDS[0].FILE]


def test_generation_is_deterministic() -> None:
    assert generated() == generated()


# --- structure of every dashboard --------------------------------------------------------------


def test_there_are_five_dashboards_with_stable_uids_and_no_ids() -> None:
    assert len(DASHBOARD_FILES) >= 5
    uids = []
    for path in DASHBOARD_FILES:
        dashboard = _load(path)
        assert "id" not in dashboard, path.name  # Grafana assigns ids; uids are ours
        assert dashboard["uid"].startswith("plpred-"), path.name
        assert "plpred" in dashboard["tags"], path.name
        assert dashboard["editable"] is False, path.name
        uids.append(dashboard["uid"])
    assert len(uids) == len(set(uids))


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_panel_ids_are_unique_and_every_panel_uses_the_provisioned_datasource(path: Path) -> None:
    dashboard = _load(path)
    panels = all_panels(dashboard)
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), f"duplicate panel ids: {ids}"
    assert all(isinstance(i, int) and i > 0 for i in ids)
    for panel in panels:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": DATASOURCE_TYPE, "uid": DATASOURCE_UID}, panel[
            "title"
        ]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == DATASOURCE_UID, panel["title"]
            assert target["rawQuery"] is True and target["rawSql"].strip()
        assert panel.get("description"), f"{panel['title']}: say what the panel shows"
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            assert variable["datasource"]["uid"] == DATASOURCE_UID, variable["name"]
    for annotation in dashboard.get("annotations", {}).get("list", []):
        assert annotation["datasource"]["uid"] == DATASOURCE_UID, annotation["name"]


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_every_variable_used_is_defined_before_use(path: Path) -> None:
    dashboard = _load(path)
    defined: list[str] = []
    for variable in dashboard["templating"]["list"]:
        missing = variables_used(variable.get("query", "")) - set(defined)
        assert not missing, f"variable {variable['name']} uses {missing} before they are defined"
        defined.append(variable["name"])
    texts = [q.sql for q in dashboard_queries(path)]
    texts += [panel["title"] for panel in all_panels(dashboard)]
    used = set().union(*(variables_used(text) for text in texts))
    assert used <= set(defined), f"undefined variables: {used - set(defined)}"


def test_the_dashboards_have_the_variables_the_issue_asks_for() -> None:
    variables = {
        path.name: {v["name"] for v in _load(path)["templating"]["list"]}
        for path in DASHBOARD_FILES
    }
    assert all("league" in names for names in variables.values())
    everywhere = set().union(*variables.values())
    assert {"league", "season", "strategy", "model_version"} <= everywhere


# A league code in quotes ('E0', 'SP1'), or a model version compared with a literal.
HARD_CODED = [
    re.compile(r"'(E[0-3]|EC|SC[0-3]|SP[12]|D[12]|I[12]|F[12]|N1|B1|P1|T1|G1)'"),
    re.compile(r"model_version\w*\s*(=|in\s*\()\s*'[^$']"),
    re.compile(r"'plpred-[A-Z]"),
]


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_no_league_or_model_version_is_hard_coded(path: Path) -> None:
    for query in dashboard_queries(path):
        for pattern in HARD_CODED:
            assert not pattern.search(query.sql), f"{query.where}: {pattern.pattern}"
        if query.kind != "variable" and "league" in query.sql:
            assert "$league" in query.sql or "${league}" in query.sql, query.where


def test_panel_sql_selects_from_marts_only() -> None:
    for query in all_queries():
        relations = re.findall(r"\b(?:from|join)\s+([\w.]+)", query.sql, re.IGNORECASE)
        assert relations, query.where
        for relation in relations:
            assert relation.startswith("marts."), f"{query.where}: reads {relation}"
        select_columns(query.sql)  # a select list simple enough to name its columns


# --- the alert rules ---------------------------------------------------------------------------


def test_the_alert_rules_are_provisionable() -> None:
    document = _load(GRAFANA_DIR / "provisioning" / "alerting" / "plpred.json")
    assert document["apiVersion"] == 1
    (group,) = document["groups"]
    assert group["name"] and group["folder"] and group["interval"] == "5m"
    uids = [rule["uid"] for rule in group["rules"]]
    assert len(uids) == len(set(uids)) == 4
    for rule in group["rules"]:
        refs = {data["refId"]: data for data in rule["data"]}
        assert rule["condition"] == "C" and set(refs) == {"A", "B", "C"}, rule["uid"]
        assert refs["A"]["datasourceUid"] == DATASOURCE_UID
        assert refs["A"]["relativeTimeRange"] == {"from": 600, "to": 0}
        assert refs["B"]["model"]["type"] == "reduce"
        assert refs["C"]["model"]["type"] == "threshold"
        assert rule["annotations"]["summary"], rule["uid"]


# --- provisioning ------------------------------------------------------------------------------

PROVISIONING = GRAFANA_DIR / "provisioning"


def test_the_datasource_has_the_fixed_uid_and_no_literal_credentials() -> None:
    text = (PROVISIONING / "datasources" / "plpred.yaml").read_text()
    document = yaml.safe_load(text)
    (datasource,) = document["datasources"]
    assert datasource["type"] == DATASOURCE_TYPE and datasource["uid"] == DATASOURCE_UID
    for value in (
        datasource["url"],
        datasource["user"],
        datasource["jsonData"]["database"],
        datasource["secureJsonData"]["password"],
    ):
        assert re.fullmatch(r"(\$\{\w+\}:?)+", value), f"{value!r} is not from the environment"


def test_the_dashboard_provider_reads_files_and_refuses_ui_edits() -> None:
    document = yaml.safe_load((PROVISIONING / "dashboards" / "plpred.yaml").read_text())
    (provider,) = document["providers"]
    assert provider["type"] == "file" and provider["allowUiUpdates"] is False
    assert provider["options"]["path"]


# --- dbt exposures -----------------------------------------------------------------------------


def test_each_dashboard_has_an_exposure_naming_every_mart_it_reads() -> None:
    folder = DBT_PROJECT_DIR / "models" / "marts" / "dashboards"
    exposures = yaml.safe_load((folder / "_dashboards__exposures.yml").read_text())["exposures"]
    by_url = {e["url"]: e for e in exposures}
    for path in DASHBOARD_FILES:
        exposure = by_url[f"grafana/dashboards/{path.name}"]
        assert exposure["type"] == "dashboard"
        read = set()
        for query in dashboard_queries(path):
            read |= set(re.findall(r"\bmarts\.(\w+)", query.sql))
        declared = {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in exposure["depends_on"]}
        assert read == declared, f"{path.name}: reads {sorted(read)}, declares {sorted(declared)}"


# --- the macro expander ------------------------------------------------------------------------

FROM, TO = datetime(2024, 1, 1, 9, 30), datetime(2024, 1, 8)


def test_time_filter_and_bounds_are_utc_literals() -> None:
    aware = datetime(2024, 1, 1, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    sql = expand(
        "where $__timeFilter(kickoff_at) and x > $__timeFrom() and y < $__timeTo()",
        time_from=aware,
        time_to=TO.replace(tzinfo=UTC),
    )
    assert sql == (
        "where kickoff_at BETWEEN '2024-01-01T09:30:00Z' AND '2024-01-08T00:00:00Z' "
        "and x > '2024-01-01T09:30:00Z' and y < '2024-01-08T00:00:00Z'"
    )


def test_time_group_alias_buckets_epoch_seconds_as_time() -> None:
    sql = expand(
        "select $__timeGroupAlias(known_at, $__interval), $__timeGroupAlias(t, '5m')",
        time_from=FROM,
        time_to=TO,
        interval="1d",
    )
    assert sql == (
        'select floor(extract(epoch from known_at)/86400)*86400 AS "time", '
        'floor(extract(epoch from t)/300)*300 AS "time"'
    )
    assert interval_seconds("2h") == 7200 and interval_seconds("1w") == 604800


def test_variables_single_values_as_written_lists_quoted() -> None:
    sql = expand(
        "league = '$league' and l2 = '${league}' and [[league]] and s in ($strategy)",
        time_from=FROM,
        time_to=TO,
        variables={"league": "E0", "strategy": ["kelly", "o'neil"]},
    )
    assert sql == "league = 'E0' and l2 = 'E0' and E0 and s in ('kelly','o''neil')"
    assert variables_used("'$league' ${season} [[team]] $__interval $__timeFilter(x)") == {
        "league",
        "season",
        "team",
    }


def test_unknown_variables_and_macros_are_errors() -> None:
    with pytest.raises(MacroError, match=r"\$season"):
        expand("season = '$season'", time_from=FROM, time_to=TO)
    with pytest.raises(MacroError, match="unknown macro"):
        expand("$__unixEpochFilter(t)", time_from=FROM, time_to=TO)
    with pytest.raises(MacroError, match="no values"):
        expand("s in ($strategy)", time_from=FROM, time_to=TO, variables={"strategy": []})


def test_select_columns_names_aliases_and_bare_columns() -> None:
    assert select_columns(
        'select a, t.b, c as "x y", extract(epoch from (now() - d)) / 3600 - e as f from marts.m'
    ) == ["a", "b", "x y", "f"]
    with pytest.raises(ValueError):
        select_columns("select a + b from marts.m")


def test_previews_read_grafana_time_columns_from_either_warehouse() -> None:
    from decimal import Decimal

    import pandas as pd

    from ml.dashboards.previews import _time

    expected = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02"]))
    postgres = pd.DataFrame({"time": [Decimal("1704067200"), Decimal("1704153600")]})
    duckdb = pd.DataFrame({"time": [1704067200.0, 1704153600.0]})
    stamps = pd.DataFrame({"time": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    for frame in (postgres, duckdb, stamps):
        assert _time(frame).tolist() == expected.tolist()


def test_the_commands_check_the_files_and_refuse_a_role_on_duckdb(monkeypatch) -> None:
    from typer.testing import CliRunner

    from ml.orchestration.cli import app

    runner = CliRunner()
    checked = runner.invoke(app, ["dashboards", "--check"])
    assert checked.exit_code == 0, checked.output
    monkeypatch.setenv("PLPRED_GRAFANA_PASSWORD", "x")
    refused = runner.invoke(app, ["grafana-role", "--target", "duckdb"])
    assert refused.exit_code == 1
