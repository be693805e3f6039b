-- RPS, log loss and accuracy of every model and variant of one training run, per evaluated
-- season and over the whole window (season 'all'), on the matches every model predicted.
-- Parameters: run id.
select
    model,
    variant,
    season,
    metric,
    value,
    n_matches
from ml.model_evaluations
where
    run_id = ?
    and metric in ('rps', 'log_loss', 'accuracy')
order by
    model,
    variant,
    season,
    metric
