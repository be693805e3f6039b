-- The league table after the latest matchday of a season.
-- For: anyone who wants the standings next to the predictions.
--
-- Parameters:
--   :league text = E0         football-data league code
--   :season text = latest     a season label such as 2024-25, or latest
with

seasons as (

    select
        season,
        max(standings_date) as last_date
    from marts.mart_league_table
    where league = :league
    group by season

),

chosen as (

    select season
    from seasons
    where season = :season
        or (
            :season = 'latest'
            and last_date = (select max(last_date) from seasons)
        )

)

select
    standings.season,
    standings.standings_date,
    standings.position,
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
inner join chosen
    on standings.season = chosen.season
where
    standings.league = :league
    and standings.is_latest
order by standings.position
