-- Upcoming matches one strategy may bet on live: the champion's prediction and the pre-match
-- price of the strategy's bookmaker, kicking off after now, not yet bet on in that book.
-- Parameters: model name, model version, league, bookmaker, now (UTC, naive, like kickoff_at),
-- book id, strategy. kickoff_at_uk is the published UK time, for messages.
select
    predictions.prediction_id,
    predictions.match_id,
    predictions.p_home,
    predictions.p_draw,
    predictions.p_away,
    prices.league,
    prices.season,
    prices.kickoff_at,
    prices.kickoff_at_uk,
    prices.home_team,
    prices.away_team,
    prices.home_odds,
    prices.draw_odds,
    prices.away_odds,
    prices.loaded_at
from ml.predictions as predictions
inner join marts.fct_prematch_odds as prices
    on predictions.match_id = prices.match_id
where
    predictions.model_name = ?
    and predictions.model_version = ?
    and predictions.league = ?
    and prices.bookmaker = ?
    and not prices.is_played
    and prices.kickoff_at > ?
    and not exists (
        select 1 from betting.bets as bets
        where bets.book_id = ? and bets.strategy = ? and bets.match_id = predictions.match_id
    )
order by prices.kickoff_at, predictions.match_id
