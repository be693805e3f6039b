-- The clock of a step's last completed run for a league (ml/orchestration/steps.py: a step
-- that depends on the clock as well as on its inputs compares it with the current one).
select max(as_of)
from ops.step_runs
where step = ? and league = ? and status = 'done'
