-- The last dbt build of the marts that ran (not skipped): its step, status and clock. Steps
-- that read marts refuse to run when it failed (ml/orchestration/steps.py).
select step, status, as_of
from ops.step_runs
where step in ('transform', 'marts') and status in ('done', 'partial', 'failed')
order by seq desc
limit 1
