-- Each team's last five results of a season (W, D, L), most recent first, for the form column
-- of the league table. Parameters: league, season, league, season.
with

team_matches as (

    select
        home_team_id as team_id,
        kickoff_date,
        match_id,
        case result when 'H' then 'W' when 'D' then 'D' else 'L' end as outcome
    from marts.fct_matches
    where league = ? and season = ?

    union all

    select
        away_team_id as team_id,
        kickoff_date,
        match_id,
        case result when 'A' then 'W' when 'D' then 'D' else 'L' end as outcome
    from marts.fct_matches
    where league = ? and season = ?

),

ranked as (

    select
        team_id,
        outcome,
        row_number() over (
            partition by team_id
            order by kickoff_date desc, match_id desc
        ) as recency
    from team_matches

)

select
    team_id,
    recency,
    outcome
from ranked
where recency <= 5
order by
    team_id,
    recency
