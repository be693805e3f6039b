-- A team's first match of a league after the clock, played or scheduled, with its features
-- row: its side's home_*/away_* columns are the team's form after every match it played
-- before that one. For: POST /v1/predict, which takes a team's form as of a kickoff from its
-- next match, and refuses a kickoff after that match (its result would change the form).
--
-- Parameters:
--   :league text = E0                    football-data league code
--   :team text = none                    the team (canonical name)
--   :as_of text = 1900-01-01T00:00:00    the clock (UTC, ISO)
select features.*
from marts.mart_match_features as features
where
    features.league = :league
    and (features.home_team = :team or features.away_team = :team)
    and features.kickoff_at > cast(:as_of as timestamp)
order by features.kickoff_at, features.match_id
limit 1
