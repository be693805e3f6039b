{#- One row per played match of every league in the raw tables: result, half-time, match
    statistics and the market's view of the match before kickoff (pre-match prices) and at
    kickoff (closing prices), with implied probabilities and overrounds.
    Closing prices are here for evaluation only (how good was a model, compared with the market
    at kickoff); they must never feed a prediction and are not in mart_match_features. -#}
with

matches as (

    select * from {{ ref('int_matches_unioned_with_fixtures') }}

),

probabilities as (

    select * from {{ ref('int_odds_devigged_to_probabilities') }}

),

played as (

    select * from matches
    where is_played

),

prematch_market as (

    select * from probabilities
    where price_set = 'prematch_market'

),

prematch_max as (

    select * from probabilities
    where price_set = 'prematch_max'

),

prematch_pinnacle as (

    select * from probabilities
    where price_set = 'prematch_pinnacle'

),

closing_pinnacle as (

    select * from probabilities
    where price_set = 'closing_pinnacle'

),

closing_market as (

    select * from probabilities
    where price_set = 'closing_market'

),

final as (

    select
        played.match_id,
        played.league,
        played.season,
        played.season_code,
        played.kickoff_date,
        played.kickoff_time,
        played.kickoff_at,
        {{ dbt.hash('played.home_team') }} as home_team_id,
        played.home_team,
        {{ dbt.hash('played.away_team') }} as away_team_id,
        played.away_team,
        cast(played.home_goals as integer) as home_goals,
        cast(played.away_goals as integer) as away_goals,
        case
            when played.home_goals > played.away_goals then 'H'
            when played.home_goals = played.away_goals then 'D'
            else 'A'
        end as result,
        cast(played.ht_home_goals as integer) as ht_home_goals,
        cast(played.ht_away_goals as integer) as ht_away_goals,
        played.ht_result,
        played.referee,
        cast(played.home_shots as integer) as home_shots,
        cast(played.away_shots as integer) as away_shots,
        cast(played.home_shots_on_target as integer) as home_shots_on_target,
        cast(played.away_shots_on_target as integer) as away_shots_on_target,
        cast(played.home_corners as integer) as home_corners,
        cast(played.away_corners as integer) as away_corners,
        cast(played.home_fouls as integer) as home_fouls,
        cast(played.away_fouls as integer) as away_fouls,
        cast(played.home_yellows as integer) as home_yellows,
        cast(played.away_yellows as integer) as away_yellows,
        cast(played.home_reds as integer) as home_reds,
        cast(played.away_reds as integer) as away_reds,
        prematch_market.bookmaker as prematch_market_bookmaker,
        prematch_market.home_odds as prematch_market_home_odds,
        prematch_market.draw_odds as prematch_market_draw_odds,
        prematch_market.away_odds as prematch_market_away_odds,
        prematch_market.overround as prematch_market_overround,
        prematch_market.home_prob_proportional as prematch_market_home_prob_proportional,
        prematch_market.draw_prob_proportional as prematch_market_draw_prob_proportional,
        prematch_market.away_prob_proportional as prematch_market_away_prob_proportional,
        prematch_market.home_prob_power as prematch_market_home_prob_power,
        prematch_market.draw_prob_power as prematch_market_draw_prob_power,
        prematch_market.away_prob_power as prematch_market_away_prob_power,
        prematch_max.home_odds as prematch_max_home_odds,
        prematch_max.draw_odds as prematch_max_draw_odds,
        prematch_max.away_odds as prematch_max_away_odds,
        prematch_pinnacle.home_odds as prematch_pinnacle_home_odds,
        prematch_pinnacle.draw_odds as prematch_pinnacle_draw_odds,
        prematch_pinnacle.away_odds as prematch_pinnacle_away_odds,
        closing_pinnacle.home_odds as closing_pinnacle_home_odds,
        closing_pinnacle.draw_odds as closing_pinnacle_draw_odds,
        closing_pinnacle.away_odds as closing_pinnacle_away_odds,
        closing_pinnacle.overround as closing_pinnacle_overround,
        closing_pinnacle.home_prob_proportional as closing_pinnacle_home_prob_proportional,
        closing_pinnacle.draw_prob_proportional as closing_pinnacle_draw_prob_proportional,
        closing_pinnacle.away_prob_proportional as closing_pinnacle_away_prob_proportional,
        closing_pinnacle.home_prob_power as closing_pinnacle_home_prob_power,
        closing_pinnacle.draw_prob_power as closing_pinnacle_draw_prob_power,
        closing_pinnacle.away_prob_power as closing_pinnacle_away_prob_power,
        closing_market.home_odds as closing_market_home_odds,
        closing_market.draw_odds as closing_market_draw_odds,
        closing_market.away_odds as closing_market_away_odds,
        closing_market.overround as closing_market_overround,
        closing_market.home_prob_proportional as closing_market_home_prob_proportional,
        closing_market.draw_prob_proportional as closing_market_draw_prob_proportional,
        closing_market.away_prob_proportional as closing_market_away_prob_proportional,
        closing_market.home_prob_power as closing_market_home_prob_power,
        closing_market.draw_prob_power as closing_market_draw_prob_power,
        closing_market.away_prob_power as closing_market_away_prob_power
    from played
    left join prematch_market
        on played.match_id = prematch_market.match_id
    left join prematch_max
        on played.match_id = prematch_max.match_id
    left join prematch_pinnacle
        on played.match_id = prematch_pinnacle.match_id
    left join closing_pinnacle
        on played.match_id = closing_pinnacle.match_id
    left join closing_market
        on played.match_id = closing_market.match_id

)

select * from final
