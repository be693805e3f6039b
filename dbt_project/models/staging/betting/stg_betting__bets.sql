{#- One row per bet, live or backtest, struck at a pre-match price before kickoff. -#}
with

source as (

    select * from {{ source('betting', 'bets') }}

),

final as (

    select
        bet_id,
        book_id,
        mode,
        run_id,
        strategy,
        strategy_version,
        league,
        season,
        match_id,
        kickoff_at,
        selection,
        odds_taken,
        odds_source,
        odds_period,
        odds_loaded_at,
        stake,
        bankroll_start,
        bankroll_at_placement,
        p_model,
        p_implied,
        edge,
        model_name,
        model_version,
        model_variant,
        prediction_ref,
        placed_at
    from source

)

select * from final
