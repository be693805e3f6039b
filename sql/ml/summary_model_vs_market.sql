-- plpred run's closing summary: how every model of the latest training run did against the
-- market on the latest evaluated season. Parameter: league.
with

latest_run as (

    select run_id
    from marts.mart_training_runs
    where
        league = ?
        and is_latest

),

latest_season as (

    select max(evaluations.season) as season
    from ml.model_evaluations as evaluations
    inner join latest_run on evaluations.run_id = latest_run.run_id
    where evaluations.season <> 'all'

)

select
    evaluations.model,
    evaluations.variant,
    evaluations.season,
    max(case when evaluations.metric = 'rps' then evaluations.value end) as rps,
    max(case when evaluations.metric = 'log_loss' then evaluations.value end) as log_loss,
    max(case when evaluations.metric = 'accuracy' then evaluations.value end) as accuracy,
    max(evaluations.n_matches) as n_matches
from ml.model_evaluations as evaluations
inner join latest_run on evaluations.run_id = latest_run.run_id
inner join latest_season on evaluations.season = latest_season.season
group by evaluations.model, evaluations.variant, evaluations.season
order by rps
