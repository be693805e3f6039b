-- Which books hold bets? The live book and every backtest, per strategy: its source training
-- run, model and variant, how many bets it holds, how many are settled, and its profit.
-- For: a bettor looking for the book= id to audit bet by bet
-- (betting__strategy_bets_with_running_bankroll), live or in a backtest.
--
-- Parameters:
--   :league text = E0        football-data league code
--   :strategy text = all     a strategy name from ml/strategies.toml, or all
--
-- A bankroll belongs to a (book, strategy, league): 'live' for real bets on upcoming matches
-- (every league's, each league with its own bankroll; listed here for the league asked), a
-- backtest id (betting.backtests) for the walk-forward forecasts of one training run, model
-- and variant replayed through one strategy version. is_latest_backtest marks, per strategy,
-- the backtest that book=latest-backtest names (is_latest_of_league: the one it names with
-- strategy=all, the league's latest over every strategy); marts.mart_backtests decides which it is
-- (is_latest: the one created last; among the backtests of one training run, created
-- together, the model and variant that run selected, then the one with most bets, then the
-- lowest id) and is a view, so a backtest just written counts before the next dbt build.
-- selected_by_run says whether the model is the one its run selected. created_at_uk is when
-- the backtest was made (for the live book, its first bet), in UK time.
with

bet_counts as (

    select
        book_id,
        strategy,
        count(*) as bets,
        min(model_name) as model_name,
        min(placed_at) as first_placed_at,
        min(kickoff_at) as first_kickoff_at,
        max(kickoff_at) as last_kickoff_at
    from betting.bets
    where league = :league
    group by
        book_id,
        strategy

),

settled as (

    select
        bets.book_id,
        bets.strategy,
        count(distinct settlements.bet_id) as settled,
        sum(settlements.profit) as profit
    from betting.settlements as settlements
    inner join betting.bets as bets
        on settlements.bet_id = bets.bet_id
    where bets.league = :league
    group by
        bets.book_id,
        bets.strategy

),

books as (

    select
        backtest_id as book,
        'backtest' as mode,
        strategy,
        source_run_id,
        model,
        variant,
        selected_by_run,
        created_at,
        recency,
        is_latest,
        is_latest_of_league
    from marts.mart_backtests
    where
        league = :league
        and (:strategy = 'all' or strategy = :strategy)

    union all

    select
        bet_counts.book_id as book,
        'live' as mode,
        bet_counts.strategy,
        null as source_run_id,
        bet_counts.model_name as model,
        null as variant,
        null as selected_by_run,
        bet_counts.first_placed_at as created_at,
        0 as recency,
        false as is_latest,
        false as is_latest_of_league
    from bet_counts
    where
        bet_counts.book_id = 'live'
        and (:strategy = 'all' or bet_counts.strategy = :strategy)

),

final as (

    select
        books.book,
        books.mode,
        books.strategy,
        books.source_run_id,
        books.model,
        books.variant,
        books.selected_by_run,
        coalesce(bet_counts.bets, 0) as bets,
        coalesce(settled.settled, 0) as settled,
        cast(coalesce(settled.profit, 0) as double precision) as profit,
        (bet_counts.first_kickoff_at at time zone 'UTC') at time zone 'Europe/London'
            as first_kickoff_uk,
        (bet_counts.last_kickoff_at at time zone 'UTC') at time zone 'Europe/London'
            as last_kickoff_uk,
        (books.created_at at time zone 'UTC') at time zone 'Europe/London' as created_at_uk,
        books.is_latest as is_latest_backtest,
        books.is_latest_of_league,
        books.created_at,
        books.recency
    from books
    left join bet_counts
        on
            books.book = bet_counts.book_id
            and books.strategy = bet_counts.strategy
    left join settled
        on
            books.book = settled.book_id
            and books.strategy = settled.strategy

)

select
    book,
    mode,
    strategy,
    source_run_id,
    model,
    variant,
    selected_by_run,
    bets,
    settled,
    profit,
    first_kickoff_uk,
    last_kickoff_uk,
    created_at_uk,
    is_latest_backtest,
    is_latest_of_league
from final
order by
    case when mode = 'live' then 0 else 1 end,
    strategy,
    recency,
    book
