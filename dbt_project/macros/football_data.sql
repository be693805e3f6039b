{#- Season codes and labels. football-data names a season by a code of two two-digit years
    (2526); people and dashboards read the label (2025-26). The raw tables may hold either
    form, so both macros accept either and give the same answer. -#}
{% macro season_code(column) -%}
    case
        when length({{ column }}) = 4 then {{ column }}
        else substr({{ column }}, 3, 2) || right({{ column }}, 2)
    end
{%- endmacro %}

{% macro season_label(column) -%}
    case
        when length({{ column }}) = 4
            then
                case when cast(left({{ column }}, 2) as integer) >= 90 then '19' else '20' end
                || left({{ column }}, 2) || '-' || right({{ column }}, 2)
        else left({{ column }}, 4) || '-' || right({{ column }}, 2)
    end
{%- endmacro %}

{#- The stable match id: md5 of league|season code|home team|away team. It is called (in
    stg_football_data__row_keys only) with the team names as football-data first wrote them for
    the match's canonical key, so a later spelling keeps the id, ids stored before keys were
    canonical are unchanged, and a fixture and the result that later replaces it share it. -#}
{% macro football_data_match_id(league, season, home_team, away_team) -%}
    {{ dbt.hash(dbt.concat([
        league, "'|'", season_code(season), "'|'", home_team, "'|'", away_team
    ])) }}
{%- endmacro %}

{#- Rank the versions of a raw row, newest first: 1 is the version staging reads.
    Ingestion appends a new version when a row's values change; load_id and the row number
    only break ties between rows loaded at the same instant. -#}
{% macro version_rank(partition_by) -%}
    row_number() over (
        partition by {{ partition_by | join(', ') }}
        order by loaded_at desc, load_id desc, row_number desc
    )
{%- endmacro %}

{#- The latest version of every row of a raw football-data table (matches or fixtures), with
    its match_id and canonical team keys: the row version stg_football_data__row_keys ranks
    first for its natural key within its row kind. Both staging models of rows start here. -#}
{% macro latest_row_versions(table, row_kind) -%}
    select
        source.*,
        row_keys.match_id,
        row_keys.home_team_key,
        row_keys.away_team_key
    from {{ source('football_data', table) }} as source
    inner join {{ ref('stg_football_data__row_keys') }} as row_keys
        on
            source.load_id = row_keys.load_id
            and source.row_number = row_keys.row_number
            and source.loaded_at = row_keys.loaded_at
    where
        row_keys.row_kind = '{{ row_kind }}'
        and row_keys.version_rank = 1
{%- endmacro %}
