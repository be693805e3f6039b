-- The clock of the league's last full retrain carried out by the clock.
select max(as_of)
from monitoring.retraining_decisions
where league = ? and action = 'retrain' and executed_at is not null and as_of <= ?
