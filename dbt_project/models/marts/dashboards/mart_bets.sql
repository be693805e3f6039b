{#- Every bet, live and backtest, one row each, with its match, its effective settlement (the
    settlement row of the highest revision; null while open) and the net profit of all its
    ledger rows (reversals included), both from mart_settled_bets. book_kind says which book it
    belongs to: 'live', the 'latest_backtest' of its league and strategy (mart_backtests'
    is_latest, the one book=latest-backtest names), or another 'backtest'.
    odds_band groups the price taken, for the "bets by odds band" panel. -#}
with

settled_bets as (

    select * from {{ ref('mart_settled_bets') }}

),

backtests as (

    select * from {{ ref('mart_backtests') }}

),

features as (

    select * from {{ ref('mart_match_features') }}

),

final as (

    select
        bets.bet_id,
        bets.book_id,
        case
            when bets.mode = 'live' then 'live'
            when backtests.is_latest then 'latest_backtest'
            else 'backtest'
        end as book_kind,
        bets.mode,
        bets.league,
        bets.season,
        bets.strategy,
        bets.match_id,
        bets.kickoff_at,
        features.kickoff_at_uk,
        features.home_team,
        features.away_team,
        bets.selection,
        cast(bets.odds_taken as double precision) as odds_taken,
        case
            when bets.odds_taken < 1.5 then '1.01-1.49'
            when bets.odds_taken < 2.0 then '1.50-1.99'
            when bets.odds_taken < 3.0 then '2.00-2.99'
            when bets.odds_taken < 5.0 then '3.00-4.99'
            else '5.00+'
        end as odds_band,
        bets.odds_source,
        cast(bets.stake as double precision) as stake,
        cast(bets.p_model as double precision) as p_model,
        cast(bets.p_implied as double precision) as p_implied,
        cast(bets.edge as double precision) as edge,
        bets.model_version,
        bets.placed_at,
        bets.effective_outcome as outcome,
        bets.last_settled_at as settled_at,
        cast(bets.net_profit as double precision) as profit,
        cast(bets.effective_closing_odds as double precision) as closing_odds,
        cast(bets.effective_clv as double precision) as clv
    from settled_bets as bets
    left join backtests
        on bets.book_id = backtests.backtest_id
    left join features
        on bets.match_id = features.match_id

)

select * from final
