{{ config(materialized='view') }}

{#- Every run of the catalogue (ops.runs keeps one row per status change: running, then
    success or failed), one row per run with its latest status: plpred run, a replay tick, an
    Airflow DAG run (kind 'dag') or a single command. as_of is the run's clock; started_at and
    finished_at are when the rows were recorded (wall-clock time, UTC). -#}
with

runs as (

    select * from {{ ref('stg_ops__runs') }}

),

ranked as (

    select
        runs.*,
        row_number() over (
            partition by run_id
            order by recorded_at desc, status
        ) as newest_first,
        min(recorded_at) over (partition by run_id) as started_at
    from runs

),

final as (

    select
        run_id,
        kind,
        league,
        as_of,
        status,
        detail,
        started_at,
        case when status <> 'running' then recorded_at end as finished_at
    from ranked
    where newest_first = 1

)

select * from final
