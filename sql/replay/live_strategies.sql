-- The replay summary: each strategy's live book over all seasons
-- (marts.mart_betting_performance, its season 'all' rows).
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
where book_id = 'live' and season = 'all'
order by strategy
