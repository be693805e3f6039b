-- The leagues the marts hold, with their latest season.
-- For: the API, which names them when a request asks for another league.
select
    league,
    max(season) as latest_season
from marts.mart_match_features
group by league
order by league
