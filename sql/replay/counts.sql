-- The replay summary: what the ticks between the first and the last wrote.
-- Parameters, four times: league, first tick, last tick (UTC).
select
    (
        select count(*) from ml.predictions
        where league = ? and predicted_at between ? and ?
    ) as predictions,
    (
        select count(*) from betting.bets
        where book_id = 'live' and league = ? and placed_at between ? and ?
    ) as bets,
    (
        select count(*) from betting.settlements as settlements
        inner join betting.bets as bets on settlements.bet_id = bets.bet_id
        where bets.book_id = 'live' and bets.league = ? and settlements.settled_at between ? and ?
    ) as settlements,
    (
        select count(*) from ml.champion_decisions
        where decision = 'refit' and model_name = 'plpred-' || ? and decided_at between ? and ?
    ) as refits
