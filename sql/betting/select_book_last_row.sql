-- The last settlement or reversal row of one (book, strategy) ledger: its seq and the
-- bankroll after it. Parameters: book id, strategy.
select seq, bankroll_after from betting.settlements
where book_id = ? and strategy = ?
order by seq desc
limit 1
