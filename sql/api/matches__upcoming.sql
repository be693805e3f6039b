-- The fixtures of a league that kick off after the clock, with the market's pre-match
-- probabilities (average odds, margin removed proportionally, as dbt computes them).
-- For: GET /v1/matches/upcoming.
--
-- Parameters:
--   :league text = E0                    football-data league code
--   :as_of text = 1900-01-01T00:00:00    the clock (UTC, ISO)
--   :row_limit integer = 100             rows to return
--   :row_offset integer = 0              rows to skip
select
    match_id,
    league,
    season,
    kickoff_at,
    kickoff_at_uk,
    home_team,
    away_team,
    cast(prematch_market_home_odds as double precision) as home_odds,
    cast(prematch_market_draw_odds as double precision) as draw_odds,
    cast(prematch_market_away_odds as double precision) as away_odds,
    cast(prematch_market_home_prob_proportional as double precision) as market_p_home,
    cast(prematch_market_draw_prob_proportional as double precision) as market_p_draw,
    cast(prematch_market_away_prob_proportional as double precision) as market_p_away,
    count(*) over () as total_rows
from marts.mart_match_features
where
    league = :league
    and kickoff_at > cast(:as_of as timestamp)
order by kickoff_at, home_team
limit :row_limit offset :row_offset
