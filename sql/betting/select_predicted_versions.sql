-- The versions of a registered model that have predictions in the ledger (what a bet on a
-- named version can use). Parameter: model name.
select distinct model_version
from ml.predictions
where model_name = ?
