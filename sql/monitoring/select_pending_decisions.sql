-- Decisions to refit or retrain that no step has carried out yet, decided by the clock.
select decision_id, action, trigger, reason, as_of
from monitoring.retraining_decisions
where league = ? and action <> 'none' and executed_at is null and as_of <= ?
order by as_of, decided_at
