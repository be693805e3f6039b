-- Bets of a league's books (live, or each strategy's latest backtest), open or settled.
-- For: GET /v1/bets.
--
-- Parameters:
--   :league text = E0            football-data league code
--   :strategy text = all         strategy name, or all
--   :book_kind text = live       live or latest_backtest
--   :status text = all           open, settled or all
--   :row_limit integer = 100     rows to return
--   :row_offset integer = 0      rows to skip
select
    bet_id,
    book_id,
    book_kind,
    strategy,
    match_id,
    season,
    kickoff_at,
    kickoff_at_uk,
    home_team,
    away_team,
    selection,
    cast(odds_taken as double precision) as odds_taken,
    odds_source,
    cast(stake as double precision) as stake,
    cast(p_model as double precision) as p_model,
    cast(edge as double precision) as edge,
    model_version,
    placed_at,
    outcome,
    settled_at,
    cast(profit as double precision) as profit,
    cast(clv as double precision) as clv,
    count(*) over () as total_rows
from marts.mart_bets
where
    league = :league
    and book_kind = :book_kind
    and (:strategy = 'all' or strategy = :strategy)
    and (
        :status = 'all'
        or (:status = 'open' and outcome is null)
        or (:status = 'settled' and outcome is not null)
    )
order by placed_at, bet_id
limit :row_limit offset :row_offset
