-- Matches without a result that one model version predicted, with the market's pre-match view
-- of them (margin removed proportionally) from the same row of mart_match_features.
-- Parameters: model name, model version, league.
select
    features.match_id,
    features.season,
    features.kickoff_at,
    features.home_team,
    features.away_team,
    predictions.p_home,
    predictions.p_draw,
    predictions.p_away,
    predictions.predicted_at,
    features.prematch_market_bookmaker as market_bookmaker,
    features.prematch_market_home_prob_proportional as market_home,
    features.prematch_market_draw_prob_proportional as market_draw,
    features.prematch_market_away_prob_proportional as market_away
from ml.predictions as predictions
inner join marts.mart_match_features as features
    on predictions.match_id = features.match_id
where
    predictions.model_name = ?
    and predictions.model_version = ?
    and features.league = ?
    and not features.is_played
order by
    features.kickoff_at,
    features.home_team
