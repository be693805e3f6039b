{#- One row per monitoring run: one league at one clock, with its worst status. -#}
with

source as (

    select * from {{ source('monitoring', 'runs') }}

),

final as (

    select
        run_id,
        league,
        as_of,
        computed_at,
        model_version,
        status,
        n_current,
        n_settled,
        report_path,
        detail
    from source

)

select * from final
