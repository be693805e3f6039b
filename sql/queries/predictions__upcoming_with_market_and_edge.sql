-- Upcoming matches: the champion model's probabilities, the market's, and the model's edge.
-- For: a bettor or analyst looking for where the model disagrees with the bookmakers before
-- the next matchday.
--
-- Parameters:
--   :league text = E0    football-data league code (E0 is the Premier League)
--
-- The champion is the latest version promoted in ml.champion_decisions. The market is the
-- pre-match market price (market average, Bet365 when no average is published) with its
-- margin removed proportionally. edge_* is model minus market, in probability points;
-- expected_return is p_model * price - 1 of the best edge at that (margin-carrying) price:
-- above 0 is a value bet on paper, usually much smaller than the edge.
with

champion as (

    select
        model_name,
        candidate_version as model_version,
        candidate_label as model_label
    from ml.champion_decisions
    where
        model_name = 'plpred-' || :league
        and decision in ('first_champion', 'promoted')
    order by decided_at desc
    limit 1

),

upcoming as (

    select
        match_id,
        kickoff_at,
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
        upcoming.home_team,
        upcoming.away_team,
        champion.model_label,
        champion.model_version,
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
    inner join ml.predictions as predictions
        on upcoming.match_id = predictions.match_id
    inner join champion
        on
            predictions.model_name = champion.model_name
            and predictions.model_version = champion.model_version

),

final as (

    select
        kickoff_at,
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

)

select * from final
order by
    kickoff_at,
    home_team
