{{ config(materialized='view') }}

{#- The conditions Grafana alerts on (grafana/provisioning/alerting/plpred.json), for the report
    and SQL users who do not run Grafana: one row per alert and subject, firing or not, with
    the value and the limit it was judged against. A view over views and monitoring marts, so it
    is current without a dbt build.
    - rps_worse_than_market: the monitoring metric rps_gap_vs_market (the champion's rolling
      RPS minus the market's pre-match RPS) above its threshold (ml/retraining.toml).
    - no_recent_load: in season, no successful load of a file kind for longer than
      max_hours_between_loads, at the pipeline's latest clock (Grafana uses its own now()).
    - drawdown_beyond_limit: a live strategy's maximum drawdown share above
      drawdown_limit_fraction.
    - dbt_build_failed: the league's newest dbt build step (transform, ledger marts) failed
      (value 1, threshold 0). -#}
with

monitoring as (

    select * from {{ ref('mart_monitoring_latest') }}

),

freshness as (

    select * from {{ ref('mart_data_freshness') }}

),

strategies as (

    select * from {{ ref('mart_strategy_performance') }}

),

steps as (

    select * from {{ ref('mart_pipeline_steps') }}

),

rps as (

    select
        'rps_worse_than_market' as alert,
        league,
        coalesce(model_version, 'no champion') as subject,
        value,
        threshold,
        -- The monitor's own judgement: beyond the threshold and beyond noise, on enough
        -- matches (a gap above the threshold on a handful of matches is warn or no_data).
        coalesce(status = 'alert', false) as is_firing,
        as_of,
        'monitoring status ' || status as detail
    from monitoring
    where
        metric = 'rps_gap_vs_market'
        and feature is null

),

loads as (

    select
        'no_recent_load' as alert,
        league,
        file_kind as subject,
        hours_since_success_at_clock as value,
        max_hours_between_loads as threshold,
        is_stale as is_firing,
        clock_as_of as as_of,
        case
            when is_in_season then 'in season; last successful load ' || coalesce(
                cast(last_success_at as {{ dbt.type_string() }}), 'never'
            )
            else 'out of season'
        end as detail
    from freshness

),

drawdowns as (

    select
        'drawdown_beyond_limit' as alert,
        league,
        strategy as subject,
        max_drawdown_fraction as value,
        drawdown_limit_fraction as threshold,
        coalesce(max_drawdown_fraction > drawdown_limit_fraction, false) as is_firing,
        cast(null as timestamp) as as_of,
        'live book, ' || cast(bets as {{ dbt.type_string() }}) || ' bets' as detail
    from strategies
    where
        book_kind = 'live'
        and season = 'all'

),

dbt_builds as (

    select
        'dbt_build_failed' as alert,
        league,
        step as subject,
        case when status = 'failed' then 1.0 else 0.0 end as value,
        0.0 as threshold,
        status = 'failed' as is_firing,
        as_of,
        detail
    from steps
    where is_latest_dbt_step

),

unioned as (

    select * from rps
    union all
    select * from loads
    union all
    select * from drawdowns
    union all
    select * from dbt_builds

),

final as (

    select
        alert,
        league,
        subject,
        cast(value as double precision) as value,
        cast(threshold as double precision) as threshold,
        is_firing,
        as_of,
        detail
    from unioned

)

select * from final
