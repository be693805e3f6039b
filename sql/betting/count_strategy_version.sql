-- Whether a strategy version is recorded already. Parameters: strategy, strategy version.
select count(*) from betting.strategy_versions where strategy = ? and strategy_version = ?
