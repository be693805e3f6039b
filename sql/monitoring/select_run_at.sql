-- A monitoring run of the league at exactly this clock, if one was made: monitoring twice at
-- the same clock adds nothing (ml/monitoring/run.py).
select run_id, status, model_version, n_current, n_settled, report_path, detail
from monitoring.runs
where league = ? and as_of = ?
