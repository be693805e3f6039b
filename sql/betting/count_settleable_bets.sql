-- Bets (of every league: settlement is not per league) that have no settlement yet and whose
-- match has kicked off by the clock: the ones a settlement at this clock could judge (a
-- result, or void once the voiding delay has passed).
select count(*)
from betting.bets as bets
where bets.kickoff_at <= ?
  and not exists (
      select 1 from betting.settlements as settlements where settlements.bet_id = bets.bet_id
  )
