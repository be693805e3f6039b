-- Is the model calibrated? When it says 30%, does it happen 30% of the time? Forecasts of the
-- latest training run's selected model in bins of ten points, per outcome.
-- For: a modeller checking calibration; a bettor, because edges on a miscalibrated model are
-- illusions.
--
-- Parameters:
--   :league text = E0    football-data league code
--
-- gap = observed frequency - mean forecast: above 0 the model is too cautious in that bin,
-- below 0 too confident. Bins with few matches are noisy.
with

forecasts as (

    select
        forecasts.p_home,
        forecasts.p_draw,
        forecasts.p_away,
        matches.result
    from ml.walk_forward_predictions as forecasts
    inner join marts.mart_training_runs as runs
        on
            forecasts.run_id = runs.run_id
            and forecasts.model || '/' || forecasts.variant = runs.candidate_label
    inner join marts.fct_matches as matches
        on forecasts.match_id = matches.match_id
    where
        runs.league = :league
        and runs.is_latest

),

per_outcome as (

    select
        'home' as outcome,
        p_home as forecast,
        case when result = 'H' then 1 else 0 end as happened
    from forecasts

    union all

    select
        'draw' as outcome,
        p_draw as forecast,
        case when result = 'D' then 1 else 0 end as happened
    from forecasts

    union all

    select
        'away' as outcome,
        p_away as forecast,
        case when result = 'A' then 1 else 0 end as happened
    from forecasts

),

binned as (

    select
        outcome,
        cast(floor(least(forecast, 0.999999) * 10) as integer) as bin,
        forecast,
        happened
    from per_outcome

),

final as (

    select
        outcome,
        cast(bin as double precision) / 10 as bin_from,
        cast(bin + 1 as double precision) / 10 as bin_to,
        count(*) as matches,
        cast(avg(forecast) as double precision) as mean_forecast,
        cast(avg(happened) as double precision) as observed_frequency,
        cast(avg(happened) - avg(forecast) as double precision) as gap
    from binned
    group by
        outcome,
        bin

)

select * from final
order by
    case outcome when 'home' then 1 when 'draw' then 2 else 3 end,
    bin_from
