{#- Every champion/challenger decision with the league it belongs to and the version in force
    after it, for the dashboards' "model version over time" panel and its retrain annotations.
    A first champion, a promotion or a refit changes the version in force; a kept champion does
    not (the challenger stays challenger). -#}
with

decisions as (

    select * from {{ ref('stg_ml__champion_decisions') }}

),

final as (

    select
        decided_at,
        replace(model_name, 'plpred-', '') as league,
        model_name,
        run_id,
        decision,
        decision in ('first_champion', 'promoted', 'refit') as is_champion_change,
        candidate_version,
        candidate_label,
        champion_version_before,
        case
            when decision in ('first_champion', 'promoted', 'refit') then candidate_version
            else champion_version_before
        end as version_in_force_after,
        season,
        cast(candidate_rps as double precision) as candidate_rps,
        cast(champion_rps as double precision) as champion_rps,
        cast(candidate_log_loss as double precision) as candidate_log_loss,
        cast(champion_log_loss as double precision) as champion_log_loss,
        reason
    from decisions

)

select * from final
