{#- The champion's live record, one row per played match it predicted before kickoff: the
    prediction in force at kickoff (the newest one made before it, by whichever version was
    champion then: int_predictions_ranked decides), beside the market's pre-match view (average odds, margin removed
    proportionally: what a bettor could take) and its closing view (Pinnacle's closing odds,
    else the market average's: the yardstick), with the RPS and log loss of each on the same
    match. The replay summary, the report and the dashboards read their live numbers here.
    RPS is the two-cumulative-step form divided by 2, as in ml/models/metrics.py. -#}
with

predictions as (

    select * from {{ ref('int_predictions_ranked') }}

),

matches as (

    select * from {{ ref('fct_matches') }}

),

in_force as (

    select * from predictions
    where newest_before_kickoff_first = 1

),

joined as (

    select
        matches.match_id,
        matches.league,
        matches.season,
        matches.kickoff_at,
        matches.kickoff_at_uk,
        matches.home_team,
        matches.away_team,
        matches.result,
        in_force.model_name,
        in_force.model_version,
        in_force.model_label,
        in_force.predicted_at,
        in_force.p_home,
        in_force.p_draw,
        in_force.p_away,
        matches.prematch_market_home_prob_proportional as market_pre_p_home,
        matches.prematch_market_draw_prob_proportional as market_pre_p_draw,
        matches.prematch_market_away_prob_proportional as market_pre_p_away,
        coalesce(
            matches.closing_pinnacle_home_prob_proportional,
            matches.closing_market_home_prob_proportional
        ) as market_close_p_home,
        coalesce(
            matches.closing_pinnacle_draw_prob_proportional,
            matches.closing_market_draw_prob_proportional
        ) as market_close_p_draw,
        coalesce(
            matches.closing_pinnacle_away_prob_proportional,
            matches.closing_market_away_prob_proportional
        ) as market_close_p_away,
        case when matches.result = 'H' then 1.0 else 0.0 end as is_home,
        case when matches.result = 'D' then 1.0 else 0.0 end as is_draw
    from in_force
    inner join matches
        on in_force.match_id = matches.match_id
    where matches.result in ('H', 'D', 'A')

),

final as (

    select
        match_id,
        league,
        season,
        kickoff_at,
        kickoff_at_uk,
        home_team,
        away_team,
        result,
        model_name,
        model_version,
        model_label,
        predicted_at,
        p_home,
        p_draw,
        p_away,
        market_pre_p_home,
        market_pre_p_draw,
        market_pre_p_away,
        market_close_p_home,
        market_close_p_draw,
        market_close_p_away,
        cast((
            power(p_home - is_home, 2) + power(p_home + p_draw - is_home - is_draw, 2)
        ) / 2.0 as double precision) as model_rps,
        cast((
            power(market_pre_p_home - is_home, 2)
            + power(market_pre_p_home + market_pre_p_draw - is_home - is_draw, 2)
        ) / 2.0 as double precision) as market_pre_rps,
        cast((
            power(market_close_p_home - is_home, 2)
            + power(market_close_p_home + market_close_p_draw - is_home - is_draw, 2)
        ) / 2.0 as double precision) as market_close_rps,
        cast(-ln(
            case result when 'H' then p_home when 'D' then p_draw else p_away end
        ) as double precision) as model_log_loss,
        cast(-ln(
            case result
                when 'H' then market_pre_p_home
                when 'D' then market_pre_p_draw
                else market_pre_p_away
            end
        ) as double precision) as market_pre_log_loss,
        cast(-ln(
            case result
                when 'H' then market_close_p_home
                when 'D' then market_close_p_draw
                else market_close_p_away
            end
        ) as double precision) as market_close_log_loss
    from joined

)

select * from final
