{#- The champion's live record against the market and the base rates, one row per league,
    season and matchweek (the Monday of the week of the kickoffs, UK time), with rolling means
    over the last four matchweeks that had matches. Base rates are the outcome shares of the
    league's earlier seasons: the forecast of someone who knows nothing about the teams. The
    rolling means weigh every match alike (sums over the window divided by its match count).
    For the Grafana dashboard "Model against the market". -#}
with

live as (

    select * from {{ ref('mart_live_predictions') }}

),

matches as (

    select * from {{ ref('fct_matches') }}

),

season_outcomes as (

    select
        league,
        season,
        count(*) as n_matches,
        sum(case when result = 'H' then 1 else 0 end) as home_wins,
        sum(case when result = 'D' then 1 else 0 end) as draws
    from matches
    group by
        league,
        season

),

base_rates as (

    select
        later.league,
        later.season,
        cast(sum(earlier.home_wins) as double precision) / sum(earlier.n_matches) as base_p_home,
        cast(sum(earlier.draws) as double precision) / sum(earlier.n_matches) as base_p_draw
    from season_outcomes as later
    inner join season_outcomes as earlier
        on
            later.league = earlier.league
            and earlier.season < later.season
    group by
        later.league,
        later.season

),

scored as (

    select
        live.league,
        live.season,
        cast({{ dbt.date_trunc('week', 'live.kickoff_at_uk') }} as date) as matchweek_start,
        live.model_rps,
        live.market_pre_rps,
        live.market_close_rps,
        (
            power(base_rates.base_p_home - (case when live.result = 'H' then 1.0 else 0.0 end), 2)
            + power(
                base_rates.base_p_home + base_rates.base_p_draw
                - (case when live.result in ('H', 'D') then 1.0 else 0.0 end),
                2
            )
        ) / 2.0 as base_rate_rps
    from live
    left join base_rates
        on
            live.league = base_rates.league
            and live.season = base_rates.season

),

weekly as (

    select
        league,
        season,
        matchweek_start,
        count(*) as n_matches,
        sum(model_rps) as model_rps_sum,
        sum(market_pre_rps) as market_pre_rps_sum,
        count(market_pre_rps) as market_pre_n,
        sum(market_close_rps) as market_close_rps_sum,
        count(market_close_rps) as market_close_n,
        sum(base_rate_rps) as base_rate_rps_sum,
        count(base_rate_rps) as base_rate_n
    from scored
    group by
        league,
        season,
        matchweek_start

),

rolled as (

    select
        weekly.*,
        sum(n_matches) over last_four as rolling_n,
        sum(model_rps_sum) over last_four as rolling_model_rps_sum,
        sum(market_pre_rps_sum) over last_four as rolling_market_pre_rps_sum,
        sum(market_pre_n) over last_four as rolling_market_pre_n,
        sum(market_close_rps_sum) over last_four as rolling_market_close_rps_sum,
        sum(market_close_n) over last_four as rolling_market_close_n,
        sum(base_rate_rps_sum) over last_four as rolling_base_rate_rps_sum,
        sum(base_rate_n) over last_four as rolling_base_rate_n
    from weekly
    window last_four as (
        partition by league
        order by matchweek_start
        rows between 3 preceding and current row
    )

),

final as (

    select
        league,
        season,
        matchweek_start,
        cast(n_matches as integer) as n_matches,
        cast(model_rps_sum / n_matches as double precision) as model_rps,
        cast(market_pre_rps_sum / nullif(market_pre_n, 0) as double precision) as market_pre_rps,
        cast(market_close_rps_sum / nullif(market_close_n, 0) as double precision)
            as market_close_rps,
        cast(base_rate_rps_sum / nullif(base_rate_n, 0) as double precision) as base_rate_rps,
        cast(rolling_n as integer) as rolling_n_matches,
        cast(rolling_model_rps_sum / rolling_n as double precision) as rolling_model_rps,
        cast(rolling_market_pre_rps_sum / nullif(rolling_market_pre_n, 0) as double precision)
            as rolling_market_pre_rps,
        cast(
            rolling_market_close_rps_sum / nullif(rolling_market_close_n, 0) as double precision
        ) as rolling_market_close_rps,
        cast(rolling_base_rate_rps_sum / nullif(rolling_base_rate_n, 0) as double precision)
            as rolling_base_rate_rps
    from rolled

)

select * from final
