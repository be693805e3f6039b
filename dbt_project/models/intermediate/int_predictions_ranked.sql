{#- Every stored prediction (ml.predictions, every version) of a match the warehouse knows,
    ranked twice within its match: newest_first over all its predictions (the one in force
    now), newest_before_kickoff_first over those made strictly before kickoff (the one in
    force at kickoff; null for a prediction made at or after it). Newest is the latest
    predicted_at, then the greater model_version. The one place that says which prediction
    is in force: mart_live_predictions (played matches, at kickoff) and
    mart_upcoming_predictions (matches to be played, now) read it. -#}
with

predictions as (

    select * from {{ ref('stg_ml__predictions') }}

),

matches as (

    select * from {{ ref('int_matches_unioned_with_fixtures') }}

),

timed as (

    select
        predictions.*,
        predictions.predicted_at < matches.kickoff_at as is_before_kickoff
    from predictions
    inner join matches
        on predictions.match_id = matches.match_id

),

final as (

    select
        timed.*,
        row_number() over (
            partition by timed.match_id
            order by timed.predicted_at desc, timed.model_version desc
        ) as newest_first,
        case
            when timed.is_before_kickoff
                then row_number() over (
                    partition by timed.match_id, timed.is_before_kickoff
                    order by timed.predicted_at desc, timed.model_version desc
                )
        end as newest_before_kickoff_first
    from timed

)

select * from final
