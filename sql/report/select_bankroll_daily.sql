-- The bankroll of each strategy at the end of every day it moved in one league: its live book
-- (the league's own bankroll) and the backtests of one source run, model and variant.
-- Parameters: source run id, model, variant, league.
select
    daily.book_id,
    daily.mode,
    daily.strategy,
    daily.day,
    daily.bets_placed,
    daily.profit,
    daily.bankroll,
    daily.open_stakes
from marts.mart_bankroll_daily as daily
left join betting.backtests as backtests
    on daily.book_id = backtests.backtest_id
where
    (
        daily.book_id = 'live'
        or (
            backtests.source_run_id = ?
            and backtests.model = ?
            and backtests.variant = ?
        )
    )
    and daily.league = ?
order by
    daily.mode,
    daily.strategy,
    daily.day
