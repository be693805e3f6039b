-- The stakes of one (book, strategy, league) ledger's bets that have no settlement row yet.
-- Parameters: book id, strategy, league.
select coalesce(sum(bets.stake), 0) from betting.bets as bets
where
    bets.book_id = ? and bets.strategy = ? and bets.league = ?
    and not exists (select 1 from betting.settlements as s where s.bet_id = bets.bet_id)
