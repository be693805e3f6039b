-- plpred run's closing summary: each strategy's live bankroll in one league (start plus every
-- settled profit of the league's bets, corrections included; each league has its own), bets
-- placed and settled, money staked. Parameters: league, league.
with

bets as (

    select strategy, count(*) as bets, sum(stake) as staked, max(bankroll_start) as bankroll_start
    from betting.bets
    where book_id = 'live' and league = ?
    group by strategy

),

settled as (

    select
        settlements.strategy,
        count(distinct settlements.bet_id) as settled,
        sum(settlements.profit) as profit
    from betting.settlements as settlements
    inner join betting.bets as bets
        on settlements.bet_id = bets.bet_id
    where bets.book_id = 'live' and bets.league = ?
    group by settlements.strategy

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
