-- Raw landing tables that Python ingestion (ml/ingest) owns. Idempotent: safe to apply on every run.
-- Raw data is immutable: rows are only ever appended. A source row whose values changed since the
-- last load gets a new version row (same natural key, new record_hash); staging reads the latest.
-- Runs unchanged on DuckDB and PostgreSQL.
-- Timestamps are UTC, naive (ml/clock.py). loaded_at, started_at, finished_at and rejected_at are
-- wall-clock stamps of what the machine did; known_at is the clock of the load (its as_of): the
-- moment the data describes what was known, which a replay sets to the past.

create schema if not exists raw;

-- One row per file a load looked at, whatever happened to it.
create table if not exists raw.load_log (
    load_id text not null primary key,
    source_uri text not null,
    source_file text not null,
    file_kind text not null,
    league text,
    season text,
    file_hash text,
    status text not null,
    rows_in_file integer,
    rows_inserted integer,
    rows_unchanged integer,
    rows_rejected integer,
    message text,
    started_at timestamp not null,
    finished_at timestamp,
    known_at timestamp
);

-- Results files: one row per match row of a football-data season file, per version.
-- Typed columns are validated in Python; record keeps every source column as text (JSON object).
create table if not exists raw.matches (
    load_id text not null,
    source_file text not null,
    file_hash text not null,
    row_number integer not null,
    loaded_at timestamp not null,
    league text not null,
    season text not null,
    match_date date not null,
    kickoff_time text,
    home_team text not null,
    away_team text not null,
    home_goals integer,
    away_goals integer,
    result text,
    ht_home_goals integer,
    ht_away_goals integer,
    ht_result text,
    referee text,
    attendance integer,
    home_shots integer,
    away_shots integer,
    home_shots_on_target integer,
    away_shots_on_target integer,
    home_fouls integer,
    away_fouls integer,
    home_corners integer,
    away_corners integer,
    home_yellows integer,
    away_yellows integer,
    home_reds integer,
    away_reds integer,
    record_hash text not null,
    record text not null,
    known_at timestamp
);

-- fixtures.csv: upcoming matches of every league football-data covers, per version.
create table if not exists raw.fixtures (
    load_id text not null,
    source_file text not null,
    file_hash text not null,
    row_number integer not null,
    loaded_at timestamp not null,
    league text not null,
    season text not null,
    match_date date not null,
    kickoff_time text,
    home_team text not null,
    away_team text not null,
    referee text,
    record_hash text not null,
    record text not null,
    known_at timestamp
);

-- Bookmaker prices in long form, one row per price column of each landed match or fixture row
-- (joined to its row by load_id and row_number). period is 'pre_match' or 'closing'.
-- Closing prices are for evaluation only: nothing known at kickoff may be computed from them.
create table if not exists raw.odds (
    load_id text not null,
    source_file text not null,
    row_number integer not null,
    file_kind text not null,
    league text not null,
    season text not null,
    match_date date not null,
    home_team text not null,
    away_team text not null,
    source_column text not null,
    bookmaker text not null,
    market text not null,
    selection text not null,
    line double precision,
    period text not null,
    price double precision not null
);

-- Rows that could not be parsed; the rest of their file was loaded.
create table if not exists raw.rejected_rows (
    load_id text not null,
    source_file text not null,
    line_number integer not null,
    reason text not null,
    raw_line text,
    rejected_at timestamp not null
);

-- Columns added after the tables were first created, for warehouses created before them (new
-- columns go last, so a fresh and an upgraded warehouse have the same column order).
alter table raw.load_log add column if not exists known_at timestamp;
alter table raw.matches add column if not exists known_at timestamp;
alter table raw.fixtures add column if not exists known_at timestamp;
