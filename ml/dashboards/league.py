"""Dashboard "League": the table as of any matchday, each team's form rating over time, and
home advantage per season."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash

from ml.dashboards._grafana import (
    Layout,
    barchart,
    base_dashboard,
    league_variable,
    query_variable,
    season_variable,
    table,
    timeseries,
)

UID = "plpred-league"
FILE = "league.json"
TITLE = "plpred: league"


def build() -> dash.Dashboard:
    layout = Layout()
    return (
        base_dashboard(
            UID,
            TITLE,
            "The league table after any matchday, form ratings and home advantage "
            "(marts.mart_league_table, mart_team_ratings, mart_home_advantage).",
            time_from="now-1y",
        )
        .with_variable(league_variable())
        .with_variable(season_variable())
        .with_variable(
            query_variable(
                "matchday",
                "Table as of",
                """
                select distinct cast(standings_date as text) as matchday
                from marts.mart_league_table
                where
                    league = '$league'
                    and season = '$season'
                order by matchday desc
                """,
            )
        )
        .with_variable(
            query_variable(
                "team",
                "Teams",
                """
                select distinct team from marts.mart_league_table
                where
                    league = '$league'
                    and season = '$season'
                order by team
                """,
                multi=True,
            )
        )
        .with_panel(
            table(
                layout,
                "The table as of ${matchday}",
                "Every team's position after the matchday chosen above.",
                """
                select
                    position,
                    team,
                    played,
                    won,
                    drawn,
                    lost,
                    goals_for,
                    goals_against,
                    goal_difference,
                    points
                from marts.mart_league_table
                where
                    league = '$league'
                    and season = '$season'
                    and standings_date = '$matchday'
                order by position
                """,
                width=12,
                height=16,
            )
        )
        .with_panel(
            timeseries(
                layout,
                "Form rating over time",
                "Exponentially weighted goal difference per match before each match "
                "(marts.mart_team_ratings): a form rating, not Elo.",
                """
                select
                    kickoff_at as time,
                    team as metric,
                    rating
                from marts.mart_team_ratings
                where
                    league = '$league'
                    and team in ($team)
                    and $__timeFilter(kickoff_at)
                order by kickoff_at
                """,
                width=12,
                height=16,
            )
        )
        .with_panel(
            barchart(
                layout,
                "Home advantage per season",
                "Shares of home wins, draws and away wins, and the home side's extra points "
                "per match.",
                """
                select
                    season,
                    home_win_share,
                    draw_share,
                    away_win_share,
                    home_points_edge
                from marts.mart_home_advantage
                where league = '$league'
                order by season
                """,
                width=24,
                x_field="season",
            )
        )
    )
