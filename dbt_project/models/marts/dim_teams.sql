{#- One row per team (canonical name) that appears in any result or fixture. -#}
with

team_matches as (

    select * from {{ ref('int_team_matches_unpivoted') }}

),

team_aliases as (

    select * from {{ ref('team_aliases') }}

),

canonical_names as (

    select distinct team_name from team_aliases

),

latest_appearances as (

    select
        team_id,
        league,
        season,
        row_number() over (
            partition by team_id
            order by kickoff_date desc, match_id
        ) as recency_rank
    from team_matches

),

match_counts as (

    select
        team_id,
        team,
        count(case when is_played then 1 end) as matches_played,
        count(case when not is_played then 1 end) as fixtures_upcoming,
        min(case when is_played then kickoff_date end) as first_match_date,
        max(case when is_played then kickoff_date end) as last_match_date
    from team_matches
    group by
        team_id,
        team

),

final as (

    select
        match_counts.team_id,
        match_counts.team as team_name,
        canonical_names.team_name is not null as is_in_team_aliases,
        latest_appearances.league as latest_league,
        latest_appearances.season as latest_season,
        cast(match_counts.matches_played as integer) as matches_played,
        cast(match_counts.fixtures_upcoming as integer) as fixtures_upcoming,
        match_counts.first_match_date,
        match_counts.last_match_date
    from match_counts
    inner join latest_appearances
        on
            match_counts.team_id = latest_appearances.team_id
            and latest_appearances.recency_rank = 1
    left join canonical_names
        on match_counts.team = canonical_names.team_name

)

select * from final
