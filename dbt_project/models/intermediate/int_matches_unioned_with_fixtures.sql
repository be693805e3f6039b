{#- Every match once: the latest result row of each match, plus the fixtures that have no
    result row yet (upcoming). A fixture and its later result share match_id, so a played
    match never appears twice. -#}
with

matches as (

    select * from {{ ref('stg_football_data__matches') }}

),

fixtures as (

    select * from {{ ref('stg_football_data__fixtures') }}

),

results as (

    select
        match_id,
        league,
        season,
        season_code,
        kickoff_date,
        kickoff_time,
        kickoff_at,
        kickoff_at_uk,
        home_team,
        away_team,
        home_goals is not null and away_goals is not null as is_played,
        home_goals,
        away_goals,
        result,
        ht_home_goals,
        ht_away_goals,
        ht_result,
        referee,
        home_shots,
        away_shots,
        home_shots_on_target,
        away_shots_on_target,
        home_fouls,
        away_fouls,
        home_corners,
        away_corners,
        home_yellows,
        away_yellows,
        home_reds,
        away_reds
    from matches

),

upcoming as (

    select
        fixtures.match_id,
        fixtures.league,
        fixtures.season,
        fixtures.season_code,
        fixtures.kickoff_date,
        fixtures.kickoff_time,
        fixtures.kickoff_at,
        fixtures.kickoff_at_uk,
        fixtures.home_team,
        fixtures.away_team,
        false as is_played,
        cast(null as integer) as home_goals,
        cast(null as integer) as away_goals,
        cast(null as text) as result,
        cast(null as integer) as ht_home_goals,
        cast(null as integer) as ht_away_goals,
        cast(null as text) as ht_result,
        fixtures.referee,
        cast(null as integer) as home_shots,
        cast(null as integer) as away_shots,
        cast(null as integer) as home_shots_on_target,
        cast(null as integer) as away_shots_on_target,
        cast(null as integer) as home_fouls,
        cast(null as integer) as away_fouls,
        cast(null as integer) as home_corners,
        cast(null as integer) as away_corners,
        cast(null as integer) as home_yellows,
        cast(null as integer) as away_yellows,
        cast(null as integer) as home_reds,
        cast(null as integer) as away_reds
    from fixtures
    left join matches
        on fixtures.match_id = matches.match_id
    where matches.match_id is null

),

final as (

    select * from results
    union all
    select * from upcoming

)

select * from final
