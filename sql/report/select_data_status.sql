-- How current the data is: the latest result of the league and how many of its matches wait
-- for one. Parameters: league.
select
    max(case when is_played then kickoff_date end) as latest_result_date,
    sum(case when is_played then 0 else 1 end) as matches_without_result
from marts.mart_match_features
where league = ?
