{#- Leakage test: fails for every match one of whose features could have used that match or
    a later one.
    1. No date a feature used (features_as_of of either side, the teams' previous match
       dates) may be on or after the kickoff date.
    2. For played matches, the history the features count is recomputed independently from
       fct_matches: each side's matches_played and last_match_date must equal the number and
       the date of the team's matches that kicked off strictly before this one. A window that
       included the match itself, or a later one, would change both.
    Dates are UK local dates as published (kickoff_date); kickoff_at is the UTC instant and
    orders matches the same way as UK wall-clock time (no kickoff falls in a clock change's
    repeated hour), so the two checks agree whatever the season's clock. -#}
with

features as (

    select * from {{ ref('mart_match_features') }}

),

matches as (

    select * from {{ ref('fct_matches') }}

),

dates_used as (

    select match_id, kickoff_date, 'features_as_of' as feature, features_as_of as used_date
    from features
    union all
    select match_id, kickoff_date, 'home_features_as_of', home_features_as_of from features
    union all
    select match_id, kickoff_date, 'away_features_as_of', away_features_as_of from features
    union all
    select match_id, kickoff_date, 'home_last_match_date', home_last_match_date from features
    union all
    select match_id, kickoff_date, 'away_last_match_date', away_last_match_date from features

),

dated_leaks as (

    select
        match_id,
        feature,
        cast(used_date as text) as found,
        cast(kickoff_date as text) as expected_before
    from dates_used
    where used_date >= kickoff_date

),

team_histories as (

    select match_id, home_team_id as team_id, kickoff_at, kickoff_date from matches
    union all
    select match_id, away_team_id as team_id, kickoff_at, kickoff_date from matches

),

recounted as (

    select
        match_id,
        team_id,
        count(*) over earlier_matches as matches_before,
        max(kickoff_date) over earlier_matches as previous_match_date
    from team_histories
    window earlier_matches as (
        partition by team_id
        order by kickoff_at, match_id
        rows between unbounded preceding and 1 preceding
    )

),

sides as (

    select
        match_id,
        home_team_id as team_id,
        'home' as side,
        home_matches_played as matches_played,
        home_last_match_date as last_match_date
    from features
    where is_played
    union all
    select
        match_id,
        away_team_id as team_id,
        'away' as side,
        away_matches_played as matches_played,
        away_last_match_date as last_match_date
    from features
    where is_played

),

history_leaks as (

    select
        sides.match_id,
        sides.side || '_matches_played/last_match_date' as feature,
        cast(sides.matches_played as text) || ' / ' || coalesce(cast(sides.last_match_date as text), '-')
            as found,
        cast(recounted.matches_before as text) || ' / '
        || coalesce(cast(recounted.previous_match_date as text), '-') as expected_before
    from sides
    inner join recounted
        on
            sides.match_id = recounted.match_id
            and sides.team_id = recounted.team_id
    where
        sides.matches_played != recounted.matches_before
        or sides.last_match_date is distinct from recounted.previous_match_date

),

final as (

    select * from dated_leaks
    union all
    select * from history_leaks

)

select * from final
