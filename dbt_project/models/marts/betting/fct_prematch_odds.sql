{#- The prices a bet may be struck at: pre-match 1X2 books per match and bookmaker, for played
    and upcoming matches. Never closing prices (period = 'pre_match' only), so nothing that
    reads this table can bet at kickoff's price by mistake. A played match takes the prices of
    its results row, an upcoming one those of its latest fixture row. A book counts only when
    all three prices are present and above 1. ml/betting reads it to place bets (live, on
    upcoming matches) and to replay past seasons (backtests). -#}
with

odds as (

    select * from {{ ref('stg_football_data__odds') }}

),

matches as (

    select * from {{ ref('int_matches_unioned_with_fixtures') }}

),

pre_match_one_x_two as (

    select * from odds
    where
        market = '1x2'
        and period = 'pre_match'

),

books as (

    select
        match_id,
        row_kind,
        bookmaker,
        max(loaded_at) as loaded_at,
        max(case when selection = 'home' then price end) as home_odds,
        max(case when selection = 'draw' then price end) as draw_odds,
        max(case when selection = 'away' then price end) as away_odds
    from pre_match_one_x_two
    group by
        match_id,
        row_kind,
        bookmaker

),

complete_books as (

    select * from books
    where home_odds > 1 and draw_odds > 1 and away_odds > 1

),

books_ranked as (

    select
        *,
        row_number() over (
            partition by match_id, bookmaker
            order by case when row_kind = 'result' then 1 else 2 end
        ) as row_kind_rank
    from complete_books

),

final as (

    select
        matches.match_id,
        matches.league,
        matches.season,
        matches.kickoff_date,
        matches.kickoff_at,
        matches.kickoff_at_uk,
        matches.home_team,
        matches.away_team,
        matches.is_played,
        books_ranked.bookmaker,
        cast(books_ranked.home_odds as double precision) as home_odds,
        cast(books_ranked.draw_odds as double precision) as draw_odds,
        cast(books_ranked.away_odds as double precision) as away_odds,
        books_ranked.row_kind,
        books_ranked.loaded_at
    from books_ranked
    inner join matches
        on books_ranked.match_id = matches.match_id
    where books_ranked.row_kind_rank = 1

)

select * from final
