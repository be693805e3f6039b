-- Register a backtest (append-only). Parameters: backtest id, source run id, league, model,
-- variant, strategy, strategy version, lead hours, results delay hours, predictions, bets,
-- created at.
insert into betting.backtests (
    backtest_id, source_run_id, league, model, variant, strategy, strategy_version,
    lead_hours, results_delay_hours, n_predictions, n_bets, created_at
)
values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
