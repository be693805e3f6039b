{#- The walk-forward evaluation of every training run, one row per run, model variant and
    season (or 'all'): RPS, log loss, Brier score, accuracy and expected calibration error side
    by side (ml.model_evaluations stores them long). is_latest_run and is_selected come from
    mart_training_runs: each league's latest run, and the variant that run put forward.
    The market and base-rate yardsticks are rows like any model. -#}
with

evaluations as (

    select * from {{ ref('stg_ml__model_evaluations') }}

),

training_runs as (

    select * from {{ ref('mart_training_runs') }}

),

pivoted as (

    select
        run_id,
        league,
        model,
        variant,
        season,
        max(case when metric = 'rps' then value end) as rps,
        max(case when metric = 'log_loss' then value end) as log_loss,
        max(case when metric = 'brier' then value end) as brier,
        max(case when metric = 'accuracy' then value end) as accuracy,
        max(case when metric = 'ece' then value end) as ece,
        max(n_matches) as n_matches
    from evaluations
    group by
        run_id,
        league,
        model,
        variant,
        season

),

final as (

    select
        pivoted.run_id,
        pivoted.league,
        training_runs.evaluated_at,
        training_runs.is_latest as is_latest_run,
        pivoted.model,
        pivoted.variant,
        pivoted.model || '/' || pivoted.variant as model_label,
        coalesce(
            pivoted.model || '/' || pivoted.variant = training_runs.candidate_label, false
        ) as is_selected,
        pivoted.season,
        cast(pivoted.rps as double precision) as rps,
        cast(pivoted.log_loss as double precision) as log_loss,
        cast(pivoted.brier as double precision) as brier,
        cast(pivoted.accuracy as double precision) as accuracy,
        cast(pivoted.ece as double precision) as ece,
        cast(pivoted.n_matches as integer) as n_matches
    from pivoted
    inner join training_runs
        on
            pivoted.run_id = training_runs.run_id
            and pivoted.league = training_runs.league

)

select * from final
