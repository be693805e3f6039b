-- One strategy's bets in one book, in kickoff order, with each bet's outcome and the running
-- bankroll.
-- For: a bettor auditing a strategy bet by bet (live book, or a backtest).
--
-- Parameters:
--   :strategy text = seed    strategy name from ml/strategies.toml (seed, value, kelly, flat)
--   :book text = live        'live', a backtest id, or latest-backtest
--   :league text = E0        football-data league code of the live book, or of latest-backtest
--
-- book: the live book, or one backtest of the strategy: `plpred sql betting__books` lists the
-- books with their ids, and latest-backtest (resolved by `plpred sql`, ml/warehouse/queries.py) names
-- the strategy's latest backtest in the league, the one betting__books marks
-- is_latest_backtest. Pasted into duckdb or psql, the query needs the id itself. The live book
-- holds every league's bets, each league with its own bankroll: book=live shows the league's;
-- a backtest holds one league's bets, whatever the league given.
-- outcome is the bet's effective settlement (its latest revision); open bets have none. profit
-- sums every settlement and reversal row of the bet, so a corrected result counts once, as
-- corrected (both from marts.mart_settled_bets, a view: current without a build);
-- running_bankroll is the starting bankroll plus the profit of this bet and every earlier one.
-- Times are shown in UK time (kickoff_at_uk, placed_at_uk), converted from the stored UTC with
-- AT TIME ZONE, which DuckDB and Postgres read alike.
with

bets as (

    select * from marts.mart_settled_bets
    where
        strategy = :strategy
        and book_id = :book
        and (book_id <> 'live' or league = :league)

),

final as (

    select
        (bets.kickoff_at at time zone 'UTC') at time zone 'Europe/London' as kickoff_at_uk,
        matches.home_team,
        matches.away_team,
        bets.selection,
        bets.odds_taken,
        bets.odds_source,
        cast(bets.stake as double precision) as stake,
        bets.p_model,
        bets.p_implied,
        bets.effective_result as result,
        bets.effective_outcome as outcome,
        cast(bets.net_profit as double precision) as profit,
        cast(
            bets.bankroll_start + sum(coalesce(bets.net_profit, 0)) over (
                order by bets.kickoff_at, bets.bet_id
                rows between unbounded preceding and current row
            ) as double precision
        ) as running_bankroll,
        bets.effective_clv as clv,
        (bets.placed_at at time zone 'UTC') at time zone 'Europe/London' as placed_at_uk,
        bets.bet_id,
        bets.kickoff_at
    from bets
    left join marts.mart_match_features as matches
        on bets.match_id = matches.match_id

)

select
    kickoff_at_uk,
    home_team,
    away_team,
    selection,
    odds_taken,
    odds_source,
    stake,
    p_model,
    p_implied,
    result,
    outcome,
    profit,
    running_bankroll,
    clv,
    placed_at_uk,
    bet_id
from final
order by
    kickoff_at,
    bet_id
