-- Per step, the sequence number of its last completed run and of its last run that changed
-- something (ml/orchestration/steps.py decides from them whether a step is due).
select
    step,
    max(case when status = 'done' then seq end) as last_done,
    max(case when changed then seq end) as last_changed
from ops.step_runs
group by step
