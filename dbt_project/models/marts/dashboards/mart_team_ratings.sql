{#- Each team's rating before every match it played or is due to play, for the league
    dashboard: the exponentially weighted goal difference per match of its earlier matches
    (goals_for_ewma - goals_against_ewma of mart_match_features, so point in time, decay
    var('ewma_alpha')), and the same for shots on target. A form rating, not Elo: positive
    means the team has been outscoring its opponents lately. One row per team and match. -#}
with

features as (

    select * from {{ ref('mart_match_features') }}

),

team_matches as (

    select
        match_id,
        league,
        season,
        kickoff_at,
        kickoff_at_uk,
        is_played,
        home_team_id as team_id,
        home_team as team,
        away_team as opponent,
        true as is_home,
        home_matches_played as matches_played,
        home_goals_for_ewma - home_goals_against_ewma as rating,
        home_shots_on_target_for_ewma - home_shots_on_target_against_ewma
            as shots_on_target_rating
    from features

    union all

    select
        match_id,
        league,
        season,
        kickoff_at,
        kickoff_at_uk,
        is_played,
        away_team_id as team_id,
        away_team as team,
        home_team as opponent,
        false as is_home,
        away_matches_played as matches_played,
        away_goals_for_ewma - away_goals_against_ewma as rating,
        away_shots_on_target_for_ewma - away_shots_on_target_against_ewma
            as shots_on_target_rating
    from features

),

final as (

    select
        match_id,
        league,
        season,
        kickoff_at,
        kickoff_at_uk,
        is_played,
        team_id,
        team,
        opponent,
        is_home,
        cast(matches_played as integer) as matches_played,
        cast(rating as double precision) as rating,
        cast(shots_on_target_rating as double precision) as shots_on_target_rating
    from team_matches

)

select * from final
