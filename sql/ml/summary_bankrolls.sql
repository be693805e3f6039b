-- plpred run's closing summary: each strategy's live bankroll (start plus every settled
-- profit, corrections included), bets placed and settled, money staked.
with

bets as (

    select strategy, count(*) as bets, sum(stake) as staked, max(bankroll_start) as bankroll_start
    from betting.bets
    where book_id = 'live'
    group by strategy

),

settled as (

    select strategy, count(distinct bet_id) as settled, sum(profit) as profit
    from betting.settlements
    where book_id = 'live'
    group by strategy

)

select
    bets.strategy,
    bets.bets,
    coalesce(settled.settled, 0) as settled,
    bets.staked,
    coalesce(settled.profit, 0) as profit,
    bets.bankroll_start + coalesce(settled.profit, 0) as bankroll
from bets
left join settled on bets.strategy = settled.strategy
order by bets.strategy
