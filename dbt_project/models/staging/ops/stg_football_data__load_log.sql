{#- One row per attempt to load a football-data file, and one ('started') written before each
    load begins. The loads' own record, read by the pipeline marts; it lives with the other run
    records (ops) because it describes runs, not football. -#}
with

source as (

    select * from {{ source('football_data', 'load_log') }}

),

final as (

    select
        load_id,
        source_uri,
        source_file,
        file_kind,
        league,
        season,
        file_hash,
        status,
        rows_in_file,
        rows_inserted,
        rows_unchanged,
        rows_rejected,
        message,
        started_at,
        finished_at,
        known_at
    from source

)

select * from final
