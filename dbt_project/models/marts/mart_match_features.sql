{#- The one table models read: one row per match, played and upcoming, of every league in the
    raw tables. Each side's features describe the team as of kickoff, computed only from
    matches played before it (int_team_matches_rolled); market probabilities come from
    pre-match prices only (int_odds_pivoted_to_matches), Pinnacle's with its margin removed
    as the models use it. Closing prices are never here. The result is present only in the
    label_* columns, and only for played matches. -#}
with

matches as (

    select * from {{ ref('int_matches_unioned_with_fixtures') }}

),

team_form as (

    select * from {{ ref('int_team_matches_rolled') }}

),

odds as (

    select * from {{ ref('int_odds_pivoted_to_matches') }}

),

home_form as (

    select * from team_form
    where is_home

),

away_form as (

    select * from team_form
    where not is_home

),




final as (

    select
        matches.match_id,
        matches.league,
        matches.season,
        matches.season_code,
        matches.kickoff_date,
        matches.kickoff_time,
        matches.kickoff_at,
        matches.kickoff_at_uk,
        home_form.team_id as home_team_id,
        matches.home_team,
        away_form.team_id as away_team_id,
        matches.away_team,
        matches.is_played,
        greatest(home_form.features_as_of, away_form.features_as_of) as features_as_of,
        home_form.matches_played as home_matches_played,
        home_form.season_matches_played as home_season_matches_played,
        home_form.season_points as home_season_points,
        home_form.season_goal_difference as home_season_goal_difference,
        home_form.league_position as home_league_position,
        home_form.rest_days as home_rest_days,
        home_form.ppg_last5 as home_ppg_last5,
        home_form.ppg_last10 as home_ppg_last10,
        home_form.goal_diff_per_game_last5 as home_goal_diff_per_game_last5,
        home_form.goal_diff_per_game_last10 as home_goal_diff_per_game_last10,
        home_form.goals_for_avg_last5 as home_goals_for_avg_last5,
        home_form.goals_for_avg_last10 as home_goals_for_avg_last10,
        home_form.goals_against_avg_last5 as home_goals_against_avg_last5,
        home_form.goals_against_avg_last10 as home_goals_against_avg_last10,
        home_form.shots_for_avg_last5 as home_shots_for_avg_last5,
        home_form.shots_for_avg_last10 as home_shots_for_avg_last10,
        home_form.shots_against_avg_last5 as home_shots_against_avg_last5,
        home_form.shots_against_avg_last10 as home_shots_against_avg_last10,
        home_form.shots_on_target_for_avg_last5 as home_shots_on_target_for_avg_last5,
        home_form.shots_on_target_for_avg_last10 as home_shots_on_target_for_avg_last10,
        home_form.shots_on_target_against_avg_last5 as home_shots_on_target_against_avg_last5,
        home_form.shots_on_target_against_avg_last10 as home_shots_on_target_against_avg_last10,
        home_form.goals_for_ewma as home_goals_for_ewma,
        home_form.goals_against_ewma as home_goals_against_ewma,
        home_form.shots_for_ewma as home_shots_for_ewma,
        home_form.shots_against_ewma as home_shots_against_ewma,
        home_form.shots_on_target_for_ewma as home_shots_on_target_for_ewma,
        home_form.shots_on_target_against_ewma as home_shots_on_target_against_ewma,
        home_form.home_games_played as home_home_games_played,
        home_form.ppg_home_games_last5 as home_ppg_home_games_last5,
        home_form.goal_diff_per_game_home_games_last5 as home_goal_diff_per_game_home_games_last5,
        home_form.away_games_played as home_away_games_played,
        home_form.ppg_away_games_last5 as home_ppg_away_games_last5,
        home_form.goal_diff_per_game_away_games_last5 as home_goal_diff_per_game_away_games_last5,
        home_form.last_match_date as home_last_match_date,
        home_form.features_as_of as home_features_as_of,
        away_form.matches_played as away_matches_played,
        away_form.season_matches_played as away_season_matches_played,
        away_form.season_points as away_season_points,
        away_form.season_goal_difference as away_season_goal_difference,
        away_form.league_position as away_league_position,
        away_form.rest_days as away_rest_days,
        away_form.ppg_last5 as away_ppg_last5,
        away_form.ppg_last10 as away_ppg_last10,
        away_form.goal_diff_per_game_last5 as away_goal_diff_per_game_last5,
        away_form.goal_diff_per_game_last10 as away_goal_diff_per_game_last10,
        away_form.goals_for_avg_last5 as away_goals_for_avg_last5,
        away_form.goals_for_avg_last10 as away_goals_for_avg_last10,
        away_form.goals_against_avg_last5 as away_goals_against_avg_last5,
        away_form.goals_against_avg_last10 as away_goals_against_avg_last10,
        away_form.shots_for_avg_last5 as away_shots_for_avg_last5,
        away_form.shots_for_avg_last10 as away_shots_for_avg_last10,
        away_form.shots_against_avg_last5 as away_shots_against_avg_last5,
        away_form.shots_against_avg_last10 as away_shots_against_avg_last10,
        away_form.shots_on_target_for_avg_last5 as away_shots_on_target_for_avg_last5,
        away_form.shots_on_target_for_avg_last10 as away_shots_on_target_for_avg_last10,
        away_form.shots_on_target_against_avg_last5 as away_shots_on_target_against_avg_last5,
        away_form.shots_on_target_against_avg_last10 as away_shots_on_target_against_avg_last10,
        away_form.goals_for_ewma as away_goals_for_ewma,
        away_form.goals_against_ewma as away_goals_against_ewma,
        away_form.shots_for_ewma as away_shots_for_ewma,
        away_form.shots_against_ewma as away_shots_against_ewma,
        away_form.shots_on_target_for_ewma as away_shots_on_target_for_ewma,
        away_form.shots_on_target_against_ewma as away_shots_on_target_against_ewma,
        away_form.home_games_played as away_home_games_played,
        away_form.ppg_home_games_last5 as away_ppg_home_games_last5,
        away_form.goal_diff_per_game_home_games_last5 as away_goal_diff_per_game_home_games_last5,
        away_form.away_games_played as away_away_games_played,
        away_form.ppg_away_games_last5 as away_ppg_away_games_last5,
        away_form.goal_diff_per_game_away_games_last5 as away_goal_diff_per_game_away_games_last5,
        away_form.last_match_date as away_last_match_date,
        away_form.features_as_of as away_features_as_of,
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
        case
            when not matches.is_played then null
            when matches.home_goals > matches.away_goals then 'H'
            when matches.home_goals = matches.away_goals then 'D'
            else 'A'
        end as label_result,
        cast(matches.home_goals as integer) as label_home_goals,
        cast(matches.away_goals as integer) as label_away_goals
    from matches
    inner join home_form
        on matches.match_id = home_form.match_id
    inner join away_form
        on matches.match_id = away_form.match_id
    left join odds
        on matches.match_id = odds.match_id

)

select * from final
