-- Matches a model version may score: of its league, kicking off after the end of its training
-- data (never a match it was trained on) and after the clock (never a match that has begun:
-- a stale fixtures file may still list one), and not yet predicted by that version.
-- Parameters: league, training data end (date), the clock (UTC), model name, model version.
select features.*
from marts.mart_match_features as features
where features.league = ?
    and features.kickoff_date > ?
    and features.kickoff_at > ?
    and not exists (
        select 1
        from ml.predictions as predictions
        where predictions.match_id = features.match_id
            and predictions.model_name = ?
            and predictions.model_version = ?
    )
order by features.kickoff_date, features.match_id
