{#- Settlements and their reversals, one row per ledger row of a (book, strategy); the
    league of a row is its bet's. -#}
with

source as (

    select * from {{ source('betting', 'settlements') }}

),

final as (

    select
        settlement_id,
        bet_id,
        book_id,
        strategy,
        seq,
        revision,
        kind,
        outcome,
        result,
        home_goals,
        away_goals,
        stake,
        odds_taken,
        profit,
        bankroll_after,
        closing_odds,
        closing_source,
        clv,
        reason,
        supersedes,
        run_id,
        settled_at
    from source

)

select * from final
