-- Every bet with its effective settlement (the settlement row of its highest revision), if
-- any, in ledger order: what plpred settle compares with the verdict the data gives now.
with latest as (
    select bet_id, max(revision) as revision
    from betting.settlements
    where kind = 'settlement'
    group by bet_id
),
effective as (
    select s.bet_id, s.settlement_id, s.revision, s.outcome, s.result, s.profit
    from betting.settlements as s
    inner join latest on s.bet_id = latest.bet_id and s.revision = latest.revision
    where s.kind = 'settlement'
)
select
    bets.*,
    effective.settlement_id as effective_settlement_id,
    effective.revision as effective_revision,
    effective.outcome as effective_outcome,
    effective.result as effective_result,
    effective.profit as effective_profit
from betting.bets as bets
left join effective on bets.bet_id = effective.bet_id
order by bets.book_id, bets.strategy, bets.kickoff_at, bets.placed_at, bets.bet_id
