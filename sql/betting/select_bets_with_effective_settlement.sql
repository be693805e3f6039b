-- Every bet with its effective settlement (the settlement row of its highest revision), if
-- any, in ledger order: what plpred settle compares with the verdict the data gives now.
-- marts.mart_settled_bets decides which settlement is in force; it is a view, so it holds the
-- bets and settlements written since the last dbt build.
select *
from marts.mart_settled_bets
order by book_id, strategy, kickoff_at, placed_at, bet_id
