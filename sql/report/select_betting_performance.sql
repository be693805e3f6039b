-- How each strategy did in one league: its live book (the league's own bankroll) and the
-- backtests of one source run, model and variant; every season and the whole book ('all').
-- Parameters: source run id, model, variant, league.
select
    performance.book_id,
    performance.mode,
    performance.strategy,
    performance.season,
    performance.bets,
    performance.open_bets,
    performance.wins,
    performance.losses,
    performance.voids,
    performance.hit_rate,
    performance.staked,
    performance.profit,
    performance.yield,
    performance.roi,
    performance.bankroll_start,
    performance.bankroll_end,
    performance.max_drawdown,
    performance.max_drawdown_fraction,
    performance.average_clv
from marts.mart_betting_performance as performance
left join betting.backtests as backtests
    on performance.book_id = backtests.backtest_id
where
    (
        performance.book_id = 'live'
        or (
            backtests.source_run_id = ?
            and backtests.model = ?
            and backtests.variant = ?
        )
    )
    and performance.league = ?
order by
    performance.mode,
    performance.strategy,
    performance.season
