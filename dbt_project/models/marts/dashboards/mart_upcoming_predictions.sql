{#- Matches still to be played that the champion has predicted: the prediction in force (the
    newest, by whichever version was champion then: int_predictions_ranked decides), the market's pre-match prices and their
    probabilities with the margin removed proportionally, and the edge (model minus market,
    in probability points) of each selection. expected_return is p_model * price - 1 of the
    selection with the best edge, at the margin-carrying price: above 0 is a value bet on
    paper. The logic of sql/queries/predictions__upcoming_with_market_and_edge.sql, for every
    league at once. -#}
with

predictions as (

    select * from {{ ref('int_predictions_ranked') }}

),

features as (

    select * from {{ ref('mart_match_features') }}

),

in_force as (

    select * from predictions
    where newest_first = 1

),

compared as (

    select
        features.match_id,
        features.league,
        features.season,
        features.kickoff_at,
        features.kickoff_at_uk,
        features.home_team,
        features.away_team,
        in_force.model_name,
        in_force.model_version,
        in_force.model_label,
        in_force.predicted_at,
        in_force.p_home,
        in_force.p_draw,
        in_force.p_away,
        features.prematch_market_home_odds as home_odds,
        features.prematch_market_draw_odds as draw_odds,
        features.prematch_market_away_odds as away_odds,
        features.prematch_market_home_prob_proportional as market_p_home,
        features.prematch_market_draw_prob_proportional as market_p_draw,
        features.prematch_market_away_prob_proportional as market_p_away
    from features
    inner join in_force
        on features.match_id = in_force.match_id
    where not features.is_played

),

edges as (

    select
        compared.*,
        p_home - market_p_home as edge_home,
        p_draw - market_p_draw as edge_draw,
        p_away - market_p_away as edge_away
    from compared

),

final as (

    select
        match_id,
        league,
        season,
        kickoff_at,
        kickoff_at_uk,
        home_team,
        away_team,
        model_name,
        model_version,
        model_label,
        predicted_at,
        cast(p_home as double precision) as p_home,
        cast(p_draw as double precision) as p_draw,
        cast(p_away as double precision) as p_away,
        cast(home_odds as double precision) as home_odds,
        cast(draw_odds as double precision) as draw_odds,
        cast(away_odds as double precision) as away_odds,
        cast(market_p_home as double precision) as market_p_home,
        cast(market_p_draw as double precision) as market_p_draw,
        cast(market_p_away as double precision) as market_p_away,
        cast(edge_home as double precision) as edge_home,
        cast(edge_draw as double precision) as edge_draw,
        cast(edge_away as double precision) as edge_away,
        case
            when edge_home is null then null
            when edge_home >= edge_draw and edge_home >= edge_away then 'home'
            when edge_draw >= edge_away then 'draw'
            else 'away'
        end as best_edge_selection,
        cast(greatest(edge_home, edge_draw, edge_away) as double precision) as best_edge,
        cast(case
            when edge_home is null then null
            when edge_home >= edge_draw and edge_home >= edge_away then p_home * home_odds - 1
            when edge_draw >= edge_away then p_draw * draw_odds - 1
            else p_away * away_odds - 1
        end as double precision) as expected_return
    from edges

)

select * from final
