{#- Every landed row of raw.matches and raw.fixtures with its canonical key, its version rank and
    its match_id: the one place the natural key and the match id are decided.

    The key is (league, season, canonical home team, canonical away team), the teams through the
    seed team_aliases (the same file ingestion reads), so a corrected file that spells a club
    anew (Nott'm Forest, later Nottingham Forest) adds a version of the same match, not a second
    match. version_rank 1 is the version staging reads, per kind of row (result or fixture).

    match_id is md5(league|season code|home|away) of the team names as football-data first wrote
    them for this key (the earliest landed row, result or fixture): exactly the id every match had
    when it was keyed on the names as written, so ids already stored in ml.predictions and
    betting.bets keep pointing at their match, and a later spelling keeps the first one's id. -#}

{#- A table, not a view like the other staging models: Postgres misjudges the filtered,
    windowed self-join below as one row and plans nested loops over every raw row (minutes
    per query on a league's 26 seasons, repeated by each test of this model), where one
    build of the table and its statistics serve every reader. -#}
{{ config(materialized='table', post_hook="{{ analyze_relation(this) }}") }}

with

matches as (

    select * from {{ source('football_data', 'matches') }}

),

fixtures as (

    select * from {{ source('football_data', 'fixtures') }}

),

team_aliases as (

    select
        lower(trim(alias)) as alias_key,
        max(team_name) as team_name
    from {{ ref('team_aliases') }}
    group by lower(trim(alias))

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

canonicalised as (

    select
        landed_rows.*,
        {{ season_code('landed_rows.season') }} as key_season_code,
        coalesce(home_aliases.team_name, landed_rows.home_team) as home_team_key,
        coalesce(away_aliases.team_name, landed_rows.away_team) as away_team_key
    from landed_rows
    left join team_aliases as home_aliases
        on lower(trim(landed_rows.home_team)) = home_aliases.alias_key
    left join team_aliases as away_aliases
        on lower(trim(landed_rows.away_team)) = away_aliases.alias_key

),

ranked as (

    select
        *,
        {{ version_rank(['row_kind', 'league', 'key_season_code', 'home_team_key', 'away_team_key']) }}
            as version_rank,
        row_number() over (
            partition by league, key_season_code, home_team_key, away_team_key
            order by loaded_at, load_id, row_number
        ) as spelling_rank
    from canonicalised

),

first_spellings as (

    select
        league,
        key_season_code,
        home_team_key,
        away_team_key,
        {{ football_data_match_id('league', 'season', 'home_team', 'away_team') }} as match_id
    from ranked
    where spelling_rank = 1

),

final as (

    select
        first_spellings.match_id,
        ranked.row_kind,
        ranked.load_id,
        ranked.row_number,
        ranked.loaded_at,
        ranked.version_rank,
        ranked.home_team_key,
        ranked.away_team_key
    from ranked
    inner join first_spellings
        on
            ranked.league = first_spellings.league
            and ranked.key_season_code = first_spellings.key_season_code
            and ranked.home_team_key = first_spellings.home_team_key
            and ranked.away_team_key = first_spellings.away_team_key

)

select * from final
