{#- Prices of the latest version of each landed row. Ingestion writes a row's prices with the
    row (same load_id and row number), so the prices to read are those of the version that
    stg_football_data__matches / __fixtures read: the same version_rank over the same keys. -#}
with

odds as (

    select * from {{ source('football_data', 'odds') }}

),

matches as (

    select * from {{ source('football_data', 'matches') }}

),

fixtures as (

    select * from {{ source('football_data', 'fixtures') }}

),

landed_rows as (

    select
        'result' as row_kind,
        load_id,
        row_number,
        loaded_at,
        league,
        season,
        home_team,
        away_team
    from matches

    union all

    select
        'fixture' as row_kind,
        load_id,
        row_number,
        loaded_at,
        league,
        season,
        home_team,
        away_team
    from fixtures

),

landed_rows_ranked as (

    select
        *,
        {{ version_rank(['row_kind', 'league', 'season', 'home_team', 'away_team']) }}
            as version_rank
    from landed_rows

),

latest_rows as (

    select * from landed_rows_ranked
    where version_rank = 1

),

latest_odds as (

    select
        latest_rows.row_kind,
        latest_rows.loaded_at,
        odds.*
    from odds
    inner join latest_rows
        on
            odds.load_id = latest_rows.load_id
            and odds.row_number = latest_rows.row_number

),

final as (

    select
        {{ football_data_match_id('league', 'season', 'home_team', 'away_team') }} as match_id,
        row_kind,
        league,
        {{ season_label('season') }} as season,
        {{ season_code('season') }} as season_code,
        match_date as kickoff_date,
        bookmaker,
        market,
        selection,
        cast(line as double precision) as line,
        period,
        cast(price as double precision) as price,
        source_column,
        load_id,
        source_file,
        row_number as source_row_number,
        loaded_at
    from latest_odds

)

select * from final
