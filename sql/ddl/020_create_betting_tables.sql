-- Tables the betting step (ml/betting) owns. Idempotent. Runs unchanged on DuckDB and PostgreSQL.
-- Append-only ledgers: rows are inserted, never updated or deleted. A settlement found wrong
-- (the match's result was corrected) is undone by a reversal row and redone by a new settlement
-- row, both pointing at the row they supersede. Money is decimal(14, 2): cents, exactly.
-- Every timestamp is UTC, naive (timestamp without time zone), the warehouse's one convention
-- (ml/clock.py, docs/architecture.md): kickoff_at is marts' UTC kickoff, placed_at, settled_at,
-- created_at and recorded_at are UTC too, so the checks below compare UTC with UTC.
-- dbt declares them as sources (dbt_project/models/staging/betting), read by stg_betting__* views.

create schema if not exists betting;

-- Each strategy configuration ever used (ml/strategies.toml), so a bet's strategy_version can
-- always be read back as the parameters that produced it, whatever the file says today.
create table if not exists betting.strategy_versions (
    strategy text not null,
    strategy_version text not null,
    rule text not null,
    params text not null,
    recorded_at timestamp not null,
    primary key (strategy, strategy_version)
);

-- One row per backtest: the walk-forward predictions of one source run, model and variant
-- through one strategy version. Its backtest_id is the book_id of its bets; the unique key
-- makes a backtest of the same inputs happen once.
create table if not exists betting.backtests (
    backtest_id text not null primary key,
    source_run_id text not null,
    league text not null,
    model text not null,
    variant text not null,
    strategy text not null,
    strategy_version text not null,
    lead_hours double precision not null,
    results_delay_hours double precision not null,
    n_predictions integer not null,
    n_bets integer not null,
    created_at timestamp not null,
    unique (source_run_id, league, model, variant, strategy, strategy_version)
);

-- One row per bet. book_id is the ledger the bankroll belongs to: 'live' for bets placed on
-- upcoming matches, a backtest_id for simulated ones; a bankroll is per (book_id, strategy,
-- league): the live book holds every league's bets, each league with its own bankroll (what
-- its stakes are a share of), and a backtest holds one league's.
-- Bets are struck only at pre-match prices, strictly before kickoff (placed_at < kickoff_at,
-- both UTC): the checks refuse anything else whatever the code does.
create table if not exists betting.bets (
    bet_id text not null primary key,
    book_id text not null,
    mode text not null,
    run_id text not null,
    strategy text not null,
    strategy_version text not null,
    league text not null,
    season text not null,
    match_id text not null,
    kickoff_at timestamp not null,
    selection text not null,
    odds_taken double precision not null,
    odds_source text not null,
    odds_period text not null,
    odds_loaded_at timestamp,
    stake decimal(14, 2) not null,
    bankroll_start decimal(14, 2) not null,
    bankroll_at_placement decimal(14, 2) not null,
    p_model double precision not null,
    p_implied double precision not null,
    edge double precision not null,
    model_name text not null,
    model_version text,
    model_variant text,
    prediction_ref text not null,
    placed_at timestamp not null,
    unique (book_id, strategy, match_id),
    check (mode in ('live', 'backtest')),
    check (selection in ('home', 'draw', 'away')),
    check (odds_period = 'pre_match'),
    check (odds_taken > 1),
    check (stake > 0),
    check (placed_at < kickoff_at)
);

-- Settlements and their reversals. seq orders the rows of one (book_id, strategy) ledger, those
-- of every league of the book in one sequence, and bankroll_after is the bankroll of the bet's
-- league in the book after the row (start + every profit of the league's rows up to it; rows
-- written while the live book had one bankroll for every league followed that one); revision
-- counts the settlements of one bet (1, then 2 after a correction). Effective settlement of a
-- bet: its settlement row of the highest revision; profit summed over all rows nets out.
create table if not exists betting.settlements (
    settlement_id text not null primary key,
    bet_id text not null,
    book_id text not null,
    strategy text not null,
    seq integer not null,
    revision integer not null,
    kind text not null,
    outcome text not null,
    result text,
    home_goals integer,
    away_goals integer,
    stake decimal(14, 2) not null,
    odds_taken double precision not null,
    profit decimal(14, 2) not null,
    bankroll_after decimal(14, 2) not null,
    closing_odds double precision,
    closing_source text,
    clv double precision,
    reason text not null,
    supersedes text,
    run_id text not null,
    settled_at timestamp not null,
    unique (book_id, strategy, seq),
    unique (bet_id, kind, revision),
    check (kind in ('settlement', 'reversal')),
    check (outcome in ('win', 'loss', 'void'))
);
