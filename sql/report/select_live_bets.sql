-- Every live bet of a league, the latest kickoff first: the match, the price taken, the stake,
-- and, once settled, its effective outcome (latest settlement revision) and profit (every
-- settlement and reversal row). Open bets have no outcome yet. kickoff_at and placed_at are
-- UTC as stored, kickoff_at_uk is for display. Parameters: league.
with

latest_revisions as (

    select
        bet_id,
        max(revision) as revision
    from betting.settlements
    where kind = 'settlement'
    group by bet_id

),

effective as (

    select
        settlements.bet_id,
        settlements.outcome,
        settlements.result,
        settlements.clv
    from betting.settlements as settlements
    inner join latest_revisions
        on
            settlements.bet_id = latest_revisions.bet_id
            and settlements.revision = latest_revisions.revision
    where settlements.kind = 'settlement'

),

profits as (

    select
        bet_id,
        sum(profit) as profit
    from betting.settlements
    group by bet_id

)

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
    effective.outcome,
    effective.result,
    cast(profits.profit as double precision) as profit,
    effective.clv
from betting.bets as bets
left join marts.mart_match_features as matches
    on bets.match_id = matches.match_id
left join effective
    on bets.bet_id = effective.bet_id
left join profits
    on bets.bet_id = profits.bet_id
where
    bets.book_id = 'live'
    and bets.league = ?
order by
    bets.kickoff_at desc,
    bets.strategy,
    bets.bet_id
