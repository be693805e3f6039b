-- The replay summary: the champion's live predictions made during the replay, against the
-- market's pre-match and closing prices on the same matches (marts.mart_live_predictions).
-- Parameters: league, first tick, last tick (UTC).
select
    count(*) as n_matches,
    avg(model_rps) as model_rps,
    avg(market_pre_rps) as market_pre_rps,
    avg(market_close_rps) as market_close_rps,
    avg(model_log_loss) as model_log_loss,
    avg(market_pre_log_loss) as market_pre_log_loss,
    avg(market_close_log_loss) as market_close_log_loss
from marts.mart_live_predictions
where league = ?
    and predicted_at between ? and ?
    and market_pre_rps is not null
    and market_close_rps is not null
