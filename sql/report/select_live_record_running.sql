-- The champion's live record as it grew: after each played match (in kickoff order), the mean
-- RPS so far of the model and of the market's pre-match and closing prices on the same matches
-- (marts.mart_live_predictions), for the report's chart.
-- Parameters: league.
select
    match_id,
    kickoff_at_uk,
    model_version,
    row_number() over running as n_matches,
    avg(model_rps) over running as model_rps,
    avg(market_pre_rps) over running as market_pre_rps,
    avg(market_close_rps) over running as market_close_rps
from marts.mart_live_predictions
where
    league = ?
    and market_pre_rps is not null
    and market_close_rps is not null
window running as (
    order by kickoff_at, match_id
    rows between unbounded preceding and current row
)
order by
    kickoff_at,
    match_id
