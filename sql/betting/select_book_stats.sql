-- One book's totals for the backtest summary: bets, wins, turnover, average CLV, profit.
-- Each bet's effective settlement and net profit come from marts.mart_settled_bets (a view:
-- it holds the backtest just written). Parameters: book id, strategy.
select
    count(*) as bets,
    sum(case when effective_outcome = 'win' then 1 else 0 end) as wins,
    sum(case when effective_outcome in ('win', 'loss') then stake else 0 end) as staked,
    avg(case when effective_outcome in ('win', 'loss') then effective_clv end) as average_clv,
    coalesce(sum(net_profit), 0) as profit
from marts.mart_settled_bets
where book_id = ? and strategy = ?
