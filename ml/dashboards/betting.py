"""Dashboard "Betting": does any strategy make money, live and in the latest backtest?

Bankroll over time, yield, hit rate and maximum drawdown, closing line value per bet and on
average, and results by odds band. Only the live book and each strategy's latest backtest, of
the league chosen: each league has its own live bankroll per strategy, so every panel reads the
league's rows of marts keyed by book, strategy and league.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash

from ml.dashboards._grafana import (
    Layout,
    base_dashboard,
    league_variable,
    stat,
    strategy_variable,
    table,
    timeseries,
)

UID = "plpred-betting"
FILE = "betting.json"
TITLE = "plpred: betting"


def build() -> dash.Dashboard:
    layout = Layout()
    return (
        base_dashboard(
            UID,
            TITLE,
            "Bankroll, yield, drawdown and closing line value per strategy, live and in the "
            "latest backtest (marts.mart_strategy_*, marts.mart_bets*).",
            time_from="now-5y",
        )
        .with_variable(league_variable())
        .with_variable(strategy_variable())
        .with_panel(
            timeseries(
                layout,
                "Bankroll per strategy, live and latest backtest",
                "Bankroll at the end of every day a book placed or settled a bet in the league "
                "(settled bets only); each league has its own live bankroll. Backtest days are "
                "the simulated ones.",
                """
                select
                    day_at as time,
                    strategy || ' (' || book_kind || ')' as metric,
                    bankroll
                from marts.mart_strategy_bankroll
                where
                    league = '$league'
                    and strategy in ($strategy)
                    and $__timeFilter(day_at)
                order by day_at
                """,
            )
        )
        .with_panel(
            table(
                layout,
                "Yield, hit rate and maximum drawdown",
                "Every strategy over all its bets; yield is profit over settled stakes, the "
                "drawdown the largest fall from a running peak of the bankroll.",
                """
                select
                    strategy,
                    book_kind,
                    bets,
                    open_bets,
                    hit_rate,
                    staked,
                    profit,
                    yield,
                    roi,
                    max_drawdown,
                    max_drawdown_fraction,
                    drawdown_limit_fraction
                from marts.mart_strategy_performance
                where
                    league = '$league'
                    and season = 'all'
                    and strategy in ($strategy)
                order by strategy, book_kind
                """,
                width=16,
            )
        )
        .with_panel(
            stat(
                layout,
                "Average closing line value",
                "Mean of odds taken / closing odds - 1 over settled bets: above 0 beats the "
                "closing line, the best sign of a real edge.",
                """
                select
                    strategy || ' (' || book_kind || ')' as book,
                    average_clv
                from marts.mart_strategy_performance
                where
                    league = '$league'
                    and season = 'all'
                    and strategy in ($strategy)
                order by strategy, book_kind
                """,
                width=8,
                height=9,
                unit="percentunit",
            )
        )
        .with_panel(
            table(
                layout,
                "Closing line value per bet",
                "Settled bets of the time range with the price taken and the closing price.",
                """
                select
                    placed_at,
                    kickoff_at_uk,
                    home_team,
                    away_team,
                    strategy,
                    book_kind,
                    selection,
                    odds_taken,
                    closing_odds,
                    clv,
                    outcome,
                    profit
                from marts.mart_bets
                where
                    league = '$league'
                    and book_kind in ('live', 'latest_backtest')
                    and strategy in ($strategy)
                    and clv is not null
                    and $__timeFilter(kickoff_at)
                order by kickoff_at desc, strategy
                """,
                height=10,
            )
        )
        .with_panel(
            table(
                layout,
                "Bets by odds band",
                "Bets, hit rate, yield and closing line value per band of the price taken.",
                """
                select
                    strategy,
                    book_kind,
                    odds_band,
                    bets,
                    settled_bets,
                    wins,
                    hit_rate,
                    staked,
                    profit,
                    yield,
                    average_clv
                from marts.mart_bets_by_odds_band
                where
                    league = '$league'
                    and strategy in ($strategy)
                order by strategy, book_kind, odds_band
                """,
            )
        )
    )
