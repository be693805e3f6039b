{#- Every retraining decision, "none" included, and whether a step carried it out. -#}
with

source as (

    select * from {{ source('monitoring', 'retraining_decisions') }}

),

final as (

    select
        decision_id,
        decided_at,
        as_of,
        league,
        trigger,
        reason,
        action,
        model_version_before,
        model_version_after,
        executed_at,
        monitoring_run_id
    from source

)

select * from final
