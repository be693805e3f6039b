{#- One row per backtest; its backtest_id is the book_id of its bets. -#}
with

source as (

    select * from {{ source('betting', 'backtests') }}

),

final as (

    select
        backtest_id,
        source_run_id,
        league,
        model,
        variant,
        strategy,
        strategy_version,
        lead_hours,
        results_delay_hours,
        n_predictions,
        n_bets,
        created_at
    from source

)

select * from final
