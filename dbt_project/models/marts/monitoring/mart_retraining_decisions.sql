{#- Every retraining decision, newest first in the dashboards: what the policy decided at each
    clock and why, "none" included, and whether the model changed when it was carried out. -#}
{{ config(materialized='view') }}

with

decisions as (

    select * from {{ ref('stg_monitoring__retraining_decisions') }}

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
        case
            when action = 'none' then 'no action'
            when executed_at is null then 'pending'
            else 'carried out'
        end as state,
        coalesce(
            model_version_after is not null
            and model_version_after <> coalesce(model_version_before, ''),
            false
        ) as model_changed,
        monitoring_run_id
    from decisions

)

select * from final
