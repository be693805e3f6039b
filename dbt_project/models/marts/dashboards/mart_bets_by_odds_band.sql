{#- How the bets of the live book and of each strategy's latest backtest did per band of the
    price taken: one row per league, book kind, strategy and odds band. Settled bets only for
    hit rate, yield and closing line value; void bets count as bets but not as staked. -#}
with

bets as (

    select * from {{ ref('mart_bets') }}

),

current_books as (

    select * from bets
    where book_kind in ('live', 'latest_backtest')

),

final as (

    select
        league,
        book_kind,
        strategy,
        odds_band,
        cast(count(*) as integer) as bets,
        cast(sum(case when outcome in ('win', 'loss') then 1 else 0 end) as integer)
            as settled_bets,
        cast(sum(case when outcome = 'win' then 1 else 0 end) as integer) as wins,
        cast(sum(case when outcome in ('win', 'loss') then stake else 0 end) as double precision)
            as staked,
        cast(coalesce(sum(profit), 0) as double precision) as profit,
        cast(
            sum(case when outcome in ('win', 'loss') then profit else 0 end)
            / nullif(sum(case when outcome in ('win', 'loss') then stake else 0 end), 0)
            as double precision
        ) as yield,
        cast(
            cast(sum(case when outcome = 'win' then 1 else 0 end) as double precision)
            / nullif(sum(case when outcome in ('win', 'loss') then 1 else 0 end), 0)
            as double precision
        ) as hit_rate,
        cast(avg(case when outcome in ('win', 'loss') then clv end) as double precision)
            as average_clv
    from current_books
    group by
        league,
        book_kind,
        strategy,
        odds_band

)

select * from final
