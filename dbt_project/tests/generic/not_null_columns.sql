{#-
    The columns of a model (or source table) that must never be null, in one test: a row per
    column that has nulls, with how many. One node instead of one per column: a data test is a
    dbt node, and each has a fixed cost whatever the size of the data (docs/performance.md).
-#}
{% test not_null_columns(model, columns) %}
{%- for column in columns %}
select '{{ column }}' as column_name, count(*) as null_rows
from {{ model }}
where {{ column }} is null
having count(*) > 0
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{% endtest %}
