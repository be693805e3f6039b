-- The current champion of a registered model, as the decisions ledger records it: the latest
-- version promoted (or first made champion). Parameters: registered model name.
select
    candidate_version as model_version,
    candidate_label as model_label,
    decided_at,
    run_id,
    season,
    candidate_rps
from ml.champion_decisions
where
    model_name = ?
    and decision in ('first_champion', 'promoted')
order by decided_at desc
limit 1
