-- Whether a league has any walk-forward predictions to backtest. Parameter: league.
select count(*)
from ml.walk_forward_predictions
where league = ?
