-- Upcoming matches: the champion model's probabilities, the market's, and the model's edge.
-- For: a bettor or analyst looking for where the model disagrees with the bookmakers before
-- the next matchday.
--
-- Parameters:
--   :league text = E0    football-data league code (E0 is the Premier League)
--
-- Each match shows the prediction in force: the newest one the registered model made, by
-- whichever version was champion then (first made champion, promoted or refitted in
-- ml.champion_decisions; a refit does not predict again a match already predicted). The
-- market is the pre-match market price (market average, Bet365 when no average is published) with its
-- margin removed proportionally. edge_* is model minus market, in probability points;
-- expected_return is p_model * price - 1 of the best edge at that (margin-carrying) price:
-- above 0 is a value bet on paper, usually much smaller than the edge. kickoff_at_uk is the
-- kickoff in UK time, as football-data publishes it.
with

in_force as (

    select
        model_name,
        model_version,
        model_label,
        match_id,
        p_home,
        p_draw,
        p_away,
        row_number() over (
            partition by match_id
            order by predicted_at desc, model_version desc
        ) as newest_first
    from ml.predictions
    where model_name = 'plpred-' || :league

),

upcoming as (

    select
        match_id,
        kickoff_at,
        kickoff_at_uk,
        home_team,
        away_team,
        prematch_market_home_odds as home_odds,
        prematch_market_draw_odds as draw_odds,
        prematch_market_away_odds as away_odds,
        prematch_market_home_prob_proportional as market_home,
        prematch_market_draw_prob_proportional as market_draw,
        prematch_market_away_prob_proportional as market_away
    from marts.mart_match_features
    where
        league = :league
        and not is_played

),

compared as (

    select
        upcoming.kickoff_at,
        upcoming.kickoff_at_uk,
        upcoming.home_team,
        upcoming.away_team,
        predictions.model_label,
        predictions.model_version,
        predictions.p_home as model_home,
        predictions.p_draw as model_draw,
        predictions.p_away as model_away,
        upcoming.market_home,
        upcoming.market_draw,
        upcoming.market_away,
        predictions.p_home - upcoming.market_home as edge_home,
        predictions.p_draw - upcoming.market_draw as edge_draw,
        predictions.p_away - upcoming.market_away as edge_away,
        predictions.p_home * upcoming.home_odds - 1 as return_home,
        predictions.p_draw * upcoming.draw_odds - 1 as return_draw,
        predictions.p_away * upcoming.away_odds - 1 as return_away
    from upcoming
    inner join in_force as predictions
        on
            upcoming.match_id = predictions.match_id
            and predictions.newest_first = 1

)

-- shown in UK time, ordered by the UTC kickoff
select
    kickoff_at_uk,
    home_team,
    away_team,
    model_label,
    model_version,
    model_home,
    model_draw,
    model_away,
    market_home,
    market_draw,
    market_away,
    edge_home,
    edge_draw,
    edge_away,
    case
        when edge_home >= edge_draw and edge_home >= edge_away then 'home'
        when edge_draw >= edge_away then 'draw'
        else 'away'
    end as best_edge,
    case
        when edge_home >= edge_draw and edge_home >= edge_away then return_home
        when edge_draw >= edge_away then return_draw
        else return_away
    end as expected_return
from compared
order by
    kickoff_at,
    home_team
