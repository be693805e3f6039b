-- The features row batch scoring reads for a match (ml/modeling/score.py, select_unscored_matches.sql):
-- the match of a league between two teams on a UK kickoff date, if the marts hold it.
-- For: POST /v1/predict, which predicts a known match on exactly these features.
--
-- Parameters:
--   :league text = E0              football-data league code
--   :home_team text = none         the home team (canonical name)
--   :away_team text = none         the away team
--   :kickoff_date date = 1900-01-01    the kickoff's date, UK time, as football-data publishes it
select features.*
from marts.mart_match_features as features
where
    features.league = :league
    and features.home_team = :home_team
    and features.away_team = :away_team
    and features.kickoff_date = :kickoff_date
