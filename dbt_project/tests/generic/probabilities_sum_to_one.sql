{#- Fails on rows whose probability columns (all non-null) do not sum to 1 within tolerance,
    or where one of them is outside [0, 1]. Rows where any of them is null are not checked. -#}
{% test probabilities_sum_to_one(model, columns, tolerance=0.000001) %}

with

checked as (

    select
        {{ columns | join(' + ') }} as probability_sum,
        {%- for column in columns %}
        {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ model }}
    where
        {%- for column in columns %}
        {{ column }} is not null{% if not loop.last %} and{% endif %}
        {%- endfor %}

),

failures as (

    select * from checked
    where
        abs(probability_sum - 1.0) > {{ tolerance }}
        {%- for column in columns %}
        or {{ column }} < 0 or {{ column }} > 1
        {%- endfor %}

)

select * from failures

{% endtest %}
