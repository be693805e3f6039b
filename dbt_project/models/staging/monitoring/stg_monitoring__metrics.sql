{#- One row per metric (and feature) per monitoring run, with the threshold it was judged against. -#}
with

source as (

    select * from {{ source('monitoring', 'metrics') }}

),

final as (

    select
        run_id,
        computed_at,
        as_of,
        league,
        model_version,
        metric,
        feature,
        value,
        threshold,
        status
    from source

)

select * from final
