"""Reading the generated Grafana JSON back: every SQL query a dashboard or alert rule sends, with
where it sits, so that the tests can run each one against the warehouse and the previews can
draw from the same SQL."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml.dashboards import GRAFANA_DIR, alerts


@dataclass(frozen=True)
class GrafanaQuery:
    """One SQL query of a dashboard (panel target, variable, annotation) or of an alert rule."""

    source: str  # dashboard file or alert rule file
    kind: str  # panel, variable, annotation, alert
    name: str  # panel title, variable name, annotation name, rule uid
    panel_type: str  # table, timeseries, ...; the kind for variables, annotations, alerts
    ref_id: str
    sql: str
    fmt: str

    @property
    def where(self) -> str:
        return f"{self.source}: {self.kind} {self.name!r} ({self.ref_id})"


def dashboard_files(root: Path = GRAFANA_DIR) -> list[Path]:
    return sorted((root / "dashboards").glob("*.json"))


def all_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Panels at the top level and inside rows."""
    panels = []
    for panel in dashboard.get("panels", []):
        panels.append(panel)
        panels.extend(panel.get("panels", []))
    return panels


def dashboard_queries(path: Path) -> list[GrafanaQuery]:
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    queries = []
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            queries.append(
                GrafanaQuery(
                    path.name,
                    "variable",
                    variable["name"],
                    "variable",
                    "",
                    variable["query"],
                    "table",
                )
            )
    for annotation in dashboard.get("annotations", {}).get("list", []):
        target = annotation.get("target") or {}
        if "rawSql" in target:
            queries.append(
                GrafanaQuery(
                    path.name,
                    "annotation",
                    annotation["name"],
                    "annotation",
                    target.get("refId", "A"),
                    target["rawSql"],
                    target.get("format", "table"),
                )
            )
    for panel in all_panels(dashboard):
        for target in panel.get("targets", []):
            queries.append(
                GrafanaQuery(
                    path.name,
                    "panel",
                    panel["title"],
                    panel["type"],
                    target["refId"],
                    target["rawSql"],
                    target.get("format", "table"),
                )
            )
    return queries


def alert_queries(root: Path = GRAFANA_DIR) -> list[GrafanaQuery]:
    path = root / "provisioning" / "alerting" / alerts.FILE
    document = json.loads(path.read_text(encoding="utf-8"))
    queries = []
    for group in document["groups"]:
        for rule in group["rules"]:
            for data in rule["data"]:
                model = data["model"]
                if "rawSql" in model:
                    queries.append(
                        GrafanaQuery(
                            path.name,
                            "alert",
                            rule["uid"],
                            "alert",
                            data["refId"],
                            model["rawSql"],
                            model.get("format", "table"),
                        )
                    )
    return queries


def all_queries(root: Path = GRAFANA_DIR) -> list[GrafanaQuery]:
    queries = []
    for path in dashboard_files(root):
        queries.extend(dashboard_queries(path))
    return queries + alert_queries(root)


_ALIAS = re.compile(r'\bas\s+("([^"]+)"|(\w+))\s*$', re.IGNORECASE)


def select_columns(sql: str) -> list[str]:
    """The names of the top-level select list of a simple ``select ... from`` query: the alias
    after ``as``, else the bare column name. Enough for the dashboards' thin SQL; raises on
    anything it cannot read, so a query too clever for it is noticed."""
    head = re.match(r"\s*select\s+(distinct\s+)?", sql, re.IGNORECASE)
    if not head:
        raise ValueError(f"not a simple select: {sql[:80]!r}")
    body = sql[head.end() :]
    items, depth, current, position = [], 0, "", 0
    while position < len(body):
        char = body[position]
        if depth == 0 and re.match(r"\sfrom\s", body[position:], re.IGNORECASE):
            break
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            depth += (char == "(") - (char == ")")
            current += char
        position += 1
    else:
        raise ValueError(f"no top-level from: {sql[:80]!r}")
    items.append(current)
    names = []
    for item in (" ".join(i.split()) for i in items):
        alias = _ALIAS.search(item)
        if item.startswith("$__timeGroupAlias("):
            names.append("time")
        elif alias:
            names.append(alias.group(2) or alias.group(3))
        elif re.fullmatch(r"[\w.]+", item):
            names.append(item.split(".")[-1])
        else:
            raise ValueError(f"cannot name the select item {item!r}")
    return names
