{#- One row per training run (a run that stored a walk-forward evaluation), with the model it
    selected and what was decided about it, and is_latest on each league's latest run: the
    one place that says which run is "the latest" (newest evaluated_at, then the greater
    run_id). The named queries, the report and plpred run's summary read it.
    A view, not a table: train writes its evaluation between two dbt builds, and whoever asks
    right after training (plpred run's summary, the report) must see that run. -#}
{{ config(materialized='view') }}

with

evaluations as (

    select * from {{ ref('stg_ml__model_evaluations') }}

),

decisions as (

    select * from {{ ref('stg_ml__champion_decisions') }}

),

runs as (

    select
        run_id,
        league,
        max(evaluated_at) as evaluated_at
    from evaluations
    group by
        run_id,
        league

),

ranked as (

    select
        *,
        row_number() over (
            partition by league
            order by evaluated_at desc, run_id desc
        ) as newest_first
    from runs

),

final as (

    select
        ranked.run_id,
        ranked.league,
        ranked.evaluated_at,
        decisions.model_name,
        decisions.candidate_label,
        decisions.candidate_version,
        decisions.decision,
        decisions.reason,
        ranked.newest_first = 1 as is_latest
    from ranked
    left join decisions
        on ranked.run_id = decisions.run_id

)

select * from final
