-- Record a strategy version (append-only). Parameters: strategy, strategy version, rule,
-- params (JSON), recorded at.
insert into betting.strategy_versions (strategy, strategy_version, rule, params, recorded_at)
values (?, ?, ?, ?, ?)
