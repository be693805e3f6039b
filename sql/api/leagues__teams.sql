-- The teams of a league (home or away in any of its matches), with the last season they
-- played in it. For: POST /v1/predict, which names the known teams of an unknown one.
--
-- Parameters:
--   :league text = E0    football-data league code
with

sides as (

    select home_team as team, season from marts.mart_match_features where league = :league
    union all
    select away_team as team, season from marts.mart_match_features where league = :league

)

select
    team,
    max(season) as last_season
from sides
group by team
order by team
