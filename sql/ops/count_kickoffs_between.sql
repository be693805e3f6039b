-- Matches of a league (played or fixtures) whose kickoff fell after one clock and at or
-- before another (UTC, naive): what can change a clock-dependent step's output when none of
-- its inputs changed (ml/orchestration/steps.py, unchanged_and_no_kickoff).
select count(*)
from marts.mart_match_features
where league = ? and kickoff_at > ? and kickoff_at <= ?
