-- The league table after the latest matchday of the league's most recent season.
-- Parameters: league, league.
with

seasons as (

    select
        season,
        max(standings_date) as last_date
    from marts.mart_league_table
    where league = ?
    group by season

),

current_season as (

    select season
    from seasons
    order by last_date desc
    limit 1

)

select
    standings.season,
    standings.standings_date,
    standings.matchday_number,
    standings.position,
    standings.team_id,
    standings.team,
    standings.played,
    standings.won,
    standings.drawn,
    standings.lost,
    standings.goals_for,
    standings.goals_against,
    standings.goal_difference,
    standings.points
from marts.mart_league_table as standings
inner join current_season
    on standings.season = current_season.season
where
    standings.league = ?
    and standings.is_latest
order by standings.position
