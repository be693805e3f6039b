-- The champion's live record over every played match it predicted before kickoff
-- (marts.mart_live_predictions), against the market's pre-match and closing prices on the same
-- matches: the numbers of the replay summary (sql/replay/live_rps.sql), over the whole mart.
-- The *_sd columns are the spread of the per-match difference (model minus market), for the
-- standard error the verdict quotes; n_played counts the matches with or without a price.
-- Parameters: league, league.
select
    count(*) as n_matches,
    (
        select count(*) from marts.mart_live_predictions
        where league = ?
    ) as n_played,
    count(distinct model_version) as n_versions,
    min(kickoff_at_uk) as first_kickoff_uk,
    max(kickoff_at_uk) as last_kickoff_uk,
    avg(model_rps) as model_rps,
    avg(market_pre_rps) as market_pre_rps,
    avg(market_close_rps) as market_close_rps,
    avg(model_log_loss) as model_log_loss,
    avg(market_pre_log_loss) as market_pre_log_loss,
    avg(market_close_log_loss) as market_close_log_loss,
    stddev_samp(model_rps - market_pre_rps) as rps_vs_pre_sd,
    stddev_samp(model_rps - market_close_rps) as rps_vs_close_sd
from marts.mart_live_predictions
where
    league = ?
    and market_pre_rps is not null
    and market_close_rps is not null
