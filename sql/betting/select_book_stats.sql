-- The books' totals for the backtest summary, one row per book that has bets: bets, wins,
-- turnover, average CLV, profit. Each bet's effective settlement and net profit come from
-- marts.mart_settled_bets (a view: it holds the backtests just written; every pass reads all
-- settlements, hence one query for all the books). Parameters: the book ids, as a list.
select
    book_id,
    count(*) as bets,
    sum(case when effective_outcome = 'win' then 1 else 0 end) as wins,
    sum(case when effective_outcome in ('win', 'loss') then stake else 0 end) as staked,
    avg(case when effective_outcome in ('win', 'loss') then effective_clv end) as average_clv,
    coalesce(sum(net_profit), 0) as profit
from marts.mart_settled_bets
where book_id in (select unnest(cast(? as varchar[])))
group by book_id
