"""The odds column grammar: bookmaker, market, selection, period and line from a column name."""

from __future__ import annotations

import pytest

from ml.ingest.odds_columns import OddsColumn, classify, handicap_line_column, source_bookmaker


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("B365H", ("B365", "1x2", "home", "pre_match", None)),
        ("B365D", ("B365", "1x2", "draw", "pre_match", None)),
        ("PSA", ("PS", "1x2", "away", "pre_match", None)),
        ("PSCH", ("PS", "1x2", "home", "closing", None)),
        ("AvgCH", ("Avg", "1x2", "home", "closing", None)),
        ("MaxCA", ("Max", "1x2", "away", "closing", None)),
        ("BbAvH", ("Avg", "1x2", "home", "pre_match", None)),
        ("BbMxD", ("Max", "1x2", "draw", "pre_match", None)),
        ("1XBCH", ("1XB", "1x2", "home", "closing", None)),
        ("BMGMA", ("BMGM", "1x2", "away", "pre_match", None)),
        ("GB>2.5", ("GB", "over_under_2.5", "over", "pre_match", 2.5)),
        ("P>2.5", ("PS", "over_under_2.5", "over", "pre_match", 2.5)),
        ("PC<2.5", ("PS", "over_under_2.5", "under", "closing", 2.5)),
        ("B365C>2.5", ("B365", "over_under_2.5", "over", "closing", 2.5)),
        ("BbAv<2.5", ("Avg", "over_under_2.5", "under", "pre_match", 2.5)),
        ("PAHH", ("PS", "asian_handicap", "home", "pre_match", None)),
        ("PCAHA", ("PS", "asian_handicap", "away", "closing", None)),
        ("BbMxAHH", ("Max", "asian_handicap", "home", "pre_match", None)),
        ("GBAHA", ("GB", "asian_handicap", "away", "pre_match", None)),
        ("BFECAHH", ("BFE", "asian_handicap", "home", "closing", None)),
    ],
)
def test_price_columns(column: str, expected: tuple) -> None:
    assert classify(column) == OddsColumn(*expected)


@pytest.mark.parametrize(
    ("column", "bookmaker", "selection", "period"),
    [
        # Betfair's codes overlap: the longest code that leaves a valid suffix wins.
        ("BFD", "BF", "draw", "pre_match"),
        ("BFDH", "BFD", "home", "pre_match"),
        ("BFDD", "BFD", "draw", "pre_match"),
        ("BFCD", "BF", "draw", "closing"),
        ("BFDCA", "BFD", "away", "closing"),
        ("BFEH", "BFE", "home", "pre_match"),
    ],
)
def test_overlapping_betfair_codes(
    column: str, bookmaker: str, selection: str, period: str
) -> None:
    odds = classify(column)
    assert odds is not None
    assert (odds.bookmaker, odds.selection, odds.period) == (bookmaker, selection, period)


@pytest.mark.parametrize(
    "column",
    [
        "Div", "Date", "Time", "HomeTeam", "AwayTeam", "FTHG", "FTAG", "FTR", "HTR", "Referee",
        "HS", "AS", "HST", "AST", "HC", "AC", "HF", "AF", "HY", "AY", "HR", "AR", "HO", "AO",
        "HHW", "AHW", "HBP", "ABP", "Attendance",
        "AHh", "AHCh", "BbAHh", "B365AH", "GBAH", "LBAH",  # handicap lines, not prices
        "Bb1X2", "BbOU", "BbAH",  # Betbrain's counts of bookmakers
        "Unnamed: 48", "", "XYZH", "B365", "PSX",
    ],
)  # fmt: skip
def test_non_price_columns(column: str) -> None:
    assert classify(column) is None


def test_source_bookmaker_keeps_the_file_spelling() -> None:
    assert source_bookmaker("BbAvAHH") == "BbAv"
    assert source_bookmaker("P>2.5") == "P"
    assert source_bookmaker("PSH") == "PS"
    assert source_bookmaker("HS") is None


def test_handicap_lines_by_era() -> None:
    # 2003-04 and 2004-05: each bookmaker publishes its own line.
    old = ["B365AHH", "B365AHA", "B365AH", "GBAHH", "GBAH", "LBAHA", "LBAH"]
    assert handicap_line_column("B365AHH", old) == "B365AH"
    assert handicap_line_column("GBAHH", old) == "GBAH"
    assert handicap_line_column("LBAHA", old) == "LBAH"
    # 2005-06 to 2018-19: Betbrain's average and maximum share BbAHh.
    betbrain = ["BbAH", "BbAHh", "BbMxAHH", "BbAvAHA"]
    assert handicap_line_column("BbMxAHH", betbrain) == "BbAHh"
    assert handicap_line_column("BbAvAHA", betbrain) == "BbAHh"
    # From 2019-20: one market line before kick-off, one at closing.
    modern = ["AHh", "B365AHH", "PAHA", "AHCh", "PCAHH", "AvgCAHA"]
    assert handicap_line_column("B365AHH", modern) == "AHh"
    assert handicap_line_column("PAHA", modern) == "AHh"
    assert handicap_line_column("PCAHH", modern) == "AHCh"
    assert handicap_line_column("AvgCAHA", modern) == "AHCh"
    # No line column in the file, or not a handicap price.
    assert handicap_line_column("PCAHH", ["PCAHH"]) is None
    assert handicap_line_column("B365H", modern) is None
