-- Bets and settled bets in the ledgers against what the betting marts hold: the marts are
-- rebuilt by `plpred transform`, so they lag the ledgers after a bet, settle or backtest.
select
    (select count(*) from betting.bets) as ledger_bets,
    (select count(distinct bet_id) from betting.settlements) as ledger_settled,
    (
        select coalesce(sum(bets), 0) from marts.mart_betting_performance
        where season = 'all'
    ) as mart_bets,
    (
        select coalesce(sum(bets - open_bets), 0) from marts.mart_betting_performance
        where season = 'all'
    ) as mart_settled
