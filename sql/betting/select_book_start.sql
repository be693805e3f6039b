-- The starting bankroll of one (book, strategy) ledger: what its first bet was struck from.
-- Parameters: book id, strategy.
select bankroll_start from betting.bets
where book_id = ? and strategy = ?
order by placed_at, bet_id
limit 1
