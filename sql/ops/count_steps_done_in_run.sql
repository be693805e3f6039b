-- How many times a step completed in one run (a DAG run's tasks share its run id).
-- Parameters: run id, step.
select count(*)
from ops.step_runs
where run_id = ? and step = ? and status = 'done'
