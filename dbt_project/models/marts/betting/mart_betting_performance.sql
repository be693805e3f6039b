{#- How each strategy did, per book (live, or one backtest), strategy, league and season of the
    matches bet on, plus one row per book, strategy and league with season = 'all'. Each league
    has its own bankroll in a book (the live book holds every league's bets, a backtest one
    league's), so a league's rows never depend on another league's bets.
    Counts and turnover use each bet's effective settlement (mart_settled_bets: its settlement
    row of the highest revision); profit sums every ledger row, reversals included, which nets
    to the same. The bankroll after each ledger row is the league's start plus every profit of
    its rows up to it in ledger order (seq): what the ledger's bankroll_after says, and right
    also for rows written when the live book had one bankroll for every league. The drawdown
    follows that bankroll row by row from the bankroll before the scope's first row. -#}
with

settled_bets as (

    select * from {{ ref('mart_settled_bets') }}

),

settlements as (

    select * from {{ ref('stg_betting__settlements') }}

),

backtests as (

    select * from {{ ref('stg_betting__backtests') }}

),

bet_outcomes as (

    select
        book_id,
        mode,
        strategy,
        league,
        season,
        bet_id,
        stake,
        effective_outcome as outcome,
        effective_clv as clv
    from settled_bets

    union all

    select
        book_id,
        mode,
        strategy,
        league,
        'all' as season,
        bet_id,
        stake,
        effective_outcome as outcome,
        effective_clv as clv
    from settled_bets

),

bet_counts as (

    select
        book_id,
        mode,
        strategy,
        league,
        season,
        count(*) as bets,
        sum(case when outcome is null then 1 else 0 end) as open_bets,
        sum(case when outcome = 'win' then 1 else 0 end) as wins,
        sum(case when outcome = 'loss' then 1 else 0 end) as losses,
        sum(case when outcome = 'void' then 1 else 0 end) as voids,
        sum(case when outcome in ('win', 'loss') then stake else 0 end) as staked,
        avg(case when outcome in ('win', 'loss') then clv end) as average_clv
    from bet_outcomes
    group by
        book_id,
        mode,
        strategy,
        league,
        season

),

league_ledger as (

    -- every settlement and reversal row with its bet's league and season, and the bankroll
    -- of its (book, strategy, league) after it
    select
        settlements.book_id,
        settlements.strategy,
        settled_bets.league,
        settled_bets.season,
        settlements.seq,
        settlements.profit,
        cast(
            max(settled_bets.bankroll_start) over (
                partition by settlements.book_id, settlements.strategy, settled_bets.league
            )
            + sum(settlements.profit) over (
                partition by settlements.book_id, settlements.strategy, settled_bets.league
                order by settlements.seq
                rows between unbounded preceding and current row
            ) as decimal(14, 2)
        ) as bankroll_after
    from settlements
    inner join settled_bets
        on settlements.bet_id = settled_bets.bet_id

),

ledger_rows as (

    select
        book_id,
        strategy,
        league,
        season,
        seq,
        profit,
        bankroll_after,
        bankroll_after - profit as bankroll_before
    from league_ledger

    union all

    select
        book_id,
        strategy,
        league,
        'all' as season,
        seq,
        profit,
        bankroll_after,
        bankroll_after - profit as bankroll_before
    from league_ledger

),

scope_bounds as (

    select
        book_id,
        strategy,
        league,
        season,
        min(seq) as first_seq,
        max(seq) as last_seq,
        sum(profit) as profit
    from ledger_rows
    group by
        book_id,
        strategy,
        league,
        season

),

scope_edges as (

    select
        scope_bounds.book_id,
        scope_bounds.strategy,
        scope_bounds.league,
        scope_bounds.season,
        scope_bounds.profit,
        first_rows.bankroll_before as bankroll_start,
        last_rows.bankroll_after as bankroll_end
    from scope_bounds
    inner join ledger_rows as first_rows
        on
            scope_bounds.book_id = first_rows.book_id
            and scope_bounds.strategy = first_rows.strategy
            and scope_bounds.league = first_rows.league
            and scope_bounds.season = first_rows.season
            and scope_bounds.first_seq = first_rows.seq
    inner join ledger_rows as last_rows
        on
            scope_bounds.book_id = last_rows.book_id
            and scope_bounds.strategy = last_rows.strategy
            and scope_bounds.league = last_rows.league
            and scope_bounds.season = last_rows.season
            and scope_bounds.last_seq = last_rows.seq

),

running_peaks as (

    select
        ledger_rows.book_id,
        ledger_rows.strategy,
        ledger_rows.league,
        ledger_rows.season,
        ledger_rows.bankroll_after,
        greatest(
            scope_edges.bankroll_start,
            max(ledger_rows.bankroll_after) over (
                partition by
                    ledger_rows.book_id,
                    ledger_rows.strategy,
                    ledger_rows.league,
                    ledger_rows.season
                order by ledger_rows.seq
                rows between unbounded preceding and current row
            )
        ) as peak
    from ledger_rows
    inner join scope_edges
        on
            ledger_rows.book_id = scope_edges.book_id
            and ledger_rows.strategy = scope_edges.strategy
            and ledger_rows.league = scope_edges.league
            and ledger_rows.season = scope_edges.season

),

drawdowns as (

    select
        book_id,
        strategy,
        league,
        season,
        max(peak - bankroll_after) as max_drawdown,
        max((peak - bankroll_after) / nullif(peak, 0)) as max_drawdown_fraction
    from running_peaks
    group by
        book_id,
        strategy,
        league,
        season

),

final as (

    select
        bet_counts.book_id,
        bet_counts.mode,
        bet_counts.strategy,
        bet_counts.league,
        bet_counts.season,
        backtests.source_run_id,
        backtests.model,
        backtests.variant,
        cast(bet_counts.bets as integer) as bets,
        cast(bet_counts.open_bets as integer) as open_bets,
        cast(bet_counts.wins as integer) as wins,
        cast(bet_counts.losses as integer) as losses,
        cast(bet_counts.voids as integer) as voids,
        cast(bet_counts.wins as double precision)
        / nullif(bet_counts.wins + bet_counts.losses, 0) as hit_rate,
        cast(bet_counts.staked as double precision) as staked,
        cast(coalesce(scope_edges.profit, 0) as double precision) as profit,
        cast(scope_edges.profit as double precision)
        / nullif(cast(bet_counts.staked as double precision), 0) as yield,
        cast(scope_edges.profit as double precision)
        / nullif(cast(scope_edges.bankroll_start as double precision), 0) as roi,
        cast(scope_edges.bankroll_start as double precision) as bankroll_start,
        cast(scope_edges.bankroll_end as double precision) as bankroll_end,
        cast(drawdowns.max_drawdown as double precision) as max_drawdown,
        cast(drawdowns.max_drawdown_fraction as double precision) as max_drawdown_fraction,
        cast(bet_counts.average_clv as double precision) as average_clv
    from bet_counts
    left join scope_edges
        on
            bet_counts.book_id = scope_edges.book_id
            and bet_counts.strategy = scope_edges.strategy
            and bet_counts.league = scope_edges.league
            and bet_counts.season = scope_edges.season
    left join drawdowns
        on
            bet_counts.book_id = drawdowns.book_id
            and bet_counts.strategy = drawdowns.strategy
            and bet_counts.league = drawdowns.league
            and bet_counts.season = drawdowns.season
    left join backtests
        on bet_counts.book_id = backtests.backtest_id

)

select * from final
