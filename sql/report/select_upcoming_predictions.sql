-- Matches without a result and the registered model's prediction in force for each at the
-- report's clock: the newest one made at or before it, by whichever version was champion then
-- (a refit does not predict again a match an earlier version predicted), with the market's
-- pre-match view (margin removed proportionally) from the same row of mart_match_features.
-- kickoff_at (UTC) is for comparing with the report's clock, kickoff_at_uk (UK time) for showing.
-- Parameters: model name, clock (UTC), league.
with

in_force as (

    select
        predictions.match_id,
        predictions.model_version,
        predictions.model_label,
        predictions.p_home,
        predictions.p_draw,
        predictions.p_away,
        predictions.predicted_at,
        row_number() over (
            partition by predictions.match_id
            order by predictions.predicted_at desc, predictions.model_version desc
        ) as newest_first
    from ml.predictions as predictions
    where
        predictions.model_name = ?
        and predictions.predicted_at <= ?

)

select
    features.match_id,
    features.season,
    features.kickoff_at,
    features.kickoff_at_uk,
    features.home_team,
    features.away_team,
    in_force.model_version,
    in_force.model_label,
    in_force.p_home,
    in_force.p_draw,
    in_force.p_away,
    in_force.predicted_at,
    features.prematch_market_bookmaker as market_bookmaker,
    features.prematch_market_home_prob_proportional as market_home,
    features.prematch_market_draw_prob_proportional as market_draw,
    features.prematch_market_away_prob_proportional as market_away
from in_force
inner join marts.mart_match_features as features
    on in_force.match_id = features.match_id
where
    in_force.newest_first = 1
    and features.league = ?
    and not features.is_played
order by
    features.kickoff_at,
    features.home_team
