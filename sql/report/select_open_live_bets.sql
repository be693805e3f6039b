-- Live bets on matches of a league that have no result yet and are not settled (a void bet is
-- settled): what is riding on the upcoming fixtures. Parameters: league.
-- placed_at is UTC, like every stored timestamp.
select
    bets.match_id,
    bets.strategy,
    bets.selection,
    bets.odds_taken,
    bets.odds_source,
    cast(bets.stake as double precision) as stake,
    bets.p_model,
    bets.p_implied,
    bets.edge,
    bets.model_version,
    bets.placed_at
from betting.bets as bets
inner join marts.mart_match_features as features
    on bets.match_id = features.match_id
where
    bets.book_id = 'live'
    and bets.league = ?
    and not features.is_played
    and not exists (
        select 1 from betting.settlements as settlements
        where settlements.bet_id = bets.bet_id
    )
order by
    bets.kickoff_at,
    bets.match_id,
    bets.strategy
