-- The replay summary: each strategy's live book in the league over all seasons
-- (marts.mart_betting_performance, its season 'all' rows). Parameters: league.
select
    strategy,
    bets as n_bets,
    wins + losses + voids as n_settled,
    staked,
    profit,
    bankroll_end as bankroll,
    yield,
    average_clv
from marts.mart_betting_performance
where book_id = 'live' and league = ? and season = 'all'
order by strategy
