{#- The bankroll of each book (live, or one backtest), strategy and league at the end of every
    day on which it placed or settled a bet; between two rows it did not change. Each league
    has its own bankroll in a book (the live book holds every league's bets, a backtest one
    league's), so a league's rows never depend on another league's bets. bankroll counts
    settled bets only (start + every settlement and reversal of the league's bets up to that
    day), open_stakes is the money on bets placed and not yet settled. Days are the ledger's
    own: simulated placement and settlement times for backtests, real ones for live bets; the
    stored times are UTC, the days UK calendar days. -#}
with

bets as (

    select * from {{ ref('stg_betting__bets') }}

),

settlements as (

    select * from {{ ref('stg_betting__settlements') }}

),

books as (

    select
        book_id,
        strategy,
        league,
        max(mode) as mode,
        max(bankroll_start) as bankroll_start
    from bets
    group by
        book_id,
        strategy,
        league

),

placements_daily as (

    select
        book_id,
        strategy,
        league,
        cast({{ utc_to_uk_local('placed_at') }} as date) as day,
        count(*) as bets_placed,
        sum(stake) as staked
    from bets
    group by
        book_id,
        strategy,
        league,
        cast({{ utc_to_uk_local('placed_at') }} as date)

),

league_settlements as (

    -- the league of a settlement row is its bet's
    select
        settlements.book_id,
        settlements.strategy,
        bets.league,
        settlements.kind,
        settlements.revision,
        settlements.stake,
        settlements.profit,
        settlements.settled_at
    from settlements
    inner join bets
        on settlements.bet_id = bets.bet_id

),

settlements_daily as (

    select
        book_id,
        strategy,
        league,
        cast({{ utc_to_uk_local('settled_at') }} as date) as day,
        sum(case when kind = 'settlement' and revision = 1 then 1 else 0 end) as bets_settled,
        sum(case when kind = 'settlement' and revision = 1 then stake else 0 end)
            as stakes_released,
        sum(case when kind = 'reversal' then 1 else 0 end) as reversals,
        sum(profit) as profit
    from league_settlements
    group by
        book_id,
        strategy,
        league,
        cast({{ utc_to_uk_local('settled_at') }} as date)

),

days as (

    select
        book_id,
        strategy,
        league,
        day
    from placements_daily

    union

    select
        book_id,
        strategy,
        league,
        day
    from settlements_daily

),

daily as (

    select
        days.book_id,
        days.strategy,
        days.league,
        days.day,
        coalesce(placements_daily.bets_placed, 0) as bets_placed,
        coalesce(placements_daily.staked, 0) as staked,
        coalesce(settlements_daily.bets_settled, 0) as bets_settled,
        coalesce(settlements_daily.stakes_released, 0) as stakes_released,
        coalesce(settlements_daily.reversals, 0) as reversals,
        coalesce(settlements_daily.profit, 0) as profit
    from days
    left join placements_daily
        on
            days.book_id = placements_daily.book_id
            and days.strategy = placements_daily.strategy
            and days.league = placements_daily.league
            and days.day = placements_daily.day
    left join settlements_daily
        on
            days.book_id = settlements_daily.book_id
            and days.strategy = settlements_daily.strategy
            and days.league = settlements_daily.league
            and days.day = settlements_daily.day

),

accumulated as (

    select
        daily.*,
        sum(daily.profit) over book_days as cumulative_profit,
        sum(daily.staked - daily.stakes_released) over book_days as open_stakes
    from daily
    window book_days as (
        partition by daily.book_id, daily.strategy, daily.league
        order by daily.day
        rows between unbounded preceding and current row
    )

),

final as (

    select
        accumulated.book_id,
        books.mode,
        accumulated.strategy,
        accumulated.league,
        accumulated.day,
        cast(accumulated.bets_placed as integer) as bets_placed,
        cast(accumulated.staked as double precision) as staked,
        cast(accumulated.bets_settled as integer) as bets_settled,
        cast(accumulated.reversals as integer) as reversals,
        cast(accumulated.profit as double precision) as profit,
        cast(books.bankroll_start + accumulated.cumulative_profit as double precision)
            as bankroll,
        cast(accumulated.open_stakes as double precision) as open_stakes
    from accumulated
    inner join books
        on
            accumulated.book_id = books.book_id
            and accumulated.strategy = books.strategy
            and accumulated.league = books.league

)

select * from final
