-- The rows models train and predict on: mart_match_features of a league and its second tier
-- (the goals model learns promoted clubs from the second tier). Parameters: league, second tier.
-- The closing prices come along ONLY as the evaluation yardstick ("market_close"), the book
-- fct_matches.yardstick_close_* names (int_odds_pivoted_to_matches decides which, once);
-- ml/modeling/train.py never lists them as features, and score.py never reads them.
select
    features.*,
    matches.yardstick_close_home_odds,
    matches.yardstick_close_draw_odds,
    matches.yardstick_close_away_odds
from marts.mart_match_features as features
left join marts.fct_matches as matches
    on features.match_id = matches.match_id
where features.league = ? or features.league = ?
order by features.kickoff_date, features.match_id
