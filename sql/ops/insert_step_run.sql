-- One executed (or skipped, or failed) step; seq is the next number in the whole log.
insert into ops.step_runs (
    seq, run_id, step, league, as_of, status, changed, detail, seconds, finished_at
)
select coalesce(max(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?
from ops.step_runs
