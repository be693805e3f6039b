-- The features of the matches the champion has scored by the clock, newest scoring first: the
-- current window of the data-drift check (those scored since the last run, topped up).
with scored as (
    select match_id, max(predicted_at) as predicted_at
    from ml.predictions
    where league = ? and predicted_at <= ?
    group by match_id
)

select scored.predicted_at, features.*
from marts.mart_match_features as features
inner join scored
    on features.match_id = scored.match_id
order by scored.predicted_at desc, features.kickoff_date desc, features.match_id
