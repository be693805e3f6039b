"""Dashboard "Model against the market": is the champion better than the prices it bets into?

The champion's live RPS beside the market's pre-match and closing prices and the base rates,
the walk-forward evaluation of the latest training run per season, a reliability diagram, the
live record per model version, and which version was in force when (retrains annotated).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash

from ml.dashboards._grafana import (
    DATASOURCE,
    Layout,
    Sql,
    base_dashboard,
    league_variable,
    model_version_variable,
    row,
    season_variable,
    state_timeline,
    table,
    timeseries,
    xychart,
)

UID = "plpred-model-vs-market"
FILE = "model_vs_market.json"
TITLE = "plpred: model against the market"


def build() -> dash.Dashboard:
    layout = Layout()
    return (
        base_dashboard(
            UID,
            TITLE,
            "The champion's live predictions against the market's pre-match and closing prices "
            "and the base rates (marts.mart_model_vs_market_weekly and friends).",
            time_from="now-1y",
        )
        .with_variable(league_variable())
        .with_variable(season_variable())
        .with_variable(model_version_variable())
        .annotation(
            dash.AnnotationQuery()
            .name("Champion changes")
            .datasource(DATASOURCE)
            .enable(True)
            .icon_color("orange")
            .target(
                Sql(
                    """
                    select
                        decided_at as time,
                        decision as text,
                        version_in_force_after as tags
                    from marts.mart_champion_history
                    where
                        league = '$league'
                        and is_champion_change
                        and $__timeFilter(decided_at)
                    order by decided_at
                    """
                )
            )
        )
        .with_row(row(layout, "Live: the champion against the market"))
        .with_panel(
            timeseries(
                layout,
                "Rolling RPS per matchweek (last four matchweeks)",
                "Ranked probability score of the champion's predictions in force at kickoff, "
                "the market's pre-match and closing probabilities (margin removed) and the "
                "base rates, on the same played matches. Lower is better.",
                """
                select
                    matchweek_start as time,
                    rolling_model_rps as "champion",
                    rolling_market_pre_rps as "market pre-match",
                    rolling_market_close_rps as "market closing",
                    rolling_base_rate_rps as "base rates"
                from marts.mart_model_vs_market_weekly
                where
                    league = '$league'
                    and $__timeFilter(matchweek_start)
                order by matchweek_start
                """,
                width=16,
            )
        )
        .with_panel(
            state_timeline(
                layout,
                "Model version in force",
                "The champion version after every first champion, promotion and refit "
                "(marts.mart_champion_history); the annotations mark the changes.",
                """
                select
                    decided_at as time,
                    version_in_force_after as "version in force"
                from marts.mart_champion_history
                where league = '$league'
                order by decided_at
                """,
                width=8,
                height=9,
            )
        )
        .with_panel(
            table(
                layout,
                "Live record per matchweek and model version",
                "The champion's live predictions of the season against the market's pre-match "
                "prices on the same matches (marts.mart_prediction_performance).",
                """
                select
                    matchweek_start,
                    model_version,
                    model_label,
                    n_matches,
                    rps,
                    market_rps,
                    log_loss,
                    market_log_loss,
                    accuracy,
                    market_accuracy
                from marts.mart_prediction_performance
                where
                    league = '$league'
                    and season = '$season'
                    and model_version in ($model_version)
                order by matchweek_start desc, model_version
                """,
            )
        )
        .with_row(row(layout, "Walk-forward evaluation and calibration"))
        .with_panel(
            table(
                layout,
                "Per-season RPS, log loss and ECE (latest training run)",
                "Out-of-sample walk-forward metrics of every variant and yardstick of the "
                "league's latest training run; is_selected marks the candidate it put forward.",
                """
                select
                    season,
                    model_label,
                    is_selected,
                    rps,
                    log_loss,
                    ece,
                    brier,
                    accuracy,
                    n_matches
                from marts.mart_model_evaluations_by_season
                where
                    league = '$league'
                    and is_latest_run
                order by season desc, rps
                """,
                width=14,
                height=10,
            )
        )
        .with_panel(
            xychart(
                layout,
                "Reliability diagram",
                "Forecasts in bins of ten points: mean forecast (x) against how often the "
                "outcome happened (y). On the diagonal is calibrated.",
                [
                    Sql(
                        """
                        select
                            mean_forecast as "forecast",
                            observed_frequency as "walk-forward"
                        from marts.mart_calibration_bins
                        where
                            league = '$league'
                            and source = 'walk_forward'
                        order by mean_forecast
                        """,
                        ref_id="A",
                    ),
                    Sql(
                        """
                        select
                            mean_forecast as "forecast",
                            observed_frequency as "live"
                        from marts.mart_calibration_bins
                        where
                            league = '$league'
                            and source = 'live'
                        order by mean_forecast
                        """,
                        ref_id="B",
                    ),
                ],
                width=10,
                height=10,
            )
        )
        .with_panel(
            table(
                layout,
                "Champion decisions",
                "Every champion/challenger decision and why (ml.champion_decisions).",
                """
                select
                    decided_at,
                    decision,
                    candidate_version,
                    candidate_label,
                    champion_version_before,
                    season,
                    candidate_rps,
                    champion_rps,
                    reason
                from marts.mart_champion_history
                where league = '$league'
                order by decided_at desc
                """,
                height=8,
            )
        )
    )
