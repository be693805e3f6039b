{#- One row per played match of every league in the raw tables: result, half-time, match
    statistics and the market's view of the match before kickoff (pre-match prices) and at
    kickoff (closing prices), with implied probabilities and overrounds.
    Closing prices are here for evaluation only (how good was a model, compared with the market
    at kickoff); they must never feed a prediction and are not in mart_match_features. -#}
with

matches as (

    select * from {{ ref('int_matches_unioned_with_fixtures') }}

),

odds as (

    select * from {{ ref('int_odds_pivoted_to_matches') }}

),

played as (

    select * from matches
    where is_played

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
        played.kickoff_at_uk,
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
        odds.prematch_market_bookmaker,
        odds.prematch_market_home_odds,
        odds.prematch_market_draw_odds,
        odds.prematch_market_away_odds,
        odds.prematch_market_overround,
        odds.prematch_market_home_prob_proportional,
        odds.prematch_market_draw_prob_proportional,
        odds.prematch_market_away_prob_proportional,
        odds.prematch_market_home_prob_power,
        odds.prematch_market_draw_prob_power,
        odds.prematch_market_away_prob_power,
        odds.prematch_max_home_odds,
        odds.prematch_max_draw_odds,
        odds.prematch_max_away_odds,
        odds.prematch_pinnacle_home_odds,
        odds.prematch_pinnacle_draw_odds,
        odds.prematch_pinnacle_away_odds,
        odds.prematch_pinnacle_home_prob,
        odds.prematch_pinnacle_draw_prob,
        odds.prematch_pinnacle_away_prob,
        odds.closing_pinnacle_home_odds,
        odds.closing_pinnacle_draw_odds,
        odds.closing_pinnacle_away_odds,
        odds.closing_pinnacle_overround,
        odds.closing_pinnacle_home_prob_proportional,
        odds.closing_pinnacle_draw_prob_proportional,
        odds.closing_pinnacle_away_prob_proportional,
        odds.closing_pinnacle_home_prob_power,
        odds.closing_pinnacle_draw_prob_power,
        odds.closing_pinnacle_away_prob_power,
        odds.closing_market_home_odds,
        odds.closing_market_draw_odds,
        odds.closing_market_away_odds,
        odds.closing_market_overround,
        odds.closing_market_home_prob_proportional,
        odds.closing_market_draw_prob_proportional,
        odds.closing_market_away_prob_proportional,
        odds.closing_market_home_prob_power,
        odds.closing_market_draw_prob_power,
        odds.closing_market_away_prob_power,
        odds.yardstick_close_price_set,
        odds.yardstick_close_home_odds,
        odds.yardstick_close_draw_odds,
        odds.yardstick_close_away_odds,
        odds.yardstick_close_home_prob,
        odds.yardstick_close_draw_prob,
        odds.yardstick_close_away_prob
    from played
    left join odds
        on played.match_id = odds.match_id

)

select * from final
