-- A strategy's book in a league (the league's own live bankroll, or its latest backtest) per
-- season and over all: bankroll, yield, hit rate, drawdown and closing line value. One row per
-- season: marts.mart_strategy_performance is keyed by book, strategy, league and season.
-- For: GET /v1/strategies/{name}/performance.
--
-- Parameters:
--   :league text = E0          football-data league code
--   :strategy text = none      strategy name (ml/strategies.toml)
--   :book_kind text = live     live or latest_backtest
select
    book_id,
    season,
    bets,
    open_bets,
    wins,
    losses,
    voids,
    hit_rate,
    staked,
    profit,
    yield,
    roi,
    bankroll_start,
    bankroll_end,
    max_drawdown,
    max_drawdown_fraction,
    average_clv
from marts.mart_strategy_performance
where league = :league and strategy = :strategy and book_kind = :book_kind
order by case when season = 'all' then 0 else 1 end, season
