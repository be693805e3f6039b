-- The rows models train and predict on: mart_match_features of a league and its second tier
-- (the goals model learns promoted clubs from the second tier). Parameters: league, second tier.
-- The closing prices come along ONLY as the evaluation yardstick ("market_close"); ml/train.py
-- never lists them as features, and score.py never reads them.
select
    features.*,
    matches.closing_pinnacle_home_odds as yardstick_close_home_odds,
    matches.closing_pinnacle_draw_odds as yardstick_close_draw_odds,
    matches.closing_pinnacle_away_odds as yardstick_close_away_odds
from marts.mart_match_features as features
left join marts.fct_matches as matches
    on features.match_id = matches.match_id
where features.league = ? or features.league = ?
order by features.kickoff_date, features.match_id
