-- The walk-forward runs of a league with when they were evaluated, to find the latest.
-- Parameters: league.
select
    runs.run_id,
    (select max(e.evaluated_at) from ml.model_evaluations as e where e.run_id = runs.run_id)
        as evaluated_at
from (
    select distinct run_id from ml.walk_forward_predictions where league = ?
) as runs
