{#- The champion's health per league and day (of the clock): the headline numbers of the day's
    last monitoring run and the worst status of all its runs that day. Rolling RPS of the model
    and of the market's pre-match and closing prices are over the same last N settled matches
    (ml/retraining.toml [monitor] window). A view: current as soon as a run is stored. -#}
{{ config(materialized='view') }}

with

runs as (

    select * from {{ ref('stg_monitoring__runs') }}

),

metrics as (

    select * from {{ ref('stg_monitoring__metrics') }}

),

ranked_runs as (

    select
        run_id,
        league,
        cast(as_of as date) as day,
        model_version,
        report_path,
        case status when 'alert' then 3 when 'warn' then 2 when 'no_data' then 1 else 0 end
            as severity,
        row_number() over (
            partition by league, cast(as_of as date)
            order by as_of desc, computed_at desc, run_id desc
        ) as newest_first
    from runs

),

worst_of_day as (

    select
        league,
        day,
        max(severity) as severity
    from ranked_runs
    group by league, day

),

headline as (

    select
        run_id,
        max(case when metric = 'settled_matches' then value end) as n_matches,
        max(case when metric = 'rps_model' then value end) as rps_model,
        max(case when metric = 'rps_market_pre' then value end) as rps_market_pre,
        max(case when metric = 'rps_market_close' then value end) as rps_market_close,
        max(case when metric = 'rps_gap_vs_market' then value end) as rps_gap_vs_market,
        max(case when metric = 'log_loss_model' then value end) as log_loss_model,
        max(case when metric = 'ece' then value end) as ece,
        max(case when metric = 'drifted_feature_share' then value end) as drifted_feature_share
    from metrics
    where feature is null
    group by run_id

),

final as (

    select
        ranked_runs.league,
        ranked_runs.day,
        ranked_runs.model_version,
        cast(headline.n_matches as integer) as n_matches,
        cast(headline.rps_model as double precision) as rps_model,
        cast(headline.rps_market_pre as double precision) as rps_market_pre,
        cast(headline.rps_market_close as double precision) as rps_market_close,
        cast(headline.rps_gap_vs_market as double precision) as rps_gap_vs_market,
        cast(headline.log_loss_model as double precision) as log_loss_model,
        cast(headline.ece as double precision) as ece,
        cast(headline.drifted_feature_share as double precision) as drifted_feature_share,
        case worst_of_day.severity
            when 3 then 'alert' when 2 then 'warn' when 1 then 'no_data' else 'ok'
        end as status,
        ranked_runs.run_id as last_run_id,
        ranked_runs.report_path
    from ranked_runs
    inner join worst_of_day
        on ranked_runs.league = worst_of_day.league
        and ranked_runs.day = worst_of_day.day
    left join headline
        on ranked_runs.run_id = headline.run_id
    where ranked_runs.newest_first = 1

)

select * from final
