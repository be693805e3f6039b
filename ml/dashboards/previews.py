"""Previews of the dashboards for the README (docs/grafana/*.png): each panel's data, fetched
with the panel's own SQL (expanded as Grafana would, :mod:`ml.dashboards.macros`) from a
warehouse, drawn with matplotlib in the dashboard's layout. They are pictures of the data the
panels show, not Grafana screenshots: no Grafana server runs on the machines this project is
built on.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from ml.config import Settings
from ml.dashboards import GRAFANA_DIR
from ml.dashboards.inspect import all_panels, dashboard_files
from ml.dashboards.macros import expand
from ml.plots import new_figure
from ml.warehouse.connection import connect

_MAX_TABLE_COLUMNS = 9


def _variables(conn, dashboard: dict[str, Any], time_from, time_to, chosen) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for variable in dashboard.get("templating", {}).get("list", []):
        name = variable["name"]
        if name in chosen:
            values[name] = chosen[name]
            continue
        sql = expand(variable["query"], time_from=time_from, time_to=time_to, variables=values)
        options = [str(v) for v in conn.query_df(sql).iloc[:, 0].tolist()]
        values[name] = options if variable.get("multi") else (options[0] if options else "")
        if variable.get("multi") and not options:
            values[name] = ["(none)"]
    return values


def _format(value: Any) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return text if len(text) <= 24 else text[:23] + "…"


def _time(frame: pd.DataFrame) -> pd.Series:
    column = frame["time"]
    if column.dtype == object and column.map(lambda v: isinstance(v, Decimal)).all():
        column = column.astype(float)  # Postgres: $__timeGroupAlias is numeric epoch seconds
    if pd.api.types.is_numeric_dtype(column):
        return pd.to_datetime(column, unit="s")
    return pd.to_datetime(column)


def _draw(
    axis, panel: dict[str, Any], title: str, frames: list[pd.DataFrame], time_to: datetime
) -> None:
    kind = panel["type"]
    axis.set_title(title, fontsize=10, loc="left")
    frames = [f for f in frames if not f.empty]
    if not frames:
        axis.text(0.5, 0.5, "no data", ha="center", va="center", color="grey")
        axis.set_axis_off()
        return
    frame = frames[0]
    if kind == "timeseries":
        times = _time(frame)
        if "metric" in frame.columns:  # long format: one series per metric value
            value = [c for c in frame.columns if c not in ("time", "metric")][0]
            for name, part in frame.assign(time=times).groupby("metric"):
                axis.plot(part["time"], part[value], marker=".", label=str(name))
        else:
            for column in frame.columns[1:]:
                axis.plot(times, frame[column], marker=".", label=column)
        axis.legend(fontsize=7)
        axis.grid(alpha=0.3)
        axis.tick_params(axis="x", labelsize=7, rotation=20)
    elif kind == "state-timeline":
        # the last state lasts until the end of the range
        times = pd.concat([_time(frame), pd.Series([pd.Timestamp(time_to)])], ignore_index=True)
        states = pd.concat([frame.iloc[:, 1], frame.iloc[-1:, 1]], ignore_index=True)
        axis.step(times, states.astype(str), where="post")
        axis.tick_params(axis="x", labelsize=7, rotation=20)
        axis.set_ylabel(frame.columns[1], fontsize=8)
    elif kind == "xychart":
        for part in frames:
            axis.scatter(part.iloc[:, 0], part.iloc[:, 1], label=part.columns[1], s=18)
        axis.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1)
        axis.set_xlabel(frame.columns[0], fontsize=8)
        axis.legend(fontsize=7)
        axis.grid(alpha=0.3)
    elif kind in ("barchart", "stat"):
        labels = frame.iloc[:, 0].astype(str)
        values = frame.iloc[:, 1:].astype(float)
        width = 0.8 / max(len(values.columns), 1)
        for i, column in enumerate(values.columns):
            axis.bar(
                [x + i * width for x in range(len(labels))], values[column], width, label=column
            )
        axis.set_xticks([x + 0.4 - width / 2 for x in range(len(labels))], labels, fontsize=7)
        axis.tick_params(axis="x", rotation=20)
        axis.legend(fontsize=7)
        axis.grid(alpha=0.3, axis="y")
    else:  # table
        max_rows = max(6, int(panel["gridPos"]["h"] * 1.3))  # as many as the panel's height shows
        shown = frame.iloc[:max_rows, :_MAX_TABLE_COLUMNS]
        cells = [[_format(v) for v in row] for row in shown.itertuples(index=False)]
        table = axis.table(
            cellText=cells, colLabels=list(shown.columns), loc="upper center", cellLoc="left"
        )
        table.auto_set_font_size(False)
        table.set_fontsize(6.5)
        table.scale(1, 1.25)
        hidden = []
        if len(frame) > max_rows:
            hidden.append(f"{len(frame) - max_rows} more rows")
        if frame.shape[1] > _MAX_TABLE_COLUMNS:
            hidden.append(f"{frame.shape[1] - _MAX_TABLE_COLUMNS} more columns")
        if hidden:
            axis.text(
                0, 0, "… " + ", ".join(hidden), fontsize=7, color="grey", transform=axis.transAxes
            )
        axis.set_axis_off()


def draw_preview(
    settings: Settings,
    dashboard_path: Path,
    out: Path,
    *,
    time_from: datetime,
    time_to: datetime,
    variables: dict[str, Any] | None = None,
) -> Path:
    """One PNG of a dashboard: every panel in its grid position, drawn from its own SQL."""
    dashboard = json.loads(dashboard_path.read_text(encoding="utf-8"))
    panels = [p for p in all_panels(dashboard) if p["type"] != "row"]
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    figure = new_figure(figsize=(18, bottom * 0.42))
    grid = figure.add_gridspec(bottom, 24, hspace=2.5, wspace=1.5)
    with connect(settings) as conn:
        values = _variables(conn, dashboard, time_from, time_to, variables or {})
        for panel in panels:
            pos = panel["gridPos"]
            axis = figure.add_subplot(
                grid[pos["y"] : pos["y"] + pos["h"], pos["x"] : pos["x"] + pos["w"]]
            )
            frames = []
            for target in panel["targets"]:
                sql = expand(
                    target["rawSql"], time_from=time_from, time_to=time_to, variables=values
                )
                frames.append(conn.query_df(sql))
            title = expand(panel["title"], time_from=time_from, time_to=time_to, variables=values)
            _draw(axis, panel, title, frames, time_to)
    chosen = ", ".join(f"{k}={v if isinstance(v, str) else 'All'}" for k, v in values.items())
    figure.suptitle(
        f"{dashboard['title']} — preview of the panels' data (not a Grafana screenshot); "
        f"{chosen}; {time_from:%Y-%m-%d} to {time_to:%Y-%m-%d}",
        fontsize=12,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=80, bbox_inches="tight")
    return out


def draw_previews(
    settings: Settings, out_dir: Path, *, time_from: datetime, time_to: datetime, **variables: Any
) -> list[Path]:
    return [
        draw_preview(
            settings,
            path,
            out_dir / f"{path.stem}.png",
            time_from=time_from,
            time_to=time_to,
            variables=variables,
        )
        for path in dashboard_files(GRAFANA_DIR)
    ]
