-- One model's out-of-sample walk-forward forecasts of one run with the result of each match,
-- for the reliability diagram. Parameters: run id, model, variant.
select
    forecasts.match_id,
    forecasts.season,
    forecasts.p_home,
    forecasts.p_draw,
    forecasts.p_away,
    matches.result as label
from ml.walk_forward_predictions as forecasts
inner join marts.fct_matches as matches
    on forecasts.match_id = matches.match_id
where
    forecasts.run_id = ?
    and forecasts.model = ?
    and forecasts.variant = ?
