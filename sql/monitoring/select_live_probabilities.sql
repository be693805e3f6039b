-- The champion's latest predictions by the clock (one per match, newest first): the current
-- window of the prediction-drift check.
with ranked as (
    select
        match_id,
        predicted_at,
        p_home,
        p_draw,
        p_away,
        row_number() over (partition by match_id order by predicted_at desc) as newest_first
    from ml.predictions
    where league = ? and predicted_at <= ?
)

select match_id, predicted_at, p_home, p_draw, p_away
from ranked
where newest_first = 1
order by predicted_at desc, match_id
