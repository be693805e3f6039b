{#- Planner statistics for Postgres. dbt-postgres never runs ANALYZE, and a server with
    autovacuum off (or not yet caught up after a bulk load) plans joins on the raw tables with
    default selectivities: a nested loop over raw.odds that takes minutes instead of a hash
    join that takes a second. DuckDB keeps its own statistics: nothing to do there. -#}

{#- on-run-start: ANALYZE every declared source table that exists. -#}
{% macro analyze_sources() -%}
    {{ return(adapter.dispatch('analyze_sources')()) }}
{%- endmacro %}

{% macro default__analyze_sources() -%}
{%- endmacro %}

{% macro postgres__analyze_sources() -%}
    {%- if execute -%}
        {%- set existing = [] -%}
        {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- set relation = adapter.get_relation(
                database=source.database, schema=source.schema, identifier=source.identifier
            ) -%}
            {%- if relation is not none -%}
                {%- do existing.append(relation) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if existing -%}
            analyze {{ existing | join(', ') }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- post-hook of table models: ANALYZE the table just built (a view of the marts folder, such
    as mart_training_runs, has no statistics of its own: nothing to do). -#}
{% macro analyze_relation(relation) -%}
    {{ return(adapter.dispatch('analyze_relation')(relation)) }}
{%- endmacro %}

{% macro default__analyze_relation(relation) -%}
{%- endmacro %}

{% macro postgres__analyze_relation(relation) -%}
    {%- if config.get('materialized') != 'view' -%}
        analyze {{ relation }}
    {%- endif -%}
{%- endmacro %}
