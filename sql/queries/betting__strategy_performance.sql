-- How has each strategy done? Bets, hit rate, profit, yield, ROI, drawdown and closing line
-- value per strategy in a league, live and in the backtests of the latest training run.
-- For: a bettor comparing strategies, and anyone asking whether the model makes money.
--
-- Parameters:
--   :league text = E0    football-data league code: its live bets and latest training run
--   :season text = all   a season label such as 2024-25, or all for the whole book
--
-- Each league has its own bankroll in the live book, so the live rows are the league's alone.
-- Read from marts.mart_betting_performance: run `plpred transform` after betting, settling or
-- backtesting to refresh it. Against real bookmaker margins yield and ROI are usually
-- negative; a positive average_clv (prices better than the closing line) is the better sign.
with

latest_run as (

    select run_id
    from marts.mart_training_runs
    where
        league = :league
        and is_latest

),

final as (

    select
        performance.mode,
        performance.strategy,
        performance.model,
        performance.variant,
        performance.season,
        performance.bets,
        performance.open_bets,
        performance.hit_rate,
        performance.staked,
        performance.profit,
        performance.yield,
        performance.roi,
        performance.bankroll_end,
        performance.max_drawdown,
        performance.max_drawdown_fraction,
        performance.average_clv,
        performance.book_id
    from marts.mart_betting_performance as performance
    where
        performance.league = :league
        and performance.season = :season
        and (
            performance.mode = 'live'
            or performance.source_run_id in (select run_id from latest_run)
        )

)

select * from final
order by
    mode desc,
    strategy,
    profit desc
