-- The model and variant a training run selected (put forward as candidate), from
-- mart_training_runs: what a simulated backtest replays when none is named.
-- Parameters: run id, league.
select
    split_part(candidate_label, '/', 1) as model,
    split_part(candidate_label, '/', 2) as variant
from marts.mart_training_runs
where run_id = ? and league = ? and candidate_label is not null
limit 1
