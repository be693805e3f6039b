-- The report's model-health section: the latest status of each headline metric (per-feature
-- drift rows are summed up by drifted_feature_share and left out).
select metric, value, threshold, status, as_of, model_version
from marts.mart_monitoring_latest
where league = ? and feature is null
order by metric
