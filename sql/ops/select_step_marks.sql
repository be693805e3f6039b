-- Per step and league, the sequence number of its last completed run and of its last run that
-- changed something (ml/orchestration/steps.py decides from them whether a step is due, per
-- league for the steps that run per league).
select
    step,
    league,
    max(case when status = 'done' then seq end) as last_done,
    max(case when changed then seq end) as last_changed
from ops.step_runs
group by step, league
