-- The models and variants a walk-forward run predicted for a league.
-- Parameters: run id, league.
select distinct model, variant from ml.walk_forward_predictions
where run_id = ? and league = ?
order by model, variant
