{#- One row per status change of a run of the catalogue (running, then success or failed). -#}
with

source as (

    select * from {{ source('ops', 'runs') }}

),

final as (

    select
        run_id,
        kind,
        league,
        as_of,
        status,
        detail,
        recorded_at
    from source

)

select * from final
