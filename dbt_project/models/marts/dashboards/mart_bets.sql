{#- Every bet, live and backtest, one row each, with its match, its effective settlement (the
    settlement row of the highest revision; null while open) and the net profit of all its
    ledger rows (reversals included). book_kind says which book it belongs to: 'live', the
    'latest_backtest' of its league and strategy (the one book=latest-backtest names: created
    last, then the variant its run selected, then most bets), or another 'backtest'.
    odds_band groups the price taken, for the "bets by odds band" panel. -#}
with

bets as (

    select * from {{ ref('stg_betting__bets') }}

),

settlements as (

    select * from {{ ref('stg_betting__settlements') }}

),

backtests as (

    select * from {{ ref('stg_betting__backtests') }}

),

features as (

    select * from {{ ref('mart_match_features') }}

),

training_runs as (

    select * from {{ ref('mart_training_runs') }}

),

backtests_ranked as (

    -- as betting__books and book=latest-backtest: created last; among the backtests of one
    -- training run (created together), the model and variant the run selected, then the most
    -- bets, then the lowest id
    select
        backtests.backtest_id,
        row_number() over (
            partition by backtests.league, backtests.strategy
            order by
                backtests.created_at desc,
                case
                    when backtests.model || '/' || backtests.variant = training_runs.candidate_label
                        then 0
                    else 1
                end,
                backtests.n_bets desc,
                backtests.backtest_id
        ) as recency
    from backtests
    left join training_runs
        on backtests.source_run_id = training_runs.run_id

),

latest_revisions as (

    select
        bet_id,
        max(revision) as revision
    from settlements
    where kind = 'settlement'
    group by bet_id

),

effective_settlements as (

    select settlements.*
    from settlements
    inner join latest_revisions
        on
            settlements.bet_id = latest_revisions.bet_id
            and settlements.revision = latest_revisions.revision
    where settlements.kind = 'settlement'

),

net_profits as (

    select
        bet_id,
        sum(profit) as profit,
        max(settled_at) as last_settled_at
    from settlements
    group by bet_id

),

final as (

    select
        bets.bet_id,
        bets.book_id,
        case
            when bets.mode = 'live' then 'live'
            when backtests_ranked.recency = 1 then 'latest_backtest'
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
        effective_settlements.outcome,
        net_profits.last_settled_at as settled_at,
        cast(net_profits.profit as double precision) as profit,
        cast(effective_settlements.closing_odds as double precision) as closing_odds,
        cast(effective_settlements.clv as double precision) as clv
    from bets
    left join backtests_ranked
        on bets.book_id = backtests_ranked.backtest_id
    left join effective_settlements
        on bets.bet_id = effective_settlements.bet_id
    left join net_profits
        on bets.bet_id = net_profits.bet_id
    left join features
        on bets.match_id = features.match_id

)

select * from final
