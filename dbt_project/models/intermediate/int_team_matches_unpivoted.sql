{#- One row per team per match, played and upcoming: the match seen from each side. -#}
with

matches as (

    select * from {{ ref('int_matches_unioned_with_fixtures') }}

),

home_sides as (

    select
        match_id,
        league,
        season,
        season_code,
        kickoff_date,
        kickoff_at,
        is_played,
        true as is_home,
        home_team as team,
        away_team as opponent_team,
        home_goals as goals_for,
        away_goals as goals_against,
        home_shots as shots_for,
        away_shots as shots_against,
        home_shots_on_target as shots_on_target_for,
        away_shots_on_target as shots_on_target_against
    from matches

),

away_sides as (

    select
        match_id,
        league,
        season,
        season_code,
        kickoff_date,
        kickoff_at,
        is_played,
        false as is_home,
        away_team as team,
        home_team as opponent_team,
        away_goals as goals_for,
        home_goals as goals_against,
        away_shots as shots_for,
        home_shots as shots_against,
        away_shots_on_target as shots_on_target_for,
        home_shots_on_target as shots_on_target_against
    from matches

),

sides as (

    select * from home_sides
    union all
    select * from away_sides

),

final as (

    select
        match_id,
        {{ dbt.hash('team') }} as team_id,
        team,
        {{ dbt.hash('opponent_team') }} as opponent_team_id,
        opponent_team,
        league,
        season,
        season_code,
        kickoff_date,
        kickoff_at,
        is_home,
        is_played,
        case
            when not is_played then null
            when goals_for > goals_against then 'W'
            when goals_for = goals_against then 'D'
            else 'L'
        end as outcome,
        case
            when not is_played then null
            when goals_for > goals_against then 3
            when goals_for = goals_against then 1
            else 0
        end as points,
        goals_for,
        goals_against,
        goals_for - goals_against as goal_difference,
        shots_for,
        shots_against,
        shots_on_target_for,
        shots_on_target_against
    from sides

)

select * from final
