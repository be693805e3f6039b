-- The out-of-sample predictions of one walk-forward model variant with each match's kickoff,
-- result and closing prices: the input of a backtest.
-- Parameters: run id, league, model, variant.
select
    predictions.match_id,
    predictions.p_home,
    predictions.p_draw,
    predictions.p_away,
    matches.league,
    matches.season,
    matches.kickoff_at,
    matches.result,
    matches.home_goals,
    matches.away_goals,
    matches.closing_pinnacle_home_odds,
    matches.closing_pinnacle_draw_odds,
    matches.closing_pinnacle_away_odds,
    matches.closing_market_home_odds,
    matches.closing_market_draw_odds,
    matches.closing_market_away_odds
from ml.walk_forward_predictions as predictions
inner join marts.fct_matches as matches
    on predictions.match_id = matches.match_id
where
    predictions.run_id = ? and predictions.league = ?
    and predictions.model = ? and predictions.variant = ?
order by matches.kickoff_at, predictions.match_id
