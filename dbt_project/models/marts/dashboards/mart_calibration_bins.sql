{#- The reliability diagram: forecasts in bins of ten probability points per outcome, with the
    mean forecast and how often the outcome happened. Two sources: 'live', the champion's
    predictions in force at kickoff (mart_live_predictions), and 'walk_forward', the
    out-of-sample forecasts of the variant each league's latest training run selected. A
    calibrated model sits on the diagonal (observed_frequency = mean_forecast). -#}
with

live as (

    select * from {{ ref('mart_live_predictions') }}

),

evaluations as (

    select * from {{ ref('mart_model_evaluations_by_season') }}

),

walk_forward as (

    select * from {{ ref('stg_ml__walk_forward_predictions') }}

),

matches as (

    select * from {{ ref('fct_matches') }}

),

selected_variants as (

    select distinct
        run_id,
        league,
        model,
        variant
    from evaluations
    where
        is_latest_run
        and is_selected

),

forecasts as (

    select
        league,
        'live' as source,
        p_home,
        p_draw,
        p_away,
        result
    from live

    union all

    select
        walk_forward.league,
        'walk_forward' as source,
        walk_forward.p_home,
        walk_forward.p_draw,
        walk_forward.p_away,
        matches.result
    from walk_forward
    inner join selected_variants
        on
            walk_forward.run_id = selected_variants.run_id
            and walk_forward.league = selected_variants.league
            and walk_forward.model = selected_variants.model
            and walk_forward.variant = selected_variants.variant
    inner join matches
        on walk_forward.match_id = matches.match_id

),

per_outcome as (

    select
        league,
        source,
        'home' as outcome,
        p_home as forecast,
        case when result = 'H' then 1.0 else 0.0 end as happened
    from forecasts

    union all

    select
        league,
        source,
        'draw' as outcome,
        p_draw as forecast,
        case when result = 'D' then 1.0 else 0.0 end as happened
    from forecasts

    union all

    select
        league,
        source,
        'away' as outcome,
        p_away as forecast,
        case when result = 'A' then 1.0 else 0.0 end as happened
    from forecasts

),

binned as (

    select
        league,
        source,
        outcome,
        cast(floor(least(forecast, 0.999999) * 10) as integer) as bin,
        forecast,
        happened
    from per_outcome

),

final as (

    select
        league,
        source,
        outcome,
        cast(bin as double precision) / 10 as bin_from,
        cast(bin + 1 as double precision) / 10 as bin_to,
        cast(count(*) as integer) as n_forecasts,
        cast(avg(forecast) as double precision) as mean_forecast,
        cast(avg(happened) as double precision) as observed_frequency,
        cast(avg(happened) - avg(forecast) as double precision) as gap
    from binned
    group by
        league,
        source,
        outcome,
        bin

)

select * from final
