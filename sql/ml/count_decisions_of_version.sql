-- Whether the warehouse already holds the decision about a registered version (a training run
-- or refit interrupted before it moved the alias wrote it). Parameters: model name, version.
select count(*)
from ml.champion_decisions
where model_name = ? and candidate_version = ?
