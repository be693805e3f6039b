{#- Implied probabilities of every price set of every match, with the bookmaker's margin
    removed two ways:
      proportional  p_i = (1 / o_i) / overround
      power         p_i = (1 / o_i) ^ k, with k such that the three sum to 1, solved by a fixed
                    number of Newton steps (var power_method_steps) from k = 1 in a recursive
                    CTE (macro power_method_newton_step). Recursive, not one CTE per step:
                    Postgres inlines chained CTEs, and each step names k six times, so the
                    inlined expression would grow as 6^steps.
    The power method takes more off long shots than favourites, which the favourite-longshot
    bias says is right. overround is the sum of the inverse prices (1 + the margin). -#}
{%- set steps = var('power_method_steps') -%}
with recursive

price_sets as (

    select * from {{ ref('int_odds_pivoted_to_price_sets') }}

),

inverted as (

    select
        match_id,
        price_set,
        1.0 / home_odds as inverse_home,
        1.0 / draw_odds as inverse_draw,
        1.0 / away_odds as inverse_away
    from price_sets

),

power_method_iterations as (

    select
        match_id,
        price_set,
        inverse_home,
        inverse_draw,
        inverse_away,
        0 as iteration,
        cast(1.0 as double precision) as power_exponent
    from inverted

    union all

    select
        match_id,
        price_set,
        inverse_home,
        inverse_draw,
        inverse_away,
        iteration + 1 as iteration,
        {{ power_method_newton_step(
            'power_exponent', ['inverse_home', 'inverse_draw', 'inverse_away']
        ) }} as power_exponent
    from power_method_iterations
    where iteration < {{ steps }}

),

solved as (

    select * from power_method_iterations
    where iteration = {{ steps }}

),

final as (

    select
        price_sets.match_id,
        price_sets.price_set,
        price_sets.period,
        price_sets.bookmaker,
        price_sets.home_odds,
        price_sets.draw_odds,
        price_sets.away_odds,
        solved.inverse_home + solved.inverse_draw + solved.inverse_away as overround,
        solved.inverse_home
        / (solved.inverse_home + solved.inverse_draw + solved.inverse_away)
            as home_prob_proportional,
        solved.inverse_draw
        / (solved.inverse_home + solved.inverse_draw + solved.inverse_away)
            as draw_prob_proportional,
        solved.inverse_away
        / (solved.inverse_home + solved.inverse_draw + solved.inverse_away)
            as away_prob_proportional,
        power(solved.inverse_home, solved.power_exponent) as home_prob_power,
        power(solved.inverse_draw, solved.power_exponent) as draw_prob_power,
        power(solved.inverse_away, solved.power_exponent) as away_prob_power,
        solved.power_exponent
    from price_sets
    inner join solved
        on
            price_sets.match_id = solved.match_id
            and price_sets.price_set = solved.price_set

)

select * from final
