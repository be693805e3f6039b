{#- How each book (live, or one backtest), strategy and league did (mart_betting_performance,
    season 'all' and per season), with the book's kind. Each league has its own bankroll in the
    live book, so the grain is book, strategy, league and season. Only the live book and each
    strategy's latest backtest: the dashboards compare what is in force, not every old
    backtest. drawdown_limit_fraction is the largest drawdown (share of the running peak) a
    strategy may have before the "drawdown beyond the limit" alert fires (dbt var
    drawdown_limit_fraction, default 0.25, the same for every strategy). -#}
with

bets as (

    select * from {{ ref('mart_bets') }}

),

performance as (

    select * from {{ ref('mart_betting_performance') }}

),

books as (

    select distinct
        book_id,
        strategy,
        league,
        book_kind
    from bets
    where book_kind in ('live', 'latest_backtest')

),

final as (

    select
        performance.league,
        books.book_kind,
        performance.book_id,
        performance.strategy,
        performance.season,
        performance.bets,
        performance.open_bets,
        performance.wins,
        performance.losses,
        performance.voids,
        performance.hit_rate,
        performance.staked,
        performance.profit,
        performance.yield,
        performance.roi,
        performance.bankroll_start,
        performance.bankroll_end,
        performance.max_drawdown,
        performance.max_drawdown_fraction,
        performance.average_clv,
        cast({{ var('drawdown_limit_fraction', 0.25) }} as double precision)
            as drawdown_limit_fraction
    from performance
    inner join books
        on
            performance.book_id = books.book_id
            and performance.strategy = books.strategy
            and performance.league = books.league

)

select * from final
