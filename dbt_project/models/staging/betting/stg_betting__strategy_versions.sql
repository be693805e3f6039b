{#- Each strategy configuration ever used, by its version hash. -#}
with

source as (

    select * from {{ source('betting', 'strategy_versions') }}

),

final as (

    select
        strategy,
        strategy_version,
        rule,
        params,
        recorded_at
    from source

)

select * from final
