-- How did the live predictions do once the matches were played? RPS, log loss and accuracy of
-- the champion's prediction in force at kickoff, per model version, against the market's
-- pre-match and closing prices on the same matches.
-- For: whoever checks that the champion performs live as it did in the walk-forward evaluation.
--
-- Parameters:
--   :league text = E0    football-data league code
--
-- Read from marts.mart_live_predictions (one row per played match: the newest prediction made
-- before kickoff, by whichever version was champion then, and the RPS and log loss of it and of
-- the market), the numbers `plpred replay` prints and the report shows; only matches with a
-- pre-match and a closing price count. market_* is the pre-match market average (what a bettor
-- could take), close_* the closing prices (Pinnacle's, else the average's). Few matches mean
-- noisy numbers: a season is 380 matches, a matchday 10. Run `plpred transform` after scoring
-- and ingesting results to refresh the mart.
with

picks as (

    select
        *,
        case
            when p_home >= p_draw and p_home >= p_away then 'H'
            when p_draw >= p_away then 'D'
            else 'A'
        end as model_pick,
        case
            when market_pre_p_home >= market_pre_p_draw and market_pre_p_home >= market_pre_p_away
                then 'H'
            when market_pre_p_draw >= market_pre_p_away then 'D'
            else 'A'
        end as market_pick
    from marts.mart_live_predictions
    where
        league = :league
        and market_pre_rps is not null
        and market_close_rps is not null

),

final as (

    select
        model_name,
        model_version,
        max(model_label) as model_label,
        count(*) as matches,
        min(kickoff_at_uk) as first_kickoff_uk,
        max(kickoff_at_uk) as last_kickoff_uk,
        cast(avg(model_rps) as double precision) as model_rps,
        cast(avg(market_pre_rps) as double precision) as market_rps,
        cast(avg(market_close_rps) as double precision) as close_rps,
        cast(avg(model_log_loss) as double precision) as model_log_loss,
        cast(avg(market_pre_log_loss) as double precision) as market_log_loss,
        cast(avg(market_close_log_loss) as double precision) as close_log_loss,
        cast(avg(case when model_pick = result then 1 else 0 end) as double precision)
            as model_accuracy,
        cast(avg(case when market_pick = result then 1 else 0 end) as double precision)
            as market_accuracy,
        min(kickoff_at) as first_kickoff_at
    from picks
    group by
        model_name,
        model_version

)

select
    model_name,
    model_version,
    model_label,
    matches,
    first_kickoff_uk,
    last_kickoff_uk,
    model_rps,
    market_rps,
    close_rps,
    model_rps - market_rps as rps_vs_market,
    model_log_loss,
    market_log_loss,
    close_log_loss,
    model_accuracy,
    market_accuracy
from final
order by
    model_name,
    first_kickoff_at,
    model_version
