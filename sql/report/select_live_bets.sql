-- Every live bet of a league, the latest kickoff first: the match, the price taken, the stake,
-- and, once settled, its effective outcome and net profit (every settlement and reversal row),
-- both from marts.mart_settled_bets (a view: current without a build). Open bets have no
-- outcome yet. kickoff_at and placed_at are UTC as stored, kickoff_at_uk is for display.
-- Parameters: league.
select
    bets.bet_id,
    bets.strategy,
    bets.kickoff_at,
    matches.kickoff_at_uk,
    matches.home_team,
    matches.away_team,
    bets.selection,
    bets.odds_taken,
    bets.odds_source,
    cast(bets.stake as double precision) as stake,
    bets.p_model,
    bets.edge,
    bets.model_version,
    bets.placed_at,
    bets.effective_outcome as outcome,
    bets.effective_result as result,
    cast(bets.net_profit as double precision) as profit,
    bets.effective_clv as clv
from marts.mart_settled_bets as bets
left join marts.mart_match_features as matches
    on bets.match_id = matches.match_id
where
    bets.book_id = 'live'
    and bets.league = ?
order by
    bets.kickoff_at desc,
    bets.strategy,
    bets.bet_id
