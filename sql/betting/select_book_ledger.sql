-- Where one (book, strategy, league) ledger stands: the last seq of its (book, strategy)
-- (the sequence the settlement rows of every league of the book share: it is unique per book
-- and strategy), and the profit of every settlement and reversal row of the league's bets
-- (null before the first), which with the start is the league's bankroll.
-- Parameters: book id, strategy, book id, strategy, league.
select
    (
        select max(seq) from betting.settlements
        where book_id = ? and strategy = ?
    ) as last_seq,
    (
        select sum(settlements.profit)
        from betting.bets as bets
        inner join betting.settlements as settlements
            on bets.bet_id = settlements.bet_id
        where bets.book_id = ? and bets.strategy = ? and bets.league = ?
    ) as profit
