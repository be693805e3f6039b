{#- Fails for every column of mart_match_features that holds what is only known at or after
    kickoff outside a label_* column: closing prices (evaluation only) and the outcome
    (result, goals, half-time, match statistics). The check reads the built table's columns,
    so a column added later is caught too. -#}
-- depends_on: {{ ref('mart_match_features') }}
{%- set forbidden = [
    'closing', 'result', 'goals', 'ht_', 'shots', 'corners', 'fouls', 'yellows', 'reds'
] -%}
{%- set allowed_feature_words = ['_avg_last', '_ewma', 'goal_diff', 'goal_difference'] -%}
{%- set leaked = [] -%}
{%- if execute -%}
    {%- set columns = adapter.get_columns_in_relation(ref('mart_match_features')) -%}
    {%- if columns | length == 0 -%}
        {{ exceptions.raise_compiler_error("mart_match_features has no columns: is it built?") }}
    {%- endif -%}
    {%- for column in columns -%}
        {%- set name = column.name | lower -%}
        {%- set is_label = name.startswith('label_') -%}
        {%- set is_feature = allowed_feature_words | select('in', name) | list | length > 0 -%}
        {%- set is_forbidden = forbidden | select('in', name) | list | length > 0 -%}
        {%- if 'closing' in name or (is_forbidden and not is_label and not is_feature) -%}
            {%- do leaked.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with

leaked_columns as (

    {%- for name in leaked %}
    select cast('{{ name }}' as text) as column_name
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select cast(null as text) as column_name
    where 1 = 0
    {%- endfor %}

)

select * from leaked_columns
