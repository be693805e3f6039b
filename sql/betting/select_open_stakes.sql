-- The stakes of one (book, strategy) ledger's bets that have no settlement row yet.
-- Parameters: book id, strategy.
select coalesce(sum(bets.stake), 0) from betting.bets as bets
where
    bets.book_id = ? and bets.strategy = ?
    and not exists (select 1 from betting.settlements as s where s.bet_id = bets.bet_id)
