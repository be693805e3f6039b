-- Whether a backtest is written already. Parameters: backtest id.
select count(*) from betting.backtests where backtest_id = ?
