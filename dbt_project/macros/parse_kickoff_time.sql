{#- football-data's kickoff time text ('20:00') as a time, or null when it is empty or not a
    time. DuckDB has try_cast; Postgres has no safe cast, so the text is checked first;
    other adapters get a plain cast, which raises on bad input. -#}
{% macro parse_kickoff_time(column) -%}
    {{ return(adapter.dispatch('parse_kickoff_time')(column)) }}
{%- endmacro %}

{% macro default__parse_kickoff_time(column) -%}
    cast(nullif(trim({{ column }}), '') as time)
{%- endmacro %}

{% macro postgres__parse_kickoff_time(column) -%}
    case
        when trim({{ column }}) ~ '^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$'
            then cast(trim({{ column }}) as time)
    end
{%- endmacro %}

{% macro duckdb__parse_kickoff_time(column) -%}
    try_cast(nullif(trim({{ column }}), '') as time)
{%- endmacro %}
