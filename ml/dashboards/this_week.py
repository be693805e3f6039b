"""Dashboard "This week": what the champion says about the coming matches, what was bet on
them, and how the last round went. The time range picks the week (default: seven days either
side of now); kickoffs are shown in UK time.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash

from ml.dashboards._grafana import (
    Layout,
    base_dashboard,
    league_variable,
    strategy_variable,
    table,
)

UID = "plpred-this-week"
FILE = "this_week.json"
TITLE = "plpred: this week"


def build() -> dash.Dashboard:
    layout = Layout()
    return (
        base_dashboard(
            UID,
            TITLE,
            "Upcoming matches with the champion's probabilities beside the market's, the live "
            "bets, and the last round's results with what each prediction said.",
            time_from="now-7d",
            time_to="now+7d",
        )
        .with_variable(league_variable())
        .with_variable(strategy_variable())
        .with_panel(
            table(
                layout,
                "Upcoming matches: the champion against the market",
                "The prediction in force for every match still to be played, the market's "
                "probabilities (pre-match prices, margin removed) and the edge of the best "
                "selection; expected_return is at the margin-carrying price.",
                """
                select
                    kickoff_at_uk,
                    home_team,
                    away_team,
                    model_version,
                    p_home,
                    p_draw,
                    p_away,
                    market_p_home,
                    market_p_draw,
                    market_p_away,
                    best_edge_selection,
                    best_edge,
                    expected_return
                from marts.mart_upcoming_predictions
                where
                    league = '$league'
                    and $__timeFilter(kickoff_at)
                order by kickoff_at, home_team
                """,
                height=10,
            )
        )
        .with_panel(
            table(
                layout,
                "Live bets",
                "Bets the strategies placed on matches in the time range, with stake, price "
                "and, once settled, outcome and profit.",
                """
                select
                    placed_at,
                    kickoff_at_uk,
                    home_team,
                    away_team,
                    strategy,
                    selection,
                    odds_taken,
                    stake,
                    edge,
                    outcome,
                    profit
                from marts.mart_bets
                where
                    league = '$league'
                    and book_kind = 'live'
                    and strategy in ($strategy)
                    and $__timeFilter(kickoff_at)
                order by kickoff_at, strategy
                """,
            )
        )
        .with_panel(
            table(
                layout,
                "Last round: results and what the champion said",
                "Played matches in the time range: the prediction in force at kickoff, the "
                "market's pre-match view and the RPS of each.",
                """
                select
                    kickoff_at_uk,
                    home_team,
                    away_team,
                    result,
                    model_version,
                    p_home,
                    p_draw,
                    p_away,
                    market_pre_p_home,
                    market_pre_p_draw,
                    market_pre_p_away,
                    model_rps,
                    market_pre_rps
                from marts.mart_live_predictions
                where
                    league = '$league'
                    and $__timeFilter(kickoff_at)
                order by kickoff_at desc, home_team
                """,
                height=10,
            )
        )
    )
