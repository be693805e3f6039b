{#- The league table of every league and season after every date on which matches of that
    league and season were played: one row per team per such date. Every team of the season
    (from results and fixtures) has a row from the first date on, with zeros until it plays.
    Position orders points, goal difference, goals scored, then the team name. -#}
with

team_matches as (

    select * from {{ ref('int_team_matches_unpivoted') }}

),

season_teams as (

    select distinct
        league,
        season,
        season_code,
        team_id,
        team
    from team_matches

),

standings_dates as (

    select distinct
        league,
        season,
        kickoff_date as standings_date
    from team_matches
    where is_played

),

team_date_grid as (

    select
        season_teams.league,
        season_teams.season,
        season_teams.season_code,
        season_teams.team_id,
        season_teams.team,
        standings_dates.standings_date
    from season_teams
    inner join standings_dates
        on
            season_teams.league = standings_dates.league
            and season_teams.season = standings_dates.season

),

results_per_date as (

    select
        league,
        season,
        team_id,
        kickoff_date,
        count(*) as played,
        sum(case when outcome = 'W' then 1 else 0 end) as won,
        sum(case when outcome = 'D' then 1 else 0 end) as drawn,
        sum(case when outcome = 'L' then 1 else 0 end) as lost,
        sum(goals_for) as goals_for,
        sum(goals_against) as goals_against,
        sum(points) as points
    from team_matches
    where is_played
    group by
        league,
        season,
        team_id,
        kickoff_date

),

accumulated as (

    select
        team_date_grid.league,
        team_date_grid.season,
        team_date_grid.season_code,
        team_date_grid.standings_date,
        team_date_grid.team_id,
        team_date_grid.team,
        sum(coalesce(results_per_date.played, 0)) over to_date as played,
        sum(coalesce(results_per_date.won, 0)) over to_date as won,
        sum(coalesce(results_per_date.drawn, 0)) over to_date as drawn,
        sum(coalesce(results_per_date.lost, 0)) over to_date as lost,
        sum(coalesce(results_per_date.goals_for, 0)) over to_date as goals_for,
        sum(coalesce(results_per_date.goals_against, 0)) over to_date as goals_against,
        sum(coalesce(results_per_date.points, 0)) over to_date as points
    from team_date_grid
    left join results_per_date
        on
            team_date_grid.league = results_per_date.league
            and team_date_grid.season = results_per_date.season
            and team_date_grid.team_id = results_per_date.team_id
            and team_date_grid.standings_date = results_per_date.kickoff_date
    window to_date as (
        partition by team_date_grid.league, team_date_grid.season, team_date_grid.team_id
        order by team_date_grid.standings_date
        rows between unbounded preceding and current row
    )

),

typed as (

    select
        league,
        season,
        season_code,
        standings_date,
        team_id,
        team,
        cast(played as integer) as played,
        cast(won as integer) as won,
        cast(drawn as integer) as drawn,
        cast(lost as integer) as lost,
        cast(goals_for as integer) as goals_for,
        cast(goals_against as integer) as goals_against,
        cast(goals_for - goals_against as integer) as goal_difference,
        cast(points as integer) as points
    from accumulated

),

final as (

    select
        *,
        cast(
            row_number() over (
                partition by league, season, standings_date
                order by points desc, goal_difference desc, goals_for desc, team
            ) as integer
        ) as position,
        cast(
            dense_rank() over (partition by league, season order by standings_date) as integer
        ) as matchday_number
    from typed

)

select * from final
