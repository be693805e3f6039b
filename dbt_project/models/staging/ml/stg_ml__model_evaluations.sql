{#- One row per model, variant, evaluated season (or all) and metric of a training run, as ml/modeling/train.py wrote it. -#}
with

source as (

    select * from {{ source('ml', 'model_evaluations') }}

),

final as (

    select
        run_id,
        evaluated_at,
        league,
        model,
        variant,
        season,
        metric,
        value,
        n_matches
    from source

)

select * from final
