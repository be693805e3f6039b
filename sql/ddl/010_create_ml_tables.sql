-- Tables the ML steps (ml/modeling/train.py, ml/modeling/score.py) own. Idempotent. Runs unchanged on DuckDB and PostgreSQL.
-- All of them are append-only ledgers: rows are inserted, never updated or deleted.
-- dbt declares them as sources (dbt_project/models/staging/ml), read by stg_ml__* views.

create schema if not exists ml;

-- One row per model, variant, evaluated season (or 'all') and metric, per training run.
create table if not exists ml.model_evaluations (
    run_id text not null,
    evaluated_at timestamp not null,
    league text not null,
    model text not null,
    variant text not null,
    season text not null,
    metric text not null,
    value double precision not null,
    n_matches integer not null
);

-- Out-of-sample walk-forward predictions: each made by a model fitted only on earlier matches.
create table if not exists ml.walk_forward_predictions (
    run_id text not null,
    league text not null,
    model text not null,
    variant text not null,
    match_id text not null,
    season text not null,
    p_home double precision not null,
    p_draw double precision not null,
    p_away double precision not null
);

-- Predictions of the registered champion for matches after its training data ends.
-- At most one row per (model_name, model_version, match_id): scoring twice adds nothing.
create table if not exists ml.predictions (
    prediction_id text not null primary key,
    match_id text not null,
    league text not null,
    model_name text not null,
    model_version text not null,
    model_label text not null,
    p_home double precision not null,
    p_draw double precision not null,
    p_away double precision not null,
    expected_home_goals double precision,
    expected_away_goals double precision,
    p_over_2_5 double precision,
    predicted_at timestamp not null,
    features_as_of date,
    unique (model_name, model_version, match_id)
);

-- Every champion/challenger decision and its reason, whichever way it went.
create table if not exists ml.champion_decisions (
    decided_at timestamp not null,
    run_id text not null,
    model_name text not null,
    candidate_version text not null,
    candidate_label text not null,
    champion_version_before text,
    champion_label_before text,
    decision text not null,
    season text,
    candidate_rps double precision,
    champion_rps double precision,
    candidate_log_loss double precision,
    champion_log_loss double precision,
    reason text not null
);
