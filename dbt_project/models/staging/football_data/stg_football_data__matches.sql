with

latest_versions as (

    {{ latest_row_versions('matches', 'result') }}

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
        home_goals,
        away_goals,
        upper(trim(result)) as result,
        ht_home_goals,
        ht_away_goals,
        upper(trim(ht_result)) as ht_result,
        nullif(trim(referee), '') as referee,
        attendance,
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
        away_reds,
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
        home_goals,
        away_goals,
        result,
        ht_home_goals,
        ht_away_goals,
        ht_result,
        referee,
        attendance,
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
        away_reds,
        load_id,
        source_file,
        source_row_number,
        record_hash,
        loaded_at
    from renamed

)

select * from final
