{{ config(materialized='view') }}

{#- Every attempt to load a football-data file (raw.load_log), for the pipeline dashboard, so
    that Grafana's read-only role needs nothing on raw: one row per load with its status
    (loaded, unchanged, refused, failed), the rows it read, inserted, found unchanged and
    rejected, and when. known_at is the clock the file was loaded at (the as_of of the run:
    the snapshot time in a replay), the time the dashboards plot; fixtures.csv covers every
    league, so its league is 'all'. -#}
with

load_log as (

    select * from {{ ref('stg_football_data__load_log') }}

),

final as (

    select
        load_id,
        coalesce(league, 'all') as league,
        season,
        file_kind,
        source_file,
        status,
        status in ('loaded', 'unchanged') as is_success,
        cast(coalesce(rows_in_file, 0) as integer) as rows_in_file,
        cast(coalesce(rows_inserted, 0) as integer) as rows_inserted,
        cast(coalesce(rows_unchanged, 0) as integer) as rows_unchanged,
        cast(coalesce(rows_rejected, 0) as integer) as rows_rejected,
        message,
        started_at,
        finished_at,
        coalesce(known_at, finished_at, started_at) as known_at
    from load_log
    -- the row written before a load starts; the load's own row (or the failed row that closes
    -- an interrupted load) follows it
    where status <> 'started'

)

select * from final
