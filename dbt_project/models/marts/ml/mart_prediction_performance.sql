{#- How the champion's live predictions did, next to the market on the same matches: one row
    per model version, league, season and matchweek (the Monday that starts the week of the
    kickoff). Only predictions of matches that have been played count; the market is the
    pre-match average odds with the margin removed proportionally (what a bettor could take).
    RPS here is the two-cumulative-step form divided by 2, as in ml/models/metrics.py. -#}
with

predictions as (

    select * from {{ ref('stg_ml__predictions') }}

),

matches as (

    select * from {{ ref('fct_matches') }}

),

scored as (

    select
        predictions.model_name,
        predictions.model_version,
        predictions.model_label,
        matches.league,
        matches.season,
        cast({{ dbt.date_trunc('week', 'matches.kickoff_date') }} as date) as matchweek_start,
        matches.match_id,
        matches.result,
        predictions.p_home,
        predictions.p_draw,
        predictions.p_away,
        matches.prematch_market_home_prob_proportional as market_p_home,
        matches.prematch_market_draw_prob_proportional as market_p_draw,
        matches.prematch_market_away_prob_proportional as market_p_away,
        case when matches.result = 'H' then 1.0 else 0.0 end as is_home,
        case when matches.result = 'D' then 1.0 else 0.0 end as is_draw
    from predictions
    inner join matches
        on predictions.match_id = matches.match_id
    where matches.prematch_market_home_prob_proportional is not null

),

per_match as (

    select
        model_name,
        model_version,
        model_label,
        league,
        season,
        matchweek_start,
        match_id,
        (
            power(p_home - is_home, 2)
            + power(p_home + p_draw - is_home - is_draw, 2)
        ) / 2.0 as rps,
        -ln(
            case result when 'H' then p_home when 'D' then p_draw else p_away end
        ) as log_loss,
        case
            when p_home >= p_draw and p_home >= p_away then 'H'
            when p_draw >= p_away then 'D'
            else 'A'
        end = result as is_correct,
        (
            power(market_p_home - is_home, 2)
            + power(market_p_home + market_p_draw - is_home - is_draw, 2)
        ) / 2.0 as market_rps,
        -ln(
            case result when 'H' then market_p_home when 'D' then market_p_draw else market_p_away end
        ) as market_log_loss,
        case
            when market_p_home >= market_p_draw and market_p_home >= market_p_away then 'H'
            when market_p_draw >= market_p_away then 'D'
            else 'A'
        end = result as market_is_correct
    from scored

),

final as (

    select
        model_name,
        model_version,
        max(model_label) as model_label,
        league,
        season,
        matchweek_start,
        count(*) as n_matches,
        cast(avg(rps) as double precision) as rps,
        cast(avg(log_loss) as double precision) as log_loss,
        cast(avg(case when is_correct then 1.0 else 0.0 end) as double precision) as accuracy,
        cast(avg(market_rps) as double precision) as market_rps,
        cast(avg(market_log_loss) as double precision) as market_log_loss,
        cast(
            avg(case when market_is_correct then 1.0 else 0.0 end) as double precision
        ) as market_accuracy
    from per_match
    group by
        model_name,
        model_version,
        league,
        season,
        matchweek_start

)

select * from final
