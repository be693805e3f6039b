-- The stored predictions (ml.predictions, every version), filtered, each with its match and
-- its result once the match is played. For: GET /v1/predictions, and GET
-- /v1/predictions/{prediction_id} (prediction_id set: that one prediction, or no row).
--
-- Parameters:
--   :prediction_id text = all       one prediction's id (model name:version:match id), or all
--   :league text = all              football-data league code, or all
--   :season text = all              season label such as 2024-25, or all
--   :team text = all                a team playing home or away, or all
--   :date_from date = 1900-01-01    first kickoff date (UK), inclusive
--   :date_to date = 9999-12-31      last kickoff date (UK), inclusive
--   :model_version text = all       registered version, or all
--   :row_limit integer = 100        rows to return
--   :row_offset integer = 0         rows to skip
select
    predictions.prediction_id,
    predictions.match_id,
    predictions.league,
    features.season,
    features.kickoff_at,
    features.kickoff_at_uk,
    features.home_team,
    features.away_team,
    predictions.model_name,
    predictions.model_version,
    predictions.model_label,
    predictions.predicted_at,
    predictions.features_as_of,
    predictions.p_home,
    predictions.p_draw,
    predictions.p_away,
    matches.result,
    matches.home_goals,
    matches.away_goals,
    count(*) over () as total_rows
from ml.predictions as predictions
inner join marts.mart_match_features as features
    on predictions.match_id = features.match_id
left join marts.fct_matches as matches
    on predictions.match_id = matches.match_id
where
    (:prediction_id = 'all' or predictions.prediction_id = :prediction_id)
    and (:league = 'all' or predictions.league = :league)
    and (:season = 'all' or features.season = :season)
    and (:team = 'all' or features.home_team = :team or features.away_team = :team)
    and features.kickoff_date >= :date_from
    and features.kickoff_date <= :date_to
    and (:model_version = 'all' or predictions.model_version = :model_version)
order by features.kickoff_at, features.home_team, predictions.model_version
limit :row_limit offset :row_offset
