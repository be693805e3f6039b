-- The rows models train and predict on: mart_match_features of a league and its second tier
-- (the goals model learns promoted clubs from the second tier). Parameters: league, second tier.
-- The closing prices come along ONLY as the evaluation yardstick ("market_close"); ml/train.py
-- never lists them as features, and score.py never reads them.
select
    features.*,
    -- Pinnacle's closing prices, else the market average's closing prices (Pinnacle's stop
    -- part-way through 2025-26), so the yardstick covers every match the models predict.
    case
        when matches.closing_pinnacle_home_odds is not null
            then matches.closing_pinnacle_home_odds
        else matches.closing_market_home_odds
    end as yardstick_close_home_odds,
    case
        when matches.closing_pinnacle_home_odds is not null
            then matches.closing_pinnacle_draw_odds
        else matches.closing_market_draw_odds
    end as yardstick_close_draw_odds,
    case
        when matches.closing_pinnacle_home_odds is not null
            then matches.closing_pinnacle_away_odds
        else matches.closing_market_away_odds
    end as yardstick_close_away_odds
from marts.mart_match_features as features
left join marts.fct_matches as matches
    on features.match_id = matches.match_id
where features.league = ? or features.league = ?
order by features.kickoff_date, features.match_id
