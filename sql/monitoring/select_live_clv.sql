-- Closing line value of the live bets settled by the clock, newest first (the effective
-- settlement of each bet: its highest revision).
with effective as (
    select
        settlements.bet_id,
        settlements.clv,
        settlements.settled_at,
        row_number() over (
            partition by settlements.bet_id order by settlements.revision desc
        ) as newest_first
    from betting.settlements as settlements
    inner join betting.bets as bets
        on settlements.bet_id = bets.bet_id
    where bets.book_id = 'live'
      and bets.league = ?
      and settlements.kind = 'settlement'
      and settlements.settled_at <= ?
)

select clv
from effective
where newest_first = 1 and clv is not null
order by settled_at desc
limit ?
