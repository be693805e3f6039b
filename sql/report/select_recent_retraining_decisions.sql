-- The report's model-health section: the last ten retraining decisions and what became of them.
select as_of, trigger, action, reason, model_version_before, model_version_after, state
from marts.mart_retraining_decisions
where league = ?
order by as_of desc, decided_at desc
limit 10
