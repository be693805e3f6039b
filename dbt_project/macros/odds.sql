{#- One Newton step of the power method of margin removal for a 1X2 book.

    With inverse prices pi_i (summing to the overround > 1), the power method finds k with
    sum(pi_i ^ k) = 1 and takes p_i = pi_i ^ k. f(k) = sum(pi_i ^ k) - 1 is convex and
    decreasing, so Newton's method from k = 1 moves monotonically to the root with quadratic
    convergence. Written as one step over columns so a model can chain a fixed number of steps
    in a recursive CTE (the same SQL on every adapter). -#}
{% macro power_method_newton_step(k, inverse_prices) -%}
    {{ k }} - (
        {%- for pi in inverse_prices %}
        power({{ pi }}, {{ k }}){% if not loop.last %} +{% endif %}
        {%- endfor %}
        - 1.0
    ) / (
        {%- for pi in inverse_prices %}
        power({{ pi }}, {{ k }}) * ln({{ pi }}){% if not loop.last %} +{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
