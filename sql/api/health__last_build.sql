-- The last dbt build of the marts that ran (not skipped): its step, status and clock.
-- For: GET /v1/ready, which answers 503 while the last build failed.
select step, status, as_of
from ops.step_runs
where step in ('transform', 'marts') and status in ('done', 'partial', 'failed')
order by seq desc
limit 1
