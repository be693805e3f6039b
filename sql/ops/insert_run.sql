-- A run of the catalogue starting, succeeding or failing (ops.runs is append-only).
insert into ops.runs (run_id, kind, league, as_of, status, detail, recorded_at)
values (?, ?, ?, ?, ?, ?, ?)
