-- Tables the catalogue of steps (ml/orchestration/steps.py) owns: what ran, at which clock, and what it
-- changed. Idempotent. Runs unchanged on DuckDB and PostgreSQL. Append-only.
-- Timestamps are UTC, naive (docs/architecture.md): as_of is the clock a run saw the world at,
-- started_at/finished_at are when the machine ran it.

create schema if not exists ops;

-- One row per run of the catalogue (plpred run, one replay tick, a DAG run, one CLI command),
-- written when it starts and again, with its outcome, when it ends.
create table if not exists ops.runs (
    run_id text not null,
    kind text not null,          -- run | replay | dag | command
    league text not null,
    as_of timestamp not null,
    status text not null,        -- running | success | failed
    detail text,
    recorded_at timestamp not null
);

-- One row per step executed (or skipped) in a run. seq orders them across runs and processes;
-- changed says the step wrote rows that the steps reading its outputs have not seen yet,
-- which is how a later step knows it is due (ml/orchestration/steps.py, Step.due_on).
create table if not exists ops.step_runs (
    seq bigint not null primary key,
    run_id text not null,
    step text not null,
    league text not null,
    as_of timestamp not null,
    status text not null,        -- done | skipped | failed
    changed boolean not null,
    detail text,
    seconds double precision not null,
    finished_at timestamp not null
);
