-- Results and closing prices (for closing line value) of the matches bet on.
select
    match_id, kickoff_at, result, home_goals, away_goals,
    closing_pinnacle_home_odds, closing_pinnacle_draw_odds, closing_pinnacle_away_odds,
    closing_market_home_odds, closing_market_draw_odds, closing_market_away_odds
from marts.fct_matches
where match_id in (select match_id from betting.bets)
