-- The backtests of a league (one per source run, model, variant and strategy version), newest
-- first, so the report can pick the ones replaying the latest training run.
-- Parameters: league.
select
    backtest_id,
    source_run_id,
    model,
    variant,
    strategy,
    n_bets,
    created_at
from betting.backtests
where league = ?
order by
    created_at desc,
    backtest_id
