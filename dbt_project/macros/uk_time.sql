{#- The one convention for stored timestamps (docs/architecture.md, ml/clock.py): UTC, naive
    (timestamp without time zone) on every target. football-data publishes dates and times in
    UK local time (Europe/London: GMT in winter, BST in summer); these macros convert between
    the two. Kickoffs never fall in the skipped or repeated hour of a clock change. -#}

{#- A UK local date and time (the time may be null: midnight) as UK wall-clock time, naive. -#}
{% macro uk_local_timestamp(date_column, time_column) -%}
    cast(
        {{ date_column }} + coalesce({{ time_column }}, cast('00:00' as time)) as timestamp
    )
{%- endmacro %}

{#- A UK local date and time (the time may be null: midnight UK time) as the UTC instant,
    naive. -#}
{% macro uk_local_to_utc(date_column, time_column) -%}
    {{ return(adapter.dispatch('uk_local_to_utc')(date_column, time_column)) }}
{%- endmacro %}

{% macro default__uk_local_to_utc(date_column, time_column) -%}
    (({{ uk_local_timestamp(date_column, time_column) }} at time zone 'Europe/London')
        at time zone 'UTC')
{%- endmacro %}

{% macro postgres__uk_local_to_utc(date_column, time_column) -%}
    {{ default__uk_local_to_utc(date_column, time_column) }}
{%- endmacro %}

{% macro duckdb__uk_local_to_utc(date_column, time_column) -%}
    timezone('UTC', timezone('Europe/London', {{ uk_local_timestamp(date_column, time_column) }}))
{%- endmacro %}

{#- A stored UTC timestamp (naive) as UK wall-clock time, naive: for days and times shown to
    people (the UK day a bet was placed on). -#}
{% macro utc_to_uk_local(column) -%}
    {{ return(adapter.dispatch('utc_to_uk_local')(column)) }}
{%- endmacro %}

{% macro default__utc_to_uk_local(column) -%}
    (({{ column }} at time zone 'UTC') at time zone 'Europe/London')
{%- endmacro %}

{% macro postgres__utc_to_uk_local(column) -%}
    {{ default__utc_to_uk_local(column) }}
{%- endmacro %}

{% macro duckdb__utc_to_uk_local(column) -%}
    timezone('Europe/London', timezone('UTC', {{ column }}))
{%- endmacro %}
