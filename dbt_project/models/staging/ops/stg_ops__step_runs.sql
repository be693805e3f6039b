{#- One row per step the catalogue executed, in order of execution (seq). -#}
with

source as (

    select * from {{ source('ops', 'step_runs') }}

),

final as (

    select
        seq,
        run_id,
        step,
        league,
        as_of,
        status,
        changed,
        detail,
        seconds,
        finished_at
    from source

)

select * from final
