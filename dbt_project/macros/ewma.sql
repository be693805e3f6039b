{#- Exponentially weighted average of `column` over the rows of `window_name`, the most recent
    row weighted 1, the one before (1 - alpha), then (1 - alpha)^2, ... (pandas'
    ewm(alpha=alpha, adjust=True).mean() over the same rows; nulls are skipped).

    Weight of row j seen from row i is (1 - alpha)^(i - j) = beta^j / beta^i with
    beta = 1 / (1 - alpha). The factor beta^-i is common to every term of the numerator and
    the denominator, so it cancels: the average is sum(x_j * beta^j) / sum(beta^j), two plain
    window sums that need no reference to the current row. Portable to any database with
    power() and window frames. beta^seq must stay a finite double: seq * ln(beta) < 709, i.e.
    about 3,000 rows per partition at alpha = 0.2. -#}
{% macro ewma(column, sequence_column, window_name, alpha) -%}
    {%- set beta = "cast(" ~ (1.0 / (1.0 - alpha)) ~ " as double precision)" -%}
    sum(cast({{ column }} as double precision) * power({{ beta }}, {{ sequence_column }}))
        over {{ window_name }}
    / nullif(
        sum(
            case when {{ column }} is not null then power({{ beta }}, {{ sequence_column }}) end
        ) over {{ window_name }},
        0
    )
{%- endmacro %}
