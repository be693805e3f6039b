-- Does the model beat the market? RPS, log loss and accuracy per season, latest training run.
-- For: whoever decides whether the model is worth betting on or worth more work.
--
-- Parameters:
--   :league text = E0    football-data league code
--
-- The model is the one the latest run of ml.model_evaluations selected (the best walk-forward
-- RPS among the candidates); market_pre is the pre-match market average and market_close the
-- closing price (Pinnacle's where published, else the market average's), both with the margin
-- removed. Every row compares the same matches.
-- Lower RPS and log loss are better; rps_vs_market_pre below 0 means the model was better.
with

latest_run as (

    select run_id
    from ml.model_evaluations
    where league = :league
    group by run_id
    order by max(evaluated_at) desc, run_id desc
    limit 1

),

selected as (

    select
        decisions.run_id,
        decisions.candidate_label
    from ml.champion_decisions as decisions
    inner join latest_run
        on decisions.run_id = latest_run.run_id

),

evaluations as (

    select
        evaluations.season,
        evaluations.metric,
        evaluations.value,
        evaluations.n_matches,
        selected.candidate_label,
        case
            when evaluations.model || '/' || evaluations.variant = selected.candidate_label
                then 'model'
            else evaluations.model
        end as role
    from ml.model_evaluations as evaluations
    inner join selected
        on evaluations.run_id = selected.run_id

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
