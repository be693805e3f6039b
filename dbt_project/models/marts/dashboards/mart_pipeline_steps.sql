{{ config(materialized='view') }}

{#- Every step the catalogue executed (ops.step_runs), with the kind of run it belonged to
    (run, replay, dag or command, from ops.runs): status done, skipped or failed, whether it
    changed anything, its clock (as_of) and how long it took. is_dbt_step marks the dbt builds
    (transform and the ledger marts): a failed one is a failed dbt model or test, named in
    detail; is_latest_dbt_step marks each league's newest one. A view, current the moment a
    step writes its row. -#}
with

step_runs as (

    select * from {{ ref('stg_ops__step_runs') }}

),

runs as (

    select * from {{ ref('mart_pipeline_runs') }}

),

final as (

    select
        step_runs.seq,
        step_runs.run_id,
        runs.kind as run_kind,
        step_runs.step,
        step_runs.league,
        step_runs.as_of,
        step_runs.status,
        step_runs.changed,
        step_runs.step in ('transform', 'marts') as is_dbt_step,
        step_runs.step in ('transform', 'marts')
        and row_number() over (
            partition by step_runs.league, step_runs.step in ('transform', 'marts')
            order by step_runs.seq desc
        ) = 1 as is_latest_dbt_step,
        step_runs.detail,
        cast(step_runs.seconds as double precision) as seconds,
        step_runs.finished_at
    from step_runs
    left join runs
        on step_runs.run_id = runs.run_id

)

select * from final
