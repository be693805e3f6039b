-- Pre-match prices of one bookmaker for the matches of a walk-forward model variant.
-- Parameters: bookmaker, run id, league, model, variant.
select prices.match_id, prices.home_odds, prices.draw_odds, prices.away_odds, prices.loaded_at
from marts.fct_prematch_odds as prices
where
    prices.bookmaker = ?
    and prices.match_id in (
        select match_id from ml.walk_forward_predictions
        where run_id = ? and league = ? and model = ? and variant = ?
    )
