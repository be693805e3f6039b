-- The live record per champion version: the matches whose prediction in force at kickoff was
-- that version's, its RPS and the pre-match market's on the same matches. Whether a retrain
-- or refit changed the live RPS against the market on the matches after it.
select
    model_version,
    count(*) as n_matches,
    min(kickoff_at) as first_kickoff,
    max(kickoff_at) as last_kickoff,
    avg(model_rps) as rps_model,
    avg(market_pre_rps) as rps_market_pre
from marts.mart_live_predictions
where league = ? and market_pre_rps is not null
group by model_version
order by min(kickoff_at)
