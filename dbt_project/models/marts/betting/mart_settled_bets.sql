{#- One row per bet, live and backtest, with its effective settlement: the settlement row of its
    highest revision (null while the bet is open; a corrected result adds a reversal and a
    settlement of the next revision, which then is the effective one), and the net profit of
    all its ledger rows (reversals included, so a corrected bet counts once, as corrected).
    The one place that says which settlement of a bet is in force: plpred settle compares it
    with the verdict the data gives now (sql/betting/), the betting marts, the report and the
    named queries read it.
    A view, not a table: settle and backtest read it right after writing bets and settlements,
    between two dbt builds, and must see their own rows. -#}
{{ config(materialized='view') }}

with

bets as (

    select * from {{ ref('stg_betting__bets') }}

),

settlements as (

    select * from {{ ref('stg_betting__settlements') }}

),

ledger_rows as (

    -- one pass over the settlements (a CTE read once is inlined by Postgres; read three
    -- times it is materialised, estimated at a few rows and joined in nested loops that take
    -- minutes on a few thousand bets)
    select
        settlements.*,
        row_number() over (
            partition by settlements.bet_id, settlements.kind
            order by settlements.revision desc
        ) as newest_of_kind,
        sum(settlements.profit) over (partition by settlements.bet_id) as net_profit,
        max(settlements.settled_at) over (partition by settlements.bet_id) as last_settled_at
    from settlements

),

effective_settlements as (

    select * from ledger_rows
    where
        kind = 'settlement'
        and newest_of_kind = 1

),

final as (

    select
        bets.bet_id,
        bets.book_id,
        bets.mode,
        bets.run_id,
        bets.strategy,
        bets.strategy_version,
        bets.league,
        bets.season,
        bets.match_id,
        bets.kickoff_at,
        bets.selection,
        bets.odds_taken,
        bets.odds_source,
        bets.odds_period,
        bets.odds_loaded_at,
        bets.stake,
        bets.bankroll_start,
        bets.bankroll_at_placement,
        bets.p_model,
        bets.p_implied,
        bets.edge,
        bets.model_name,
        bets.model_version,
        bets.model_variant,
        bets.prediction_ref,
        bets.placed_at,
        effective_settlements.settlement_id as effective_settlement_id,
        effective_settlements.revision as effective_revision,
        effective_settlements.outcome as effective_outcome,
        effective_settlements.result as effective_result,
        effective_settlements.profit as effective_profit,
        effective_settlements.closing_odds as effective_closing_odds,
        effective_settlements.clv as effective_clv,
        cast(effective_settlements.net_profit as decimal(14, 2)) as net_profit,
        effective_settlements.last_settled_at
    from bets
    left join effective_settlements
        on bets.bet_id = effective_settlements.bet_id

)

select * from final
