-- The report's model-health section: the champion's health per day of the clock, up to the
-- report's clock (parameters: league, the clock as a date).
select
    day,
    model_version,
    n_matches,
    rps_model,
    rps_market_pre,
    rps_market_close,
    rps_gap_vs_market,
    ece,
    drifted_feature_share,
    status,
    report_path
from marts.mart_model_health_daily
where league = ? and day <= cast(? as date)
order by day
