-- How did the live predictions do once the matches were played? RPS, log loss and accuracy of
-- each model version's ml.predictions against the pre-match market on the same matches.
-- For: whoever checks that the champion performs live as it did in the walk-forward evaluation.
--
-- Parameters:
--   :league text = E0    football-data league code
--
-- Only matches with a result and a market price count. Few matches mean noisy numbers: a
-- season is 380 matches, a matchday 10.
with

scored as (

    select
        predictions.model_name,
        predictions.model_version,
        predictions.model_label,
        matches.result,
        predictions.p_home,
        predictions.p_draw,
        matches.prematch_market_home_prob_proportional as market_home,
        matches.prematch_market_draw_prob_proportional as market_draw,
        case matches.result
            when 'H' then predictions.p_home
            when 'D' then predictions.p_draw
            else predictions.p_away
        end as model_p_result,
        case matches.result
            when 'H' then matches.prematch_market_home_prob_proportional
            when 'D' then matches.prematch_market_draw_prob_proportional
            else matches.prematch_market_away_prob_proportional
        end as market_p_result,
        case
            when predictions.p_home >= predictions.p_draw and predictions.p_home >= predictions.p_away
                then 'H'
            when predictions.p_draw >= predictions.p_away then 'D'
            else 'A'
        end as model_pick,
        case
            when
                matches.prematch_market_home_prob_proportional
                >= matches.prematch_market_draw_prob_proportional
                and matches.prematch_market_home_prob_proportional
                >= matches.prematch_market_away_prob_proportional
                then 'H'
            when
                matches.prematch_market_draw_prob_proportional
                >= matches.prematch_market_away_prob_proportional
                then 'D'
            else 'A'
        end as market_pick
    from ml.predictions as predictions
    inner join marts.fct_matches as matches
        on predictions.match_id = matches.match_id
    where
        predictions.league = :league
        and matches.prematch_market_home_prob_proportional is not null

),

with_rps as (

    select
        *,
        case result
            when 'H' then
                ((p_home - 1) * (p_home - 1) + (p_home + p_draw - 1) * (p_home + p_draw - 1)) / 2
            when 'D' then (p_home * p_home + (p_home + p_draw - 1) * (p_home + p_draw - 1)) / 2
            else (p_home * p_home + (p_home + p_draw) * (p_home + p_draw)) / 2
        end as model_rps,
        case result
            when 'H' then
                ((market_home - 1) * (market_home - 1)
                + (market_home + market_draw - 1) * (market_home + market_draw - 1)) / 2
            when 'D' then
                (market_home * market_home
                + (market_home + market_draw - 1) * (market_home + market_draw - 1)) / 2
            else
                (market_home * market_home
                + (market_home + market_draw) * (market_home + market_draw)) / 2
        end as market_rps
    from scored

),

final as (

    select
        model_name,
        model_version,
        max(model_label) as model_label,
        count(*) as matches,
        cast(avg(model_rps) as double precision) as model_rps,
        cast(avg(market_rps) as double precision) as market_rps,
        cast(avg(-ln(greatest(model_p_result, 1e-15))) as double precision) as model_log_loss,
        cast(avg(-ln(greatest(market_p_result, 1e-15))) as double precision)
            as market_log_loss,
        cast(avg(case when model_pick = result then 1 else 0 end) as double precision)
            as model_accuracy,
        cast(avg(case when market_pick = result then 1 else 0 end) as double precision)
            as market_accuracy
    from with_rps
    group by
        model_name,
        model_version

)

select * from final
order by
    model_name,
    model_version
