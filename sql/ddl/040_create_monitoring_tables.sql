-- Tables the monitoring step (ml/monitoring) owns: what the watcher saw, and what the retraining
-- policy decided. Idempotent. Runs unchanged on DuckDB and PostgreSQL. Timestamps are UTC, naive
-- (docs/architecture.md): as_of is the clock the check ran at, computed_at when the machine ran it.
-- dbt declares them as sources (dbt_project/models/staging/monitoring); the dashboards read the
-- marts on top of them (dbt_project/models/marts/monitoring).

create schema if not exists monitoring;

-- One row per monitoring run: one league at one clock. A second run at the same clock for the
-- same league adds nothing (ml/monitoring/run.py checks this table first).
create table if not exists monitoring.runs (
    run_id text not null primary key,
    league text not null,
    as_of timestamp not null,
    computed_at timestamp not null,
    model_version text,
    status text not null,        -- ok | warn | alert | no_data: the worst of its metrics
    n_current integer not null,  -- matches in the drift window (scored since the last run, topped up)
    n_settled integer not null,  -- settled matches in the performance window
    report_path text,            -- Evidently's HTML report of feature drift, when the run kept one
                                 -- (a replay's ticks but its last keep it only where the data drifted)
    detail text
);

-- Long form: one row per metric (and per feature, for per-feature metrics) per run.
-- status: ok | warn | alert | no_data (too few rows to say); threshold is the value the status
-- was judged against (null when the metric is informative only).
create table if not exists monitoring.metrics (
    run_id text not null,
    computed_at timestamp not null,
    as_of timestamp not null,
    league text not null,
    model_version text,
    metric text not null,
    feature text,
    value double precision,
    threshold double precision,
    status text not null,
    check (status in ('ok', 'warn', 'alert', 'no_data'))
);

-- Every retraining decision, "no action" included, with its trigger and reason. A decision to
-- refit or retrain is carried out by the train or refit step of the next run at or after its
-- clock, which then fills executed_at and model_version_after (the only update this table sees).
create table if not exists monitoring.retraining_decisions (
    decision_id text not null primary key,
    decided_at timestamp not null,
    as_of timestamp not null,
    league text not null,
    trigger text not null,       -- none | performance | drift | new_season | age | no_champion | on_demand
    reason text not null,
    action text not null,        -- none | refit | retrain
    model_version_before text,
    model_version_after text,
    executed_at timestamp,
    monitoring_run_id text,
    check (action in ('none', 'refit', 'retrain'))
);
