-- The backtest the report shows: the source run, model and variant of the league's latest
-- backtest over every strategy, as marts.mart_backtests decides it (is_latest_of_league, which
-- book=latest-backtest reads too). A view: a backtest just written is there before the next
-- dbt build. Parameters: league.
select
    source_run_id,
    model,
    variant
from marts.mart_backtests
where
    league = ?
    and is_latest_of_league
