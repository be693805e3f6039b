{#- The latest status of every monitored metric: one row per league, metric and feature, from
    the league's latest monitoring run (by clock). A view, so it is current the moment the
    monitor step stores a run, without a dbt build. The dashboards' and mart_alerts' "now". -#}
{{ config(materialized='view') }}

with

runs as (

    select * from {{ ref('stg_monitoring__runs') }}

),

metrics as (

    select * from {{ ref('stg_monitoring__metrics') }}

),

latest_runs as (

    select
        run_id,
        row_number() over (
            partition by league order by as_of desc, computed_at desc, run_id desc
        ) as newest_first
    from runs

),

final as (

    select
        metrics.league,
        metrics.metric,
        metrics.feature,
        cast(metrics.value as double precision) as value,
        cast(metrics.threshold as double precision) as threshold,
        metrics.status,
        metrics.as_of,
        metrics.computed_at,
        metrics.model_version,
        metrics.run_id
    from metrics
    inner join latest_runs
        on metrics.run_id = latest_runs.run_id
    where latest_runs.newest_first = 1

)

select * from final
