-- The league's latest training run and the model it selected (ml.champion_decisions), whether
-- or not that model became champion: the run whose evaluation the report shows.
-- marts.mart_training_runs decides which run is the latest (a view: current without a build).
-- Parameters: league.
select
    run_id,
    evaluated_at,
    candidate_label,
    candidate_version,
    decision,
    reason
from marts.mart_training_runs
where
    league = ?
    and is_latest
