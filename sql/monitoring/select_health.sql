-- Data health at the clock (parameters: league, clock repeated): the last successful load
-- known by then, rejected rows of the last 7 days' loads, played matches of the last 14 days
-- without pre-match odds, and whether a match was played in the last 14 days or is due in the
-- next 14 (in season: a stale load is an alert only then).
select
    (
        select max(coalesce(known_at, finished_at))
        from raw.load_log
        where status in ('loaded', 'unchanged')
          and (league = ? or league is null)
          and coalesce(known_at, finished_at) <= ?
    ) as last_load_at,
    (
        select coalesce(sum(rows_rejected), 0)
        from raw.load_log
        where (league = ? or league is null)
          and coalesce(known_at, finished_at) <= ?
          and coalesce(known_at, finished_at) > ? - interval '7 days'
    ) as rejected_rows_7d,
    (
        select count(*)
        from marts.fct_matches
        where league = ?
          and kickoff_at <= ?
          and kickoff_at > ? - interval '14 days'
          and prematch_market_home_prob_proportional is null
    ) as missing_prematch_odds_14d,
    (
        select count(*)
        from marts.mart_match_features
        where league = ?
          and kickoff_date between cast(? as date) - 14 and cast(? as date) + 14
    ) as matches_near
