{#- Out-of-sample walk-forward forecasts of a training run, one row per model, variant and match. -#}
with

source as (

    select * from {{ source('ml', 'walk_forward_predictions') }}

),

final as (

    select
        run_id,
        league,
        model,
        variant,
        match_id,
        season,
        p_home,
        p_draw,
        p_away
    from source

)

select * from final
