{{ config(materialized='view') }}

{#- How fresh each league's data is, one row per league and file kind (results files, and
    fixtures.csv as league 'all'), at the latest clock the pipeline ran at (clock_as_of, the
    newest as_of in ops.runs): the last load attempt and the last successful one (loaded or
    unchanged), the newest played kickoff, and whether the league is in season (a match kicked
    off in the seven days before the clock or is due in the seven days after). In season,
    results and fixtures should be checked at least every max_hours_between_loads hours (dbt
    var max_hours_between_loads, default 72): is_stale says the last successful load is older
    than that at the clock. Grafana's alert compares the same columns with its own now(). -#}
with

loads as (

    select * from {{ ref('mart_loads') }}

),

runs as (

    select * from {{ ref('stg_ops__runs') }}

),

features as (

    select * from {{ ref('mart_match_features') }}

),

clock as (

    select max(as_of) as clock_as_of from runs

),

per_file_kind as (

    select
        league,
        file_kind,
        max(known_at) as last_attempt_at,
        max(case when is_success then known_at end) as last_success_at,
        max(case when status = 'loaded' then known_at end) as last_loaded_at,
        cast(sum(rows_inserted) as integer) as rows_inserted,
        cast(sum(rows_rejected) as integer) as rows_rejected,
        cast(sum(case when is_success then 0 else 1 end) as integer) as failed_loads
    from loads
    group by
        league,
        file_kind

),

last_attempts as (

    select
        league,
        file_kind,
        status,
        row_number() over (
            partition by league, file_kind
            order by known_at desc, load_id desc
        ) as newest_first
    from loads

),

calendar as (

    select
        features.league,
        max(case when features.is_played then features.kickoff_at end) as last_played_kickoff_at,
        min(case when not features.is_played then features.kickoff_at end)
            as next_fixture_kickoff_at,
        max(case
            when
                features.kickoff_at > {{ dbt.dateadd('day', -7, 'clock.clock_as_of') }}
                and features.kickoff_at < {{ dbt.dateadd('day', 7, 'clock.clock_as_of') }}
                then 1
            else 0
        end) as has_matches_near_clock
    from features
    cross join clock
    group by features.league

),

any_league as (

    select
        'all' as league,
        max(last_played_kickoff_at) as last_played_kickoff_at,
        min(next_fixture_kickoff_at) as next_fixture_kickoff_at,
        max(has_matches_near_clock) as has_matches_near_clock
    from calendar

),

calendars as (

    select * from calendar
    union all
    select * from any_league

),

final as (

    select
        per_file_kind.league,
        per_file_kind.file_kind,
        clock.clock_as_of,
        per_file_kind.last_attempt_at,
        last_attempts.status as last_attempt_status,
        per_file_kind.last_success_at,
        per_file_kind.last_loaded_at,
        per_file_kind.rows_inserted,
        per_file_kind.rows_rejected,
        per_file_kind.failed_loads,
        calendars.last_played_kickoff_at,
        calendars.next_fixture_kickoff_at,
        coalesce(calendars.has_matches_near_clock, 0) = 1 as is_in_season,
        cast({{ var('max_hours_between_loads', 72) }} as double precision)
            as max_hours_between_loads,
        cast(
            {{ dbt.datediff('per_file_kind.last_success_at', 'clock.clock_as_of', 'minute') }}
            as double precision
        ) / 60.0 as hours_since_success_at_clock,
        coalesce(calendars.has_matches_near_clock, 0) = 1
        and (
            per_file_kind.last_success_at is null
            or {{ dbt.datediff('per_file_kind.last_success_at', 'clock.clock_as_of', 'minute') }}
            > 60 * {{ var('max_hours_between_loads', 72) }}
        ) as is_stale
    from per_file_kind
    cross join clock
    left join last_attempts
        on
            per_file_kind.league = last_attempts.league
            and per_file_kind.file_kind = last_attempts.file_kind
            and last_attempts.newest_first = 1
    left join calendars
        on per_file_kind.league = calendars.league

)

select * from final
