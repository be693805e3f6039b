-- The bookmakers' margin on the market's pre-match price per season (overround - 1, averaged
-- over the matches that have one): what a bettor without an edge pays.
-- Parameters: league.
select
    season,
    cast(avg(prematch_market_overround) - 1 as double precision) as margin,
    count(*) as n_matches
from marts.fct_matches
where
    league = ?
    and prematch_market_overround is not null
group by season
order by season
