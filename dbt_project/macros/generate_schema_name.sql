{#- The schema is the folder's schema (staging, intermediate, marts, seeds) on every target,
    without dbt's default "<target schema>_" prefix, so SQL outside dbt (Grafana, ml/) can
    name tables the same way on DuckDB and Postgres. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
