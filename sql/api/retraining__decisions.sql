-- The retraining decisions of a league made at or before the clock, newest first: what the
-- monitor decided, why, and whether the train or refit step carried it out.
-- For: GET /v1/retraining/history and /v1/retraining/status (the first row).
--
-- Parameters:
--   :league text = E0                    football-data league code
--   :as_of text = 1900-01-01T00:00:00    the clock (UTC, ISO)
--   :row_limit integer = 100             rows to return
--   :row_offset integer = 0              rows to skip
select
    decision_id,
    decided_at,
    as_of,
    trigger,
    reason,
    action,
    model_version_before,
    model_version_after,
    executed_at,
    state,
    model_changed,
    monitoring_run_id,
    count(*) over () as total_rows
from marts.mart_retraining_decisions
where league = :league and as_of <= cast(:as_of as timestamp)
order by as_of desc, decided_at desc, decision_id
limit :row_limit offset :row_offset
