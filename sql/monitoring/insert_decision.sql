insert into monitoring.retraining_decisions (
    decision_id, decided_at, as_of, league, trigger, reason, action, model_version_before,
    model_version_after, executed_at, monitoring_run_id
) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
