-- A training run's walk-forward probabilities of one model and variant: what the champion said
-- out of sample before it was promoted, the reference of the prediction-drift check.
select p_home, p_draw, p_away
from ml.walk_forward_predictions
where run_id = ? and league = ? and model = ? and variant = ?
