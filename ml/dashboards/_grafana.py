"""What every plpred dashboard shares: the provisioned datasource, the SQL query, the template
variables and the panel shapes, on top of grafana-foundation-sdk's typed builders.

The SDK has no builder for Grafana's PostgreSQL datasource query (it ships Prometheus, Loki and
other query builders, not SQL), so :class:`SqlQuery` is the one part written by hand: a
``cog`` ``Dataquery`` whose JSON is exactly what Grafana's SQL editor saves in code mode. The
same object serves panels, annotations and alert rules.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as model

# Provisioned in grafana/provisioning/datasources/plpred.yaml; every panel names it by uid.
DATASOURCE_TYPE = "grafana-postgresql-datasource"
DATASOURCE_UID = "plpred-warehouse"
DATASOURCE = model.DataSourceRef(type_val=DATASOURCE_TYPE, uid=DATASOURCE_UID)
TAGS = ["plpred"]

Format = Literal["table", "time_series"]


class SqlQuery(cogvariants.Dataquery):
    """A raw SQL query of the PostgreSQL datasource, as Grafana's code editor stores it."""

    def __init__(self, sql: str, ref_id: str = "A", fmt: Format = "table") -> None:
        self.sql = _dedent(sql)
        self.ref_id = ref_id
        self.fmt = fmt

    def to_json(self) -> dict[str, Any]:
        return {
            "refId": self.ref_id,
            "datasource": {"type": DATASOURCE_TYPE, "uid": DATASOURCE_UID},
            "rawSql": self.sql,
            "format": self.fmt,
            "rawQuery": True,
            "editorMode": "code",
        }


class Sql(cogbuilder.Builder[SqlQuery]):
    """Builder wrapper, so that ``.with_target()``, ``.target()`` and ``.model()`` take it."""

    def __init__(self, sql: str, ref_id: str = "A", fmt: Format = "table") -> None:
        self._query = SqlQuery(sql, ref_id, fmt)

    def build(self) -> SqlQuery:
        return self._query


def _dedent(sql: str) -> str:
    lines = [line.rstrip() for line in sql.rstrip().strip("\n").splitlines()]
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return "\n".join(line[indent:] for line in lines)


# --- template variables -----------------------------------------------------------------------


def query_variable(
    name: str, label: str, sql: str, *, multi: bool = False, description: str | None = None
) -> dash.QueryVariable:
    """A variable whose values come from a mart; refreshed when the dashboard loads and when
    a variable it depends on changes."""
    variable = (
        dash.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(_dedent(sql))
        .refresh(model.VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(model.VariableSort.DISABLED)
    )
    if multi:
        variable = variable.multi(True).include_all(True)
    if description:
        variable = variable.description(description)
    return variable


def league_variable() -> dash.QueryVariable:
    return query_variable(
        "league", "League", "select distinct league from marts.fct_matches order by league"
    )


def season_variable() -> dash.QueryVariable:
    return query_variable(
        "season",
        "Season",
        """
        select distinct season from marts.fct_matches
        where league = '$league'
        order by season desc
        """,
    )


def strategy_variable() -> dash.QueryVariable:
    return query_variable(
        "strategy",
        "Strategy",
        """
        select distinct strategy from marts.mart_strategy_performance
        where league = '$league'
        order by strategy
        """,
        multi=True,
    )


def model_version_variable() -> dash.QueryVariable:
    return query_variable(
        "model_version",
        "Model version",
        """
        select distinct model_version from marts.mart_live_predictions
        where league = '$league'
        order by model_version
        """,
        multi=True,
    )


# --- panels -----------------------------------------------------------------------------------


class Layout:
    """Hands out panel ids (unique within a dashboard, stable across regenerations)."""

    def __init__(self) -> None:
        self._next_id = 1

    def next_id(self) -> int:
        panel_id = self._next_id
        self._next_id += 1
        return panel_id


def _common(panel: Any, layout: Layout, title: str, description: str, width: int, height: int):
    return (
        panel.id(layout.next_id())
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .span(width)
        .height(height)
    )


def table(layout: Layout, title: str, description: str, sql: str, *, width=24, height=9):
    from grafana_foundation_sdk.builders import table as table_panel

    return _common(table_panel.Panel(), layout, title, description, width, height).with_target(
        Sql(sql)
    )


def timeseries(
    layout: Layout,
    title: str,
    description: str,
    sql: str,
    *,
    width=24,
    height=9,
    unit: str | None = None,
    fmt: Format = "time_series",
):
    from grafana_foundation_sdk.builders import timeseries as timeseries_panel

    panel = _common(timeseries_panel.Panel(), layout, title, description, width, height)
    if unit:
        panel = panel.unit(unit)
    return panel.with_target(Sql(sql, fmt=fmt))


def state_timeline(layout: Layout, title: str, description: str, sql: str, *, width=24, height=5):
    from grafana_foundation_sdk.builders import statetimeline

    return _common(statetimeline.Panel(), layout, title, description, width, height).with_target(
        Sql(sql)
    )


def barchart(
    layout: Layout, title: str, description: str, sql: str, *, width=12, height=9, x_field: str
):
    from grafana_foundation_sdk.builders import barchart as barchart_panel

    return (
        _common(barchart_panel.Panel(), layout, title, description, width, height)
        .x_field(x_field)
        .with_target(Sql(sql))
    )


def xychart(
    layout: Layout, title: str, description: str, queries: list[Sql], *, width=12, height=9
):
    from grafana_foundation_sdk.builders import xychart as xychart_panel

    panel = _common(xychart_panel.Panel(), layout, title, description, width, height)
    for query in queries:
        panel = panel.with_target(query)
    return panel


def stat(layout: Layout, title: str, description: str, sql: str, *, width=6, height=5, unit=None):
    from grafana_foundation_sdk.builders import stat as stat_panel

    panel = _common(stat_panel.Panel(), layout, title, description, width, height)
    if unit:
        panel = panel.unit(unit)
    return panel.with_target(Sql(sql))


def row(layout: Layout, title: str) -> dash.Row:
    return dash.Row(title).id(layout.next_id())


def base_dashboard(uid: str, title: str, description: str, *, time_from="now-90d", time_to="now"):
    return (
        dash.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(TAGS)
        .timezone("utc")
        .time(time_from, time_to)
        .refresh("")
        .readonly()
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
    )


def render(builder: cogbuilder.Builder) -> str:
    """The dashboard (or any SDK object) as committed JSON: sorted keys, two-space indent, one
    trailing newline, so that a regeneration diff shows only what changed."""
    return json.dumps(builder.build(), cls=JSONEncoder, indent=2, sort_keys=True) + "\n"
