-- The champion's live record per model version (the version whose prediction was in force at
-- kickoff, marts.mart_live_predictions), against the market on the same matches, in the order
-- the versions were first in force. The same matches as select_live_record.sql.
-- Parameters: league.
select
    model_version,
    max(model_label) as model_label,
    count(*) as n_matches,
    min(kickoff_at_uk) as first_kickoff_uk,
    max(kickoff_at_uk) as last_kickoff_uk,
    avg(model_rps) as model_rps,
    avg(market_pre_rps) as market_pre_rps,
    avg(market_close_rps) as market_close_rps,
    avg(model_log_loss) as model_log_loss,
    avg(market_pre_log_loss) as market_pre_log_loss,
    avg(market_close_log_loss) as market_close_log_loss
from marts.mart_live_predictions
where
    league = ?
    and market_pre_rps is not null
    and market_close_rps is not null
group by model_version
order by
    min(kickoff_at),
    model_version
