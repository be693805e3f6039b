-- Which teams does the model misjudge most? Points against the points the model expected,
-- per team, over the walk-forward seasons of the latest training run.
-- For: a modeller looking for what the features miss (a new manager, a promoted side,
-- injuries), and a bettor who wants to know where not to trust it.
--
-- Parameters:
--   :league text = E0      football-data league code
--   :limit integer = 10    how many teams
--
-- Expected points are 3 * P(win) + P(draw) from the out-of-sample walk-forward forecasts of
-- the run's selected model and of the pre-match market. points_above_model above 0: the team
-- did better than the model thought. The RPS columns say whether the market misjudged the
-- team as well.
with

forecasts as (

    select
        forecasts.match_id,
        case
            when forecasts.model = 'market_pre' then 'market'
            else 'model'
        end as source,
        forecasts.p_home,
        forecasts.p_draw,
        forecasts.p_away
    from ml.walk_forward_predictions as forecasts
    inner join marts.mart_training_runs as runs
        on forecasts.run_id = runs.run_id
    where
        runs.league = :league
        and runs.is_latest
        and (
            forecasts.model || '/' || forecasts.variant = runs.candidate_label
            or forecasts.model = 'market_pre'
        )

),

scored as (

    select
        forecasts.match_id,
        forecasts.source,
        matches.home_team,
        matches.away_team,
        matches.result,
        forecasts.p_home,
        forecasts.p_draw,
        forecasts.p_away,
        case matches.result
            when 'H' then
                ((forecasts.p_home - 1) * (forecasts.p_home - 1)
                + (forecasts.p_home + forecasts.p_draw - 1)
                * (forecasts.p_home + forecasts.p_draw - 1)) / 2
            when 'D' then
                (forecasts.p_home * forecasts.p_home
                + (forecasts.p_home + forecasts.p_draw - 1)
                * (forecasts.p_home + forecasts.p_draw - 1)) / 2
            else
                (forecasts.p_home * forecasts.p_home
                + (forecasts.p_home + forecasts.p_draw)
                * (forecasts.p_home + forecasts.p_draw)) / 2
        end as rps
    from forecasts
    inner join marts.fct_matches as matches
        on forecasts.match_id = matches.match_id

),

team_matches as (

    select
        home_team as team,
        source,
        case result when 'H' then 3 when 'D' then 1 else 0 end as points,
        3 * p_home + p_draw as expected_points,
        rps
    from scored

    union all

    select
        away_team as team,
        source,
        case result when 'A' then 3 when 'D' then 1 else 0 end as points,
        3 * p_away + p_draw as expected_points,
        rps
    from scored

),

per_team as (

    select
        team,
        sum(case when source = 'model' then 1 else 0 end) as matches,
        sum(case when source = 'model' then points else 0 end) as points,
        sum(case when source = 'model' then expected_points else 0 end) as model_expected_points,
        sum(case when source = 'market' then expected_points else 0 end)
            as market_expected_points,
        avg(case when source = 'model' then rps end) as model_rps,
        avg(case when source = 'market' then rps end) as market_rps
    from team_matches
    group by team

),

final as (

    select
        team,
        matches,
        points,
        cast(model_expected_points as double precision) as model_expected_points,
        cast(market_expected_points as double precision) as market_expected_points,
        cast(points - model_expected_points as double precision) as points_above_model,
        cast((points - model_expected_points) / matches as double precision)
            as points_above_model_per_match,
        cast(model_rps as double precision) as model_rps,
        cast(market_rps as double precision) as market_rps
    from per_team
    where matches > 0

)

select * from final
order by
    abs(points_above_model) desc,
    team
limit :limit
