-- The walk-forward evaluation of a training run: the model it selected and the market's
-- pre-match and closing prices on the same matches, per season and over all of them.
-- For: GET /v1/model.
--
-- Parameters:
--   :run_id text = none    the training run (MLflow run id)
select
    model,
    variant,
    model_label,
    is_selected,
    season,
    rps,
    log_loss,
    n_matches
from marts.mart_model_evaluations_by_season
where
    run_id = :run_id
    and (is_selected or model in ('market_pre', 'market_close'))
order by season, model, variant
