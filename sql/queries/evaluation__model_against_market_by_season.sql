-- Does the model beat the market? RPS, log loss and accuracy per season, latest training run.
-- For: whoever decides whether the model is worth betting on or worth more work.
--
-- Parameters:
--   :league text = E0    football-data league code
--
-- The model is the one the latest training run (marts.mart_training_runs) selected (the best
-- walk-forward RPS among the candidates); market_pre is the pre-match market average and
-- market_close the closing price (Pinnacle's where published, else the market average's:
-- fct_matches.yardstick_close_*), both with the margin removed. Every row compares the same
-- matches.
-- Lower RPS and log loss are better; rps_vs_market_pre below 0 means the model was better.
with

evaluations as (

    select
        evaluations.season,
        evaluations.metric,
        evaluations.value,
        evaluations.n_matches,
        runs.candidate_label,
        case
            when evaluations.model || '/' || evaluations.variant = runs.candidate_label
                then 'model'
            else evaluations.model
        end as role
    from ml.model_evaluations as evaluations
    inner join marts.mart_training_runs as runs
        on evaluations.run_id = runs.run_id
    where
        runs.league = :league
        and runs.is_latest
        and runs.candidate_label is not null

),

pivoted as (

    select
        season,
        max(candidate_label) as model,
        max(n_matches) as n_matches,
        max(case when role = 'model' and metric = 'rps' then value end) as model_rps,
        max(case when role = 'market_pre' and metric = 'rps' then value end) as market_pre_rps,
        max(case when role = 'market_close' and metric = 'rps' then value end)
            as market_close_rps,
        max(case when role = 'model' and metric = 'log_loss' then value end) as model_log_loss,
        max(case when role = 'market_pre' and metric = 'log_loss' then value end)
            as market_pre_log_loss,
        max(case when role = 'model' and metric = 'accuracy' then value end) as model_accuracy,
        max(case when role = 'market_pre' and metric = 'accuracy' then value end)
            as market_pre_accuracy
    from evaluations
    group by season

),

final as (

    select
        season,
        model,
        n_matches,
        model_rps,
        market_pre_rps,
        market_close_rps,
        model_rps - market_pre_rps as rps_vs_market_pre,
        model_log_loss,
        market_pre_log_loss,
        model_accuracy,
        market_pre_accuracy
    from pivoted

)

select * from final
order by
    case when season = 'all' then 1 else 0 end,
    season
