-- The champion's live record at the clock: every played match it predicted before kickoff, with
-- the market's pre-match and closing probabilities (mart_live_predictions, a view, so it is
-- current as soon as a prediction or a result is stored). Only matches that kicked off by the
-- clock: a replay's warehouse holds nothing later, a warehouse monitored at an earlier clock may.
select
    match_id,
    kickoff_at,
    result,
    model_version,
    p_home,
    p_draw,
    p_away,
    market_pre_p_home,
    market_pre_p_draw,
    market_pre_p_away,
    market_close_p_home,
    market_close_p_draw,
    market_close_p_away
from marts.mart_live_predictions
where league = ? and kickoff_at <= ?
order by kickoff_at, match_id
