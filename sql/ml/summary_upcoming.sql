-- plpred run's closing summary: matches not yet played with the newest prediction of each,
-- the market's pre-match view and the live bets placed on them. Parameters: league, the clock
-- (UTC): a stale fixtures file may still list matches that have kicked off.
-- kickoff_at_uk (UK time, as published) is the kickoff to show; kickoff_at is the UTC instant.
with

upcoming as (

    select
        match_id,
        kickoff_at,
        kickoff_at_uk,
        home_team,
        away_team,
        prematch_market_home_prob_proportional as market_p_home,
        prematch_market_draw_prob_proportional as market_p_draw,
        prematch_market_away_prob_proportional as market_p_away
    from marts.mart_match_features
    where league = ? and not is_played and kickoff_at > ?

),

newest as (

    select match_id, max(predicted_at) as predicted_at
    from ml.predictions
    group by match_id

),

predictions as (

    select ml_predictions.*
    from ml.predictions as ml_predictions
    inner join newest
        on ml_predictions.match_id = newest.match_id
        and ml_predictions.predicted_at = newest.predicted_at

),

bets as (

    select
        match_id,
        string_agg(
            strategy || ': ' || selection || ' @ ' || cast(odds_taken as varchar),
            ', ' order by strategy
        ) as bets
    from betting.bets
    where book_id = 'live'
    group by match_id

)

select
    upcoming.kickoff_at_uk,
    upcoming.kickoff_at,
    upcoming.home_team,
    upcoming.away_team,
    predictions.p_home,
    predictions.p_draw,
    predictions.p_away,
    upcoming.market_p_home,
    upcoming.market_p_draw,
    upcoming.market_p_away,
    bets.bets
from upcoming
inner join predictions on upcoming.match_id = predictions.match_id
left join bets on upcoming.match_id = bets.match_id
order by upcoming.kickoff_at, upcoming.home_team
