-- The walk-forward runs of a league that a backtest can replay, and which of them is the
-- league's latest training run. marts.mart_training_runs decides "latest" (is_latest); it is
-- a view, so a run that train has just written is there before the next dbt build.
-- Parameters: league.
select
    runs.run_id,
    coalesce(training_runs.is_latest, false) as is_latest
from (
    select distinct run_id, league from ml.walk_forward_predictions where league = ?
) as runs
left join marts.mart_training_runs as training_runs
    on runs.run_id = training_runs.run_id and runs.league = training_runs.league
order by runs.run_id
