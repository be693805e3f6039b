-- One book's totals for the backtest summary: bets, wins, turnover, average CLV, profit.
-- Parameters: book id, strategy, book id, strategy.
with latest as (
    select bet_id, max(revision) as revision
    from betting.settlements
    where kind = 'settlement'
    group by bet_id
),
effective as (
    select s.bet_id, s.outcome, s.clv
    from betting.settlements as s
    inner join latest on s.bet_id = latest.bet_id and s.revision = latest.revision
    where s.kind = 'settlement'
)
select
    count(*) as bets,
    sum(case when effective.outcome = 'win' then 1 else 0 end) as wins,
    sum(case when effective.outcome in ('win', 'loss') then bets.stake else 0 end) as staked,
    avg(case when effective.outcome in ('win', 'loss') then effective.clv end) as average_clv,
    (select coalesce(sum(s.profit), 0) from betting.settlements as s
        where s.book_id = ? and s.strategy = ?) as profit
from betting.bets as bets
left join effective on bets.bet_id = effective.bet_id
where bets.book_id = ? and bets.strategy = ?
