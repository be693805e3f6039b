-- Every retraining decision of a league in clock order: what the policy decided and why, and
-- which model it left (benchmarks/replay.py prints it after a replay).
select as_of, trigger, action, model_version_before, model_version_after, executed_at, reason
from monitoring.retraining_decisions
where league = ?
order by as_of, decided_at
