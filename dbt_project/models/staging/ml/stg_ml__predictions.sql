{#- The champion's predictions of matches after its training data, one row per model version and match. -#}
with

source as (

    select * from {{ source('ml', 'predictions') }}

),

final as (

    select
        prediction_id,
        match_id,
        league,
        model_name,
        model_version,
        model_label,
        p_home,
        p_draw,
        p_away,
        expected_home_goals,
        expected_away_goals,
        p_over_2_5,
        predicted_at,
        features_as_of
    from source

)

select * from final
