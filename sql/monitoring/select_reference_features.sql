-- The champion's training window, its newest played matches up to its training data's end:
-- the reference of the data-drift check.
select features.*
from marts.mart_match_features as features
where features.league = ? and features.is_played and features.kickoff_date <= ?
order by features.kickoff_date desc, features.match_id
limit ?
