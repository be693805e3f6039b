{#- The league table of every league and season after every matchday (every date on which
    matches of the league were played), for dashboards: one row per team per matchday. -#}
with

standings as (

    select * from {{ ref('int_league_standings_accumulated') }}

),

latest_dates as (

    select
        league,
        season,
        max(standings_date) as latest_standings_date
    from standings
    group by
        league,
        season

),

final as (

    select
        standings.league,
        standings.season,
        standings.season_code,
        standings.standings_date,
        standings.matchday_number,
        standings.standings_date = latest_dates.latest_standings_date as is_latest,
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
    from standings
    inner join latest_dates
        on
            standings.league = latest_dates.league
            and standings.season = latest_dates.season

)

select * from final
