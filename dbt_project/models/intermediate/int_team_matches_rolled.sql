{#- Pre-match form of each team for each of its matches, played and upcoming, computed only
    from the team's matches that were played before it.

    How (portable to DuckDB and Postgres):
    1. The team's played matches are laid out in three timelines: all of them, home matches
       only, away matches only. Each timeline ends with one placeholder row that stands for
       "the team's next match in this timeline".
    2. Window functions over each timeline use frames ending at `1 preceding`, so the values on
       a row come from the matches strictly before it; on the placeholder they are the state
       after the team's last played match.
    3. An as-of join gives every row (played or upcoming) the timeline row whose sequence
       number is (played matches of the team before this row) + 1: for a played match that is
       the match itself, for an upcoming fixture the next played match or the placeholder.
    4. Season-to-date points, goal difference and league position are read from the league
       table after the last date before the match's date (int_league_standings_accumulated).
    features_as_of is the latest match date any of these values used; it is always earlier
    than the kickoff date (tests/assert_features_computed_before_kickoff.sql). -#}
{%- set alpha = var('ewma_alpha') -%}
with

team_matches as (

    select * from {{ ref('int_team_matches_unpivoted') }}

),

standings as (

    select * from {{ ref('int_league_standings_accumulated') }}

),

played as (

    select
        team_id,
        match_id,
        kickoff_date,
        kickoff_at,
        is_home,
        points,
        goals_for,
        goals_against,
        goal_difference,
        shots_for,
        shots_against,
        shots_on_target_for,
        shots_on_target_against
    from team_matches
    where is_played

),

scoped_played as (

    select 'all' as scope, played.* from played
    union all
    select 'home' as scope, played.* from played where is_home
    union all
    select 'away' as scope, played.* from played where not is_home

),

scopes as (

    select 'all' as scope
    union all
    select 'home' as scope
    union all
    select 'away' as scope

),

teams as (

    select distinct team_id from team_matches

),

next_match_placeholders as (

    select
        scopes.scope,
        teams.team_id,
        cast(null as text) as match_id,
        cast(null as date) as kickoff_date,
        cast(null as timestamp) as kickoff_at,
        cast(null as boolean) as is_home,
        cast(null as integer) as points,
        cast(null as integer) as goals_for,
        cast(null as integer) as goals_against,
        cast(null as integer) as goal_difference,
        cast(null as integer) as shots_for,
        cast(null as integer) as shots_against,
        cast(null as integer) as shots_on_target_for,
        cast(null as integer) as shots_on_target_against
    from teams
    cross join scopes

),

timelines as (

    select
        *,
        row_number() over (
            partition by team_id, scope
            order by case when match_id is null then 1 else 0 end, kickoff_at, match_id
        ) as timeline_seq
    from (
        select * from scoped_played
        union all
        select * from next_match_placeholders
    ) as timeline_rows

),

timelines_rolled as (

    select
        team_id,
        scope,
        timeline_seq,
        lag(kickoff_date) over ordered as last_match_date,
        avg(cast(points as double precision)) over last_5 as ppg_last5,
        avg(cast(points as double precision)) over last_10 as ppg_last10,
        avg(cast(goal_difference as double precision)) over last_5 as goal_diff_per_game_last5,
        avg(cast(goal_difference as double precision)) over last_10 as goal_diff_per_game_last10,
        avg(cast(goals_for as double precision)) over last_5 as goals_for_avg_last5,
        avg(cast(goals_for as double precision)) over last_10 as goals_for_avg_last10,
        avg(cast(goals_against as double precision)) over last_5 as goals_against_avg_last5,
        avg(cast(goals_against as double precision)) over last_10 as goals_against_avg_last10,
        avg(cast(shots_for as double precision)) over last_5 as shots_for_avg_last5,
        avg(cast(shots_for as double precision)) over last_10 as shots_for_avg_last10,
        avg(cast(shots_against as double precision)) over last_5 as shots_against_avg_last5,
        avg(cast(shots_against as double precision)) over last_10 as shots_against_avg_last10,
        avg(cast(shots_on_target_for as double precision)) over last_5
            as shots_on_target_for_avg_last5,
        avg(cast(shots_on_target_for as double precision)) over last_10
            as shots_on_target_for_avg_last10,
        avg(cast(shots_on_target_against as double precision)) over last_5
            as shots_on_target_against_avg_last5,
        avg(cast(shots_on_target_against as double precision)) over last_10
            as shots_on_target_against_avg_last10,
        {{ ewma('goals_for', 'timeline_seq', 'history', alpha) }} as goals_for_ewma,
        {{ ewma('goals_against', 'timeline_seq', 'history', alpha) }} as goals_against_ewma,
        {{ ewma('shots_for', 'timeline_seq', 'history', alpha) }} as shots_for_ewma,
        {{ ewma('shots_against', 'timeline_seq', 'history', alpha) }} as shots_against_ewma,
        {{ ewma('shots_on_target_for', 'timeline_seq', 'history', alpha) }}
            as shots_on_target_for_ewma,
        {{ ewma('shots_on_target_against', 'timeline_seq', 'history', alpha) }}
            as shots_on_target_against_ewma
    from timelines
    window
        ordered as (partition by team_id, scope order by timeline_seq),
        last_5 as (
            partition by team_id, scope order by timeline_seq
            rows between 5 preceding and 1 preceding
        ),
        last_10 as (
            partition by team_id, scope order by timeline_seq
            rows between 10 preceding and 1 preceding
        ),
        history as (
            partition by team_id, scope order by timeline_seq
            rows between unbounded preceding and 1 preceding
        )

),

team_matches_positioned as (

    select
        *,
        coalesce(sum(case when is_played then 1 else 0 end) over earlier_rows, 0)
            as played_before,
        coalesce(sum(case when is_played and is_home then 1 else 0 end) over earlier_rows, 0)
            as home_played_before,
        coalesce(sum(case when is_played and not is_home then 1 else 0 end) over earlier_rows, 0)
            as away_played_before
    from team_matches
    window earlier_rows as (
        partition by team_id
        order by kickoff_at, match_id
        rows between unbounded preceding and 1 preceding
    )

),

standings_dates as (

    select distinct
        league,
        season,
        standings_date
    from standings

),

standings_as_of as (

    select
        team_matches.match_id,
        team_matches.team_id,
        max(standings_dates.standings_date) as standings_date
    from team_matches
    inner join standings_dates
        on
            team_matches.league = standings_dates.league
            and team_matches.season = standings_dates.season
            and standings_dates.standings_date < team_matches.kickoff_date
    group by
        team_matches.match_id,
        team_matches.team_id

),

joined as (

    select
        positioned.match_id,
        positioned.team_id,
        positioned.team,
        positioned.opponent_team_id,
        positioned.opponent_team,
        positioned.league,
        positioned.season,
        positioned.season_code,
        positioned.kickoff_date,
        positioned.kickoff_at,
        positioned.is_home,
        positioned.is_played,
        overall.timeline_seq - 1 as matches_played,
        overall.last_match_date,
        overall.ppg_last5,
        overall.ppg_last10,
        overall.goal_diff_per_game_last5,
        overall.goal_diff_per_game_last10,
        overall.goals_for_avg_last5,
        overall.goals_for_avg_last10,
        overall.goals_against_avg_last5,
        overall.goals_against_avg_last10,
        overall.shots_for_avg_last5,
        overall.shots_for_avg_last10,
        overall.shots_against_avg_last5,
        overall.shots_against_avg_last10,
        overall.shots_on_target_for_avg_last5,
        overall.shots_on_target_for_avg_last10,
        overall.shots_on_target_against_avg_last5,
        overall.shots_on_target_against_avg_last10,
        overall.goals_for_ewma,
        overall.goals_against_ewma,
        overall.shots_for_ewma,
        overall.shots_against_ewma,
        overall.shots_on_target_for_ewma,
        overall.shots_on_target_against_ewma,
        home_form.timeline_seq - 1 as home_games_played,
        home_form.ppg_last5 as ppg_home_games_last5,
        home_form.goal_diff_per_game_last5 as goal_diff_per_game_home_games_last5,
        away_form.timeline_seq - 1 as away_games_played,
        away_form.ppg_last5 as ppg_away_games_last5,
        away_form.goal_diff_per_game_last5 as goal_diff_per_game_away_games_last5,
        standings_as_of.standings_date,
        standings.played as season_matches_played,
        standings.points as season_points,
        standings.goal_difference as season_goal_difference,
        standings.position as standings_position
    from team_matches_positioned as positioned
    left join timelines_rolled as overall
        on
            positioned.team_id = overall.team_id
            and overall.scope = 'all'
            and overall.timeline_seq = positioned.played_before + 1
    left join timelines_rolled as home_form
        on
            positioned.team_id = home_form.team_id
            and home_form.scope = 'home'
            and home_form.timeline_seq = positioned.home_played_before + 1
    left join timelines_rolled as away_form
        on
            positioned.team_id = away_form.team_id
            and away_form.scope = 'away'
            and away_form.timeline_seq = positioned.away_played_before + 1
    left join standings_as_of
        on
            positioned.match_id = standings_as_of.match_id
            and positioned.team_id = standings_as_of.team_id
    left join standings
        on
            positioned.league = standings.league
            and positioned.season = standings.season
            and positioned.team_id = standings.team_id
            and standings_as_of.standings_date = standings.standings_date

),

final as (

    select
        match_id,
        team_id,
        team,
        opponent_team_id,
        opponent_team,
        league,
        season,
        season_code,
        kickoff_date,
        kickoff_at,
        is_home,
        is_played,
        cast(matches_played as integer) as matches_played,
        cast(coalesce(season_matches_played, 0) as integer) as season_matches_played,
        cast(coalesce(season_points, 0) as integer) as season_points,
        cast(coalesce(season_goal_difference, 0) as integer) as season_goal_difference,
        cast(
            case when season_matches_played > 0 then standings_position end as integer
        ) as league_position,
        cast({{ dbt.datediff('last_match_date', 'kickoff_date', 'day') }} as integer)
            as rest_days,
        ppg_last5,
        ppg_last10,
        goal_diff_per_game_last5,
        goal_diff_per_game_last10,
        goals_for_avg_last5,
        goals_for_avg_last10,
        goals_against_avg_last5,
        goals_against_avg_last10,
        shots_for_avg_last5,
        shots_for_avg_last10,
        shots_against_avg_last5,
        shots_against_avg_last10,
        shots_on_target_for_avg_last5,
        shots_on_target_for_avg_last10,
        shots_on_target_against_avg_last5,
        shots_on_target_against_avg_last10,
        goals_for_ewma,
        goals_against_ewma,
        shots_for_ewma,
        shots_against_ewma,
        shots_on_target_for_ewma,
        shots_on_target_against_ewma,
        cast(home_games_played as integer) as home_games_played,
        ppg_home_games_last5,
        goal_diff_per_game_home_games_last5,
        cast(away_games_played as integer) as away_games_played,
        ppg_away_games_last5,
        goal_diff_per_game_away_games_last5,
        last_match_date,
        standings_date as standings_as_of,
        greatest(last_match_date, standings_date) as features_as_of
    from joined

)

select * from final
