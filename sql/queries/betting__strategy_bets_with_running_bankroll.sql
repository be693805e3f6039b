-- One strategy's bets in one book, in kickoff order, with each bet's outcome and the running
-- bankroll.
-- For: a bettor auditing a strategy bet by bet (live book, or a backtest).
--
-- Parameters:
--   :strategy text = seed    strategy name from ml/strategies.toml (seed, value, kelly, flat)
--   :book text = live        'live', or a backtest id (betting.backtests.backtest_id)
--
-- outcome is the bet's effective settlement (its latest revision); open bets have none. profit
-- sums every settlement and reversal row of the bet, so a corrected result counts once, as
-- corrected; running_bankroll is the starting bankroll plus the profit of this bet and every
-- earlier one.
with

bets as (

    select * from betting.bets
    where
        strategy = :strategy
        and book_id = :book

),

latest_revisions as (

    select
        bet_id,
        max(revision) as revision
    from betting.settlements
    where kind = 'settlement'
    group by bet_id

),

effective as (

    select
        settlements.bet_id,
        settlements.outcome,
        settlements.result,
        settlements.clv
    from betting.settlements as settlements
    inner join latest_revisions
        on
            settlements.bet_id = latest_revisions.bet_id
            and settlements.revision = latest_revisions.revision
    where settlements.kind = 'settlement'

),

profits as (

    select
        bet_id,
        sum(profit) as profit
    from betting.settlements
    group by bet_id

),

final as (

    select
        bets.kickoff_at,
        matches.home_team,
        matches.away_team,
        bets.selection,
        bets.odds_taken,
        bets.odds_source,
        cast(bets.stake as double precision) as stake,
        bets.p_model,
        bets.p_implied,
        effective.result,
        effective.outcome,
        cast(profits.profit as double precision) as profit,
        cast(
            bets.bankroll_start + sum(coalesce(profits.profit, 0)) over (
                order by bets.kickoff_at, bets.bet_id
                rows between unbounded preceding and current row
            ) as double precision
        ) as running_bankroll,
        effective.clv,
        bets.placed_at,
        bets.bet_id
    from bets
    left join marts.mart_match_features as matches
        on bets.match_id = matches.match_id
    left join effective
        on bets.bet_id = effective.bet_id
    left join profits
        on bets.bet_id = profits.bet_id

)

select * from final
order by
    kickoff_at,
    bet_id
