-- Which model has been champion, since when, and why? Every champion/challenger decision.
-- For: whoever answers "which model made these predictions" and reviews model changes.
--
-- Parameters:
--   :league text = E0    football-data league code (the registered model is plpred-<league>)
--
-- A candidate becomes champion only when it beats the champion's RPS on the latest evaluated
-- season with a log loss no worse (ml/modeling/registry.py); kept_champion rows are the challengers
-- that did not. The MLflow registry holds the models themselves (alias champion).
select
    decided_at,
    candidate_version,
    candidate_label,
    decision,
    season,
    candidate_rps,
    champion_rps,
    candidate_log_loss,
    champion_log_loss,
    champion_version_before,
    reason,
    run_id
from ml.champion_decisions
where model_name = 'plpred-' || :league
order by decided_at desc
