{#- Home advantage per league and season, played matches only: the shares of home wins, draws
    and away wins, goals per match at home and away, and points per match of home and away
    sides (3 for a win, 1 for a draw). home_points_edge is home minus away points per match:
    about 0.4 in a typical Premier League season, near 0 in 2020-21 without crowds. -#}
with

matches as (

    select * from {{ ref('fct_matches') }}

),

final as (

    select
        league,
        season,
        cast(count(*) as integer) as n_matches,
        cast(avg(case when result = 'H' then 1.0 else 0.0 end) as double precision)
            as home_win_share,
        cast(avg(case when result = 'D' then 1.0 else 0.0 end) as double precision)
            as draw_share,
        cast(avg(case when result = 'A' then 1.0 else 0.0 end) as double precision)
            as away_win_share,
        cast(avg(home_goals * 1.0) as double precision) as home_goals_per_match,
        cast(avg(away_goals * 1.0) as double precision) as away_goals_per_match,
        cast(avg(case result when 'H' then 3.0 when 'D' then 1.0 else 0.0 end) as double precision)
            as home_points_per_match,
        cast(avg(case result when 'A' then 3.0 when 'D' then 1.0 else 0.0 end) as double precision)
            as away_points_per_match,
        cast(
            avg(case result when 'H' then 3.0 when 'D' then 1.0 else 0.0 end)
            - avg(case result when 'A' then 3.0 when 'D' then 1.0 else 0.0 end)
            as double precision
        ) as home_points_edge
    from matches
    group by
        league,
        season

)

select * from final
