-- The backtest the report shows: the source run, model and variant of the league's latest
-- backtest. marts.mart_backtests decides which backtest of each strategy is the latest
-- (is_latest, as book=latest-backtest and the dashboards read it); across strategies, the one
-- created last. A view: a backtest just written is there before the next dbt build.
-- Parameters: league.
select
    source_run_id,
    model,
    variant
from marts.mart_backtests
where
    league = ?
    and is_latest
order by
    created_at desc,
    backtest_id
limit 1
