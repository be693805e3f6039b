with

source as (

    select * from {{ source('football_data', 'fixtures') }}

),

team_aliases as (

    select * from {{ ref('team_aliases') }}

),

versions_ranked as (

    select
        *,
        {{ version_rank(['league', 'season', 'home_team', 'away_team']) }} as version_rank
    from source

),

latest_versions as (

    select * from versions_ranked
    where version_rank = 1

),

renamed as (

    select
        {{ football_data_match_id('league', 'season', 'home_team', 'away_team') }} as match_id,
        league,
        {{ season_label('season') }} as season,
        {{ season_code('season') }} as season_code,
        match_date as kickoff_date,
        {{ parse_kickoff_time('kickoff_time') }} as kickoff_time,
        home_team as home_team_raw,
        away_team as away_team_raw,
        nullif(trim(referee), '') as referee,
        load_id,
        source_file,
        row_number as source_row_number,
        record_hash,
        loaded_at
    from latest_versions

),

teams_canonicalised as (

    select
        renamed.*,
        coalesce(home_aliases.team_name, renamed.home_team_raw) as home_team,
        coalesce(away_aliases.team_name, renamed.away_team_raw) as away_team
    from renamed
    left join team_aliases as home_aliases
        on lower(trim(renamed.home_team_raw)) = lower(home_aliases.alias)
    left join team_aliases as away_aliases
        on lower(trim(renamed.away_team_raw)) = lower(away_aliases.alias)

),

final as (

    select
        match_id,
        league,
        season,
        season_code,
        kickoff_date,
        kickoff_time,
        cast(
            kickoff_date + coalesce(kickoff_time, cast('00:00' as time)) as timestamp
        ) as kickoff_at,
        home_team,
        away_team,
        home_team_raw,
        away_team_raw,
        referee,
        load_id,
        source_file,
        source_row_number,
        record_hash,
        loaded_at
    from teams_canonicalised

)

select * from final
