{#- 1X2 prices of each match as complete books (home, draw, away), one row per match and
    price set:
      prematch_market    market average (Avg; Betbrain's BbAv in older seasons), else Bet365
      prematch_max       market maximum (Max; BbMx): the best price, for betting
      prematch_pinnacle  Pinnacle before kickoff
      closing_pinnacle   Pinnacle at kickoff          } closing prices: for evaluation only,
      closing_market     market average at kickoff    } never for features
    A played match takes its prices from its results row; an upcoming one from its fixture
    row. A book counts only when all three prices are present and above 1. -#}
with

odds as (

    select * from {{ ref('stg_football_data__odds') }}

),

one_x_two as (

    select * from odds
    where market = '1x2'

),

books as (

    select
        match_id,
        row_kind,
        bookmaker,
        period,
        max(case when selection = 'home' then price end) as home_odds,
        max(case when selection = 'draw' then price end) as draw_odds,
        max(case when selection = 'away' then price end) as away_odds
    from one_x_two
    group by
        match_id,
        row_kind,
        bookmaker,
        period

),

complete_books as (

    select * from books
    where home_odds > 1 and draw_odds > 1 and away_odds > 1

),

assigned as (

    select
        *,
        case
            when period = 'pre_match' and bookmaker in ('Avg', 'B365') then 'prematch_market'
            when period = 'pre_match' and bookmaker = 'Max' then 'prematch_max'
            when period = 'pre_match' and bookmaker = 'PS' then 'prematch_pinnacle'
            when period = 'closing' and bookmaker = 'PS' then 'closing_pinnacle'
            when period = 'closing' and bookmaker = 'Avg' then 'closing_market'
        end as price_set,
        case when bookmaker = 'B365' then 2 else 1 end as bookmaker_preference,
        case when row_kind = 'result' then 1 else 2 end as row_kind_preference
    from complete_books

),

ranked as (

    select
        *,
        row_number() over (
            partition by match_id, price_set
            order by row_kind_preference, bookmaker_preference
        ) as preference_rank
    from assigned
    where price_set is not null

),

final as (

    select
        match_id,
        price_set,
        period,
        bookmaker,
        row_kind,
        home_odds,
        draw_odds,
        away_odds
    from ranked
    where preference_rank = 1

)

select * from final
