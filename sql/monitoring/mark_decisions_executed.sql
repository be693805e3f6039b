-- A train or refit step carried out the pending decisions it names.
update monitoring.retraining_decisions
set executed_at = ?, model_version_after = ?
where decision_id = ?
