{#- Prices of the latest version of each landed row. Ingestion writes a row's prices with the
    row (same load_id and row number), so the prices to read are those of the version that
    stg_football_data__matches / __fixtures read: the versions ranked 1 in
    stg_football_data__row_keys, with their match_id. -#}
with

odds as (

    select * from {{ source('football_data', 'odds') }}

),

latest_rows as (

    select * from {{ ref('stg_football_data__row_keys') }}
    where version_rank = 1

),

latest_odds as (

    select
        latest_rows.match_id,
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
        match_id,
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
