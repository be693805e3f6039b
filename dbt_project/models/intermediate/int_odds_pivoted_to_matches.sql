{#- The market's view of each match in one row: every price set of
    int_odds_devigged_to_probabilities as columns named <price set>_<column>, and the two
    choices every reader of market probabilities must share, made here once:
      prematch_pinnacle_*_prob  Pinnacle's pre-match book with its margin removed
                                proportionally: the sharp market's view, a model feature
                                (the with_market classifiers read it from mart_match_features)
      yardstick_close_*         the closing book models are judged against: Pinnacle's where it
                                priced the match, else the market average's (Pinnacle's closing
                                prices stop part-way through 2025-26), with its probabilities
                                (margin removed proportionally, as ml/modeling/train.py does)
    Closing columns are for evaluation only: fct_matches carries them, mart_match_features
    never does. A match without any complete book has no row. -#}
{%- set price_sets = [
    'prematch_market', 'prematch_max', 'prematch_pinnacle', 'closing_pinnacle', 'closing_market',
] -%}
{%- set book_columns = [
    'bookmaker', 'home_odds', 'draw_odds', 'away_odds', 'overround',
    'home_prob_proportional', 'draw_prob_proportional', 'away_prob_proportional',
    'home_prob_power', 'draw_prob_power', 'away_prob_power',
] -%}
{%- set yardstick_columns = {
    'home_odds': 'home_odds', 'draw_odds': 'draw_odds', 'away_odds': 'away_odds',
    'home_prob': 'home_prob_proportional', 'draw_prob': 'draw_prob_proportional',
    'away_prob': 'away_prob_proportional',
} -%}
with

probabilities as (

    select * from {{ ref('int_odds_devigged_to_probabilities') }}

),

pivoted as (

    select
        match_id,
        {%- for price_set in price_sets %}
        {%- for column in book_columns %}
        max(case when price_set = '{{ price_set }}' then {{ column }} end)
            as {{ price_set }}_{{ column }},
        {%- endfor %}
        {%- endfor %}
        count(*) as n_price_sets
    from probabilities
    group by match_id

),

final as (

    select
        *,
        prematch_pinnacle_home_prob_proportional as prematch_pinnacle_home_prob,
        prematch_pinnacle_draw_prob_proportional as prematch_pinnacle_draw_prob,
        prematch_pinnacle_away_prob_proportional as prematch_pinnacle_away_prob,
        case
            when closing_pinnacle_home_odds is not null then 'closing_pinnacle'
            when closing_market_home_odds is not null then 'closing_market'
        end as yardstick_close_price_set,
        {%- for name, column in yardstick_columns.items() %}
        case
            when closing_pinnacle_home_odds is not null then closing_pinnacle_{{ column }}
            else closing_market_{{ column }}
        end as yardstick_close_{{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from pivoted

)

select * from final
