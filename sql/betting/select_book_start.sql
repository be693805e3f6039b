-- The starting bankroll of one (book, strategy, league) ledger: what its first bet was struck
-- from. A book holds one league's bets (a backtest) or every league's (the live book), and each
-- league's bets have their own bankroll in it. Parameters: book id, strategy, league.
select bankroll_start from betting.bets
where book_id = ? and strategy = ? and league = ?
order by placed_at, bet_id
limit 1
