-- The champion of a registered model at the report's clock, as the decisions ledger records
-- it: the latest version promoted, first made champion, or refitted (a refit of the champion's
-- configuration on newer data takes the champion alias, ml/modeling/train.py) at or before the clock.
-- Parameters: registered model name, clock (UTC).
select
    candidate_version as model_version,
    candidate_label as model_label,
    decision,
    decided_at,
    run_id,
    season,
    candidate_rps
from ml.champion_decisions
where
    model_name = ?
    and decision in ('first_champion', 'promoted', 'refit')
    and decided_at <= ?
order by decided_at desc
limit 1
