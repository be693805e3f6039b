{#- Every champion/challenger (or refit) decision and its reason. -#}
with

source as (

    select * from {{ source('ml', 'champion_decisions') }}

),

final as (

    select
        decided_at,
        run_id,
        model_name,
        candidate_version,
        candidate_label,
        champion_version_before,
        champion_label_before,
        decision,
        season,
        candidate_rps,
        champion_rps,
        candidate_log_loss,
        champion_log_loss,
        reason
    from source

)

select * from final
