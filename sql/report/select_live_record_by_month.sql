-- The champion's live record per month of kickoff (UK calendar months), against the market on
-- the same matches (marts.mart_live_predictions); rps_vs_pre_sd is the spread of the per-match
-- difference model minus pre-match market, for the chart's error bars.
-- Parameters: league.
select
    cast(date_trunc('month', kickoff_at_uk) as date) as month,
    count(*) as n_matches,
    avg(model_rps) as model_rps,
    avg(market_pre_rps) as market_pre_rps,
    avg(market_close_rps) as market_close_rps,
    avg(model_log_loss) as model_log_loss,
    avg(market_pre_log_loss) as market_pre_log_loss,
    avg(market_close_log_loss) as market_close_log_loss,
    stddev_samp(model_rps - market_pre_rps) as rps_vs_pre_sd
from marts.mart_live_predictions
where
    league = ?
    and market_pre_rps is not null
    and market_close_rps is not null
group by cast(date_trunc('month', kickoff_at_uk) as date)
order by month
