-- Where every (book, strategy, league) ledger stands, one row each. A bankroll is per book,
-- strategy and league: the live book holds every league's bets, each league with its own
-- bankroll, and a backtest holds one league's. bankroll_start is what the ledger's first bet
-- was struck from; profit sums every settlement and reversal row of its bets (null before the
-- first), which with the start is its bankroll; open_stakes is the money on its bets that have
-- no settlement row yet; last_seq is the last seq of its (book, strategy), a sequence the rows
-- of every league of the book share (the ledger's unique key). One pass over the ledgers for
-- every book, rather than three queries per book.
with

firsts as (

    select
        book_id,
        strategy,
        league,
        bankroll_start,
        row_number() over (
            partition by book_id, strategy, league
            order by placed_at, bet_id
        ) as position
    from betting.bets

),

settled as (

    select
        bets.book_id,
        bets.strategy,
        bets.league,
        sum(settlements.profit) as profit
    from betting.settlements as settlements
    inner join betting.bets as bets
        on settlements.bet_id = bets.bet_id
    group by
        bets.book_id,
        bets.strategy,
        bets.league

),

open_bets as (

    select
        bets.book_id,
        bets.strategy,
        bets.league,
        sum(bets.stake) as open_stakes
    from betting.bets as bets
    where not exists (
        select 1 from betting.settlements as settlements
        where settlements.bet_id = bets.bet_id
    )
    group by
        bets.book_id,
        bets.strategy,
        bets.league

),

sequences as (

    select
        book_id,
        strategy,
        max(seq) as last_seq
    from betting.settlements
    group by
        book_id,
        strategy

)

select
    firsts.book_id,
    firsts.strategy,
    firsts.league,
    firsts.bankroll_start,
    sequences.last_seq,
    settled.profit,
    coalesce(open_bets.open_stakes, 0) as open_stakes
from firsts
left join settled
    on
        firsts.book_id = settled.book_id
        and firsts.strategy = settled.strategy
        and firsts.league = settled.league
left join open_bets
    on
        firsts.book_id = open_bets.book_id
        and firsts.strategy = open_bets.strategy
        and firsts.league = open_bets.league
left join sequences
    on
        firsts.book_id = sequences.book_id
        and firsts.strategy = sequences.strategy
where firsts.position = 1
