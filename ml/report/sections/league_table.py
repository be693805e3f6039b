"""League table: the latest standings with each club's last five results
(sql/report/select_league_table.sql, select_recent_form.sql). No figure."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..format import Column, col, esc, fmt_date, html_table, paragraph
from ..section import MARTS_NOT_BUILT, Fragment, ReportContext, ReportSection, Unavailable

# Places that qualify for the Champions League and places relegated, where the rule is known.
ZONES = {"E0": (4, 3)}


@dataclass(frozen=True)
class LeagueTable:
    league: str
    table: pd.DataFrame  # select_league_table: one row per club, by position
    form: dict[str, str]  # team_id: its last five results as HTML, oldest first


def load(ctx: ReportContext) -> LeagueTable:
    ctx.require("marts.mart_league_table", "marts.fct_matches", message=MARTS_NOT_BUILT)
    table = ctx.query("select_league_table", [ctx.league, ctx.league])
    if table.empty:
        raise Unavailable(f"No played {esc(ctx.league)} match in the warehouse yet.")
    season = str(table.iloc[0]["season"])
    form = ctx.query("select_recent_form", [ctx.league, season, ctx.league, season])
    recent = {
        team: "".join(
            f'<span class="form {o.lower()}">{o}</span>'
            for o in part.sort_values("recency", ascending=False)["outcome"]
        )
        for team, part in form.groupby("team_id")
    }
    return LeagueTable(ctx.league, table, recent)


def _integer(key: str, header: str) -> Column:
    return col(key, header, lambda v: f"{int(v)}")


def render(data: LeagueTable) -> Fragment:
    table = data.table
    top, bottom = ZONES.get(data.league, (0, 0))
    n_teams = len(table)

    def zone(row: pd.Series) -> str | None:
        position = int(row["position"])
        if position <= top:
            return "top"
        if bottom and position > n_teams - bottom:
            return "bottom"
        return None

    columns = [
        _integer("position", "#"),
        Column("team", lambda r: esc(r["team"])),
        *(
            _integer(key, header)
            for key, header in (
                ("played", "P"),
                ("won", "W"),
                ("drawn", "D"),
                ("lost", "L"),
                ("goals_for", "GF"),
                ("goals_against", "GA"),
            )
        ),
        col("goal_difference", "GD", lambda v: f"{int(v):+d}"),
        col("points", "Pts", lambda v: f"<strong>{int(v)}</strong>"),
        Column("form", lambda r: data.form.get(r["team_id"], ""), title="last five, oldest first"),
    ]
    row = table.iloc[0]
    intro = (
        f"{esc(row['season'])}, after the matches of {esc(fmt_date(row['standings_date']))}. "
        "Form is the last five results, the latest on the right."
    )
    if top:
        intro += f" The top {top} and the bottom {bottom} places are marked."
    return Fragment(paragraph(intro) + html_table(table, columns, row_class=zone, css="league"))


SECTION = ReportSection("table", "League table", load, render)
