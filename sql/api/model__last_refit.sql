-- The last refit of a registered model at the clock (a refit fits the champion's
-- configuration again on newer data). For: GET /v1/model.
--
-- Parameters:
--   :model_name text = none              registered model name (plpred-<league>)
--   :as_of text = 1900-01-01T00:00:00    the clock (UTC, ISO)
select
    decided_at,
    candidate_version
from marts.mart_champion_history
where
    model_name = :model_name
    and decision = 'refit'
    and decided_at <= cast(:as_of as timestamp)
order by decided_at desc
limit 1
