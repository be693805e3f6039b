{#- One row per backtest (the walk-forward forecasts of one training run, model and variant
    replayed through one strategy version), with whether its model is the one its run selected
    and is_latest on the latest backtest of each league and strategy: the one place that says
    which backtest is "the latest". The latest is the one created last; among the backtests of
    one training run (created together) the model and variant the run selected
    (mart_training_runs), then the most bets, then the lowest id; is_latest_of_league is the
    same order over every strategy of the league. book=latest-backtest
    (betting__books), the report's backtest section and mart_bets read it.
    A view, not a table: plpred backtest writes between two dbt builds, and whoever asks right
    after it (plpred sql, the report) must see that backtest. -#}
{{ config(materialized='view') }}

with

backtests as (

    select * from {{ ref('stg_betting__backtests') }}

),

training_runs as (

    select * from {{ ref('mart_training_runs') }}

),

selections as (

    select
        backtests.backtest_id,
        coalesce(
            backtests.model || '/' || backtests.variant = training_runs.candidate_label, false
        ) as selected_by_run
    from backtests
    left join training_runs
        on backtests.source_run_id = training_runs.run_id

),

ranked as (

    select
        backtests.backtest_id,
        selections.selected_by_run,
        row_number() over (
            partition by backtests.league, backtests.strategy
            order by
                backtests.created_at desc,
                case when selections.selected_by_run then 0 else 1 end,
                backtests.n_bets desc,
                backtests.backtest_id
        ) as recency,
        row_number() over (
            partition by backtests.league
            order by
                backtests.created_at desc,
                case when selections.selected_by_run then 0 else 1 end,
                backtests.n_bets desc,
                backtests.backtest_id
        ) as league_recency
    from backtests
    inner join selections
        on backtests.backtest_id = selections.backtest_id

),

final as (

    select
        backtests.backtest_id,
        backtests.source_run_id,
        backtests.league,
        backtests.model,
        backtests.variant,
        backtests.strategy,
        backtests.strategy_version,
        backtests.lead_hours,
        backtests.results_delay_hours,
        backtests.n_predictions,
        backtests.n_bets,
        backtests.created_at,
        ranked.selected_by_run,
        cast(ranked.recency as integer) as recency,
        ranked.recency = 1 as is_latest,
        ranked.league_recency = 1 as is_latest_of_league
    from backtests
    inner join ranked
        on backtests.backtest_id = ranked.backtest_id

)

select * from final
