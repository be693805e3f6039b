-- How many times a step completed for a league in one run (a DAG run's tasks share its run id).
-- Parameters: run id, step, league.
select count(*)
from ops.step_runs
where run_id = ? and step = ? and league = ? and status = 'done'
