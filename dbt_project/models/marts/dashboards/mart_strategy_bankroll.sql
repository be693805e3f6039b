{#- The bankroll of the live book and of each strategy's latest backtest at the end of every
    day it placed or settled a bet (mart_bankroll_daily), with the league and book kind the
    dashboards filter on: one row per book, strategy, league and day (each league has its own
    bankroll in the live book). Days are UK calendar days; day_at is the day as a timestamp
    (midnight) for time-series panels. -#}
with

bankroll as (

    select * from {{ ref('mart_bankroll_daily') }}

),

books as (

    select distinct
        book_id,
        strategy,
        league,
        book_kind
    from {{ ref('mart_bets') }}
    where book_kind in ('live', 'latest_backtest')

),

final as (

    select
        bankroll.league,
        books.book_kind,
        bankroll.book_id,
        bankroll.strategy,
        bankroll.day,
        cast(bankroll.day as timestamp) as day_at,
        bankroll.bets_placed,
        bankroll.bets_settled,
        bankroll.profit,
        bankroll.bankroll,
        bankroll.open_stakes
    from bankroll
    inner join books
        on
            bankroll.book_id = books.book_id
            and bankroll.strategy = books.strategy
            and bankroll.league = books.league

)

select * from final
