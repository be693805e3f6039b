-- One stored prediction with its match and its result once played.
-- For: GET /v1/predictions/{prediction_id}.
--
-- Parameters:
--   :prediction_id text = none    the prediction's id (model name:version:match id)
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
    matches.away_goals
from ml.predictions as predictions
inner join marts.mart_match_features as features
    on predictions.match_id = features.match_id
left join marts.fct_matches as matches
    on predictions.match_id = matches.match_id
where predictions.prediction_id = :prediction_id
