-- Whether a registered version has already predicted a match (ml.predictions holds one row per
-- version and match). For: POST /v1/predict?store=true, which refuses to predict twice.
--
-- Parameters:
--   :model_name text = none       registered model name (plpred-<league>)
--   :model_version text = none    registered version
--   :match_id text = none         the match
select count(*) as n
from ml.predictions
where model_name = :model_name and model_version = :model_version and match_id = :match_id
