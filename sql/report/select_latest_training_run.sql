-- The league's latest training run and the model it selected (ml.champion_decisions), whether
-- or not that model became champion: the run whose evaluation the report shows.
-- Parameters: league.
with

runs as (

    select
        run_id,
        max(evaluated_at) as evaluated_at
    from ml.model_evaluations
    where league = ?
    group by run_id

),

latest as (

    select
        run_id,
        evaluated_at
    from runs
    order by evaluated_at desc, run_id desc
    limit 1

)

select
    latest.run_id,
    latest.evaluated_at,
    decisions.candidate_label,
    decisions.candidate_version,
    decisions.decision,
    decisions.reason
from latest
left join ml.champion_decisions as decisions
    on latest.run_id = decisions.run_id
