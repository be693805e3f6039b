-- The champion's predictions of the fixtures after the clock: for each match the prediction
-- in force at the clock (the newest made at or before it, by whichever version was champion
-- then), beside the market's pre-match probabilities (margin removed proportionally), with
-- the edge (model minus market). The logic of mart_upcoming_predictions, at any clock.
-- For: GET /v1/predictions/upcoming.
--
-- Parameters:
--   :league text = E0                    football-data league code
--   :as_of text = 1900-01-01T00:00:00    the clock (UTC, ISO)
with

in_force as (

    select
        match_id,
        model_name,
        model_version,
        model_label,
        prediction_id,
        predicted_at,
        p_home,
        p_draw,
        p_away,
        row_number() over (
            partition by match_id
            order by predicted_at desc, model_version desc
        ) as newest_first
    from ml.predictions
    where
        model_name = 'plpred-' || :league
        and predicted_at <= cast(:as_of as timestamp)

),

upcoming as (

    select
        match_id,
        league,
        season,
        kickoff_at,
        kickoff_at_uk,
        home_team,
        away_team,
        cast(prematch_market_home_prob_proportional as double precision) as market_p_home,
        cast(prematch_market_draw_prob_proportional as double precision) as market_p_draw,
        cast(prematch_market_away_prob_proportional as double precision) as market_p_away
    from marts.mart_match_features
    where
        league = :league
        and kickoff_at > cast(:as_of as timestamp)

)

select
    upcoming.match_id,
    upcoming.league,
    upcoming.season,
    upcoming.kickoff_at,
    upcoming.kickoff_at_uk,
    upcoming.home_team,
    upcoming.away_team,
    in_force.prediction_id,
    in_force.model_name,
    in_force.model_version,
    in_force.model_label,
    in_force.predicted_at,
    in_force.p_home,
    in_force.p_draw,
    in_force.p_away,
    upcoming.market_p_home,
    upcoming.market_p_draw,
    upcoming.market_p_away,
    in_force.p_home - upcoming.market_p_home as edge_home,
    in_force.p_draw - upcoming.market_p_draw as edge_draw,
    in_force.p_away - upcoming.market_p_away as edge_away
from upcoming
inner join in_force
    on
        upcoming.match_id = in_force.match_id
        and in_force.newest_first = 1
order by upcoming.kickoff_at, upcoming.home_team
