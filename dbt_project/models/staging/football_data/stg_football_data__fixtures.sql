with

latest_versions as (

    {{ latest_row_versions('fixtures', 'fixture') }}

),

renamed as (

    select
        match_id,
        league,
        {{ season_label('season') }} as season,
        {{ season_code('season') }} as season_code,
        match_date as kickoff_date,
        {{ parse_kickoff_time('kickoff_time') }} as kickoff_time,
        home_team_key as home_team,
        away_team_key as away_team,
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

final as (

    select
        match_id,
        league,
        season,
        season_code,
        kickoff_date,
        kickoff_time,
        {{ uk_local_to_utc('kickoff_date', 'kickoff_time') }} as kickoff_at,
        {{ uk_local_timestamp('kickoff_date', 'kickoff_time') }} as kickoff_at_uk,
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
    from renamed

)

select * from final
