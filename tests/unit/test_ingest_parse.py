"""Parsing football-data CSV bytes: every format variant the real files show, every bad input.

The files are small and written here, shaped like the real ones (headers copied from the seasons
they imitate), so each test shows the variant it covers.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from ml.ingest.parse import (
    FIXTURES,
    MATCHES,
    FileRefused,
    decode,
    parse_date,
    parse_file,
    record_hash,
)
from ml.ingest.seasons import Season

# 2000-01: 45 columns, two-digit years, attendance, no Time, no closing odds.
HEADER_0001 = (
    "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,HTHG,HTAG,HTR,Attendance,Referee,HS,AS,HST,AST,"
    "HHW,AHW,HC,AC,HF,AF,HO,AO,HY,AY,HR,AR,HBP,ABP,GBH,GBD,GBA,IWH,IWD,IWA,LBH,LBD,LBA,SBH,SBD,"
    "SBA,WHH,WHD,WHA"
)
# 2005-06 to 2018-19: Betbrain average/maximum, Betbrain handicap line.
HEADER_BETBRAIN = (
    "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,HTHG,HTAG,HTR,Referee,HS,AS,B365H,B365D,B365A,"
    "Bb1X2,BbMxH,BbAvH,BbMxD,BbAvD,BbMxA,BbAvA,BbOU,BbMx>2.5,BbAv>2.5,BbMx<2.5,BbAv<2.5,"
    "BbAH,BbAHh,BbMxAHH,BbAvAHH,BbMxAHA,BbAvAHA,PSCH,PSCD,PSCA"
)
# 2019-20 on: Time, market average/maximum, closing odds for every market.
HEADER_MODERN = (
    "Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR,HTHG,HTAG,HTR,Referee,HS,AS,"
    "B365H,B365D,B365A,PSH,PSD,PSA,AvgH,AvgD,AvgA,B365>2.5,B365<2.5,P>2.5,P<2.5,"
    "AHh,B365AHH,B365AHA,PAHH,PAHA,B365CH,B365CD,B365CA,PSCH,PSCD,PSCA,AvgCH,AvgCD,AvgCA,"
    "B365C>2.5,B365C<2.5,PC>2.5,PC<2.5,AHCh,PCAHH,PCAHA"
)
HEADER_FIXTURES = (
    "Div,Date,Time,HomeTeam,AwayTeam,Referee,B365H,B365D,B365A,PSH,PSD,PSA,AvgH,AvgD,AvgA,"
    "B365>2.5,B365<2.5,AHh,PAHH,PAHA"
)

MODERN_ROW = (
    "E0,15/08/2025,20:00,Liverpool,Bournemouth,4,2,H,1,0,H,A Taylor,19,10,"
    "1.3,6,8.5,1.31,6.1,9.2,1.3,5.9,8.8,1.4,2.9,1.42,3.0,"
    "-1.5,1.95,1.95,1.97,1.96,1.25,6.5,10,1.29,6.4,10.5,1.27,6.3,10.2,"
    "1.36,3.2,1.37,3.3,-1.75,2.02,1.9"
)


def csv_bytes(
    header: str, *rows: str, encoding: str = "utf-8", bom: bool = False, newline: str = "\r\n"
) -> bytes:
    text = newline.join([header, *rows]) + newline
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def row_0001(
    date_text: str, home: str, away: str, fthg: str = "1", ftag: str = "0", ftr: str = "H"
) -> str:
    values = ["E0", date_text, home, away, fthg, ftag, ftr, "0", "0", "D", "20043", "Rob Harris"]
    values += ["10"] * 18 + ["2.2", "3.1", "2.9"] * 5
    return ",".join(values)


def odds_of(row, column: str) -> tuple:
    found = [o for o in row.odds if o[1] == column]
    assert len(found) == 1, column
    return found[0]


# --- format variants ------------------------------------------------------------------------


def test_old_season_with_two_digit_years() -> None:
    data = csv_bytes(
        HEADER_0001,
        row_0001("19/08/00", "Charlton", "Man City", "4", "0", "H"),
        row_0001("20/08/00", "Chelsea", "West Ham", "4", "2", "H"),
    )
    parsed = parse_file(data, source_file="E0/0001.csv", league="E0", season=Season(2000))
    assert parsed.kind == MATCHES
    assert (parsed.league, parsed.season) == ("E0", "2000-01")
    assert len(parsed.header) == 45
    first = parsed.rows[0].values
    assert first["match_date"] == date(2000, 8, 19)
    assert first["kickoff_time"] is None
    assert (first["home_goals"], first["away_goals"], first["result"]) == (4, 0, "H")
    assert first["attendance"] == 20043
    assert first["home_shots"] == 10
    assert parsed.rows[0].key == ("E0", "2000-01", "Charlton", "Man City")
    bookmakers = {o[2] for o in parsed.rows[0].odds}
    assert bookmakers == {"GB", "IW", "LB", "SB", "WH"}
    assert not parsed.rejected


def test_four_digit_years_goals_as_floats_and_trailing_empty_rows() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,HTHG,HTAG,HTR,Referee,HS,AS,HR,AR"
    data = csv_bytes(
        header,
        "E0,16/08/2014,Arsenal,Crystal Palace,2.0,1.0,H,1.0,1.0,D,J Moss,14.0,4.0,0.0,1.0",
        "E0,16/08/2014,Leicester,Everton,2.0,2.0,D,1.0,2.0,A,M Jones,11.0,13.0,0.0,0.0",
        ",,,,,,,,,,,,,,",
        ",,,,,,,,,,,,,,",
        "",
    )
    parsed = parse_file(data, source_file="E0/1415.csv", season=Season(2014))
    assert parsed.rows_in_file == 2
    assert [r.values["home_goals"] for r in parsed.rows] == [2, 2]
    assert parsed.rows[0].values["away_reds"] == 1
    assert parsed.rows[1].values["ht_result"] == "A"
    assert not parsed.rejected


def test_modern_season_with_time_closing_odds_and_handicap_lines() -> None:
    parsed = parse_file(csv_bytes(HEADER_MODERN, MODERN_ROW), source_file="E0/2526.csv")
    row = parsed.rows[0]
    assert row.values["kickoff_time"] == "20:00"
    assert parsed.season == "2025-26"  # majority of dates, no other claim
    # (row_number, source_column, bookmaker, market, selection, line, period, price)
    assert odds_of(row, "B365H")[2:] == ("B365", "1x2", "home", None, "pre_match", 1.3)
    assert odds_of(row, "PSCH")[2:] == ("PS", "1x2", "home", None, "closing", 1.29)
    assert odds_of(row, "P>2.5")[2:] == ("PS", "over_under_2.5", "over", 2.5, "pre_match", 1.42)
    assert odds_of(row, "PC<2.5")[2:] == ("PS", "over_under_2.5", "under", 2.5, "closing", 3.3)
    assert odds_of(row, "PAHH")[2:] == ("PS", "asian_handicap", "home", -1.5, "pre_match", 1.97)
    assert odds_of(row, "PCAHA")[2:] == ("PS", "asian_handicap", "away", -1.75, "closing", 1.9)
    assert odds_of(row, "B365AHH")[0] == 2  # the row's line in the file
    assert len(row.odds) == 32  # every price column of the header


def test_betbrain_columns_become_market_average_and_maximum() -> None:
    row = (
        "E0,13/08/05,Aston Villa,Bolton,2,2,D,2,2,D,M Riley,3,13,2.2,3.2,3.1,"
        "40,2.4,2.25,3.4,3.2,3.3,3.05,35,2.1,1.95,1.9,1.8,20,-0.25,2.0,1.9,2.05,1.92,,,"
    )
    parsed = parse_file(
        csv_bytes(HEADER_BETBRAIN, row), source_file="E0/0506.csv", season=Season(2005)
    )
    odds = parsed.rows[0].odds
    by_column = {o[1]: o for o in odds}
    assert by_column["BbAvH"][2:5] == ("Avg", "1x2", "home")
    assert by_column["BbMx<2.5"][2:5] == ("Max", "over_under_2.5", "under")
    assert by_column["BbMxAHH"][2:6] == ("Max", "asian_handicap", "home", -0.25)
    assert "Bb1X2" not in by_column and "BbAHh" not in by_column  # counts and lines
    assert "PSCH" not in by_column  # empty prices are simply absent
    record = json.loads(parsed.rows[0].record)
    assert record["Bb1X2"] == "40" and record["PSCH"] == ""  # nothing lost


def test_bom_and_cp1252_text() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,Referee"
    rows = [
        "E0,10/08/2019,Nott'm Forest,Brentford,1,0,H,José Mourinho",
        "E0,10/08/2019,Leeds,Hull,0,0,D,",
    ]
    with_bom = parse_file(
        csv_bytes(header, *rows, bom=True), source_file="bom.csv", season=Season(2019)
    )
    assert with_bom.header[0] == "Div"
    assert with_bom.rows[0].values["referee"] == "José Mourinho"
    cp1252 = parse_file(
        csv_bytes(header, *rows, encoding="cp1252"), source_file="old.csv", season=Season(2019)
    )
    assert cp1252.encoding == "cp1252"
    assert cp1252.rows[0].values["referee"] == "José Mourinho"
    assert cp1252.rows[0].record_hash == with_bom.rows[0].record_hash


def test_decode_never_fails() -> None:
    assert decode(b"\xef\xbb\xbfDiv")[0] == "Div"
    assert decode("Div,é".encode("cp1252")) == ("Div,é", "cp1252")
    assert decode(b"Div,\x81")[1] == "latin-1"  # undefined in cp1252


def test_blank_and_duplicate_header_names_are_kept_in_the_record() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,,B365H,B365H, "
    rows = [
        "E0,17/08/2002,Blackburn,Sunderland,0,0,D,x,2.1,2.2,",
        "E0,17/08/2002,Everton,Spurs,2,2,D,,2.0,2.0,,extra",
    ]
    parsed = parse_file(csv_bytes(header, *rows), source_file="E0/0203.csv", season=Season(2002))
    assert parsed.header[7:] == ["Unnamed: 7", "B365H", "B365H.1", "Unnamed: 10", "Unnamed: 11"]
    first = json.loads(parsed.rows[0].record)
    assert first["Unnamed: 7"] == "x"
    assert json.loads(parsed.rows[1].record)["Unnamed: 11"] == "extra"
    assert [o[1] for o in parsed.rows[0].odds] == ["B365H"]  # the duplicate is not a known column


def test_other_spellings_of_team_and_result_columns() -> None:
    header = "Div,Date,Time,Home,Away,HG,AG,Res"
    data = csv_bytes(
        header, "E0,01/09/2024,15:00,Arsenal,Chelsea,2,1,H", "E0,01/09/2024,15:00,Leeds,Hull,0,1,A"
    )
    parsed = parse_file(data, source_file="E0/2425.csv", season=Season(2024))
    assert [r.values["result"] for r in parsed.rows] == ["H", "A"]


def test_fixtures_hold_every_league_and_take_the_season_from_each_date() -> None:
    rows = [
        "E0,27/01/2026,19:30,Arsenal,Leeds,,1.3,5.5,9,1.31,5.6,9.5,1.3,5.4,9.1,1.5,2.6,-1.5,1.9,2.0",
        "SC3,27/01/2026,19:45,Stranraer,Clyde,G Calder,2.35,3.25,2.63,,,,,,,,,,,",
        "D1,01/08/2026,19:30,St Pauli,RB Leipzig,,4.5,3.5,1.8,,,,,,,,,,,",
        ",,,,,,,,,,,,,,,,,,,",
    ]
    parsed = parse_file(csv_bytes(HEADER_FIXTURES, *rows), source_file="fixtures.csv")
    assert parsed.kind == FIXTURES
    assert parsed.leagues == ["D1", "E0", "SC3"]
    assert parsed.league is None
    assert [r.values["season"] for r in parsed.rows] == ["2025-26", "2025-26", "2026-27"]
    assert parsed.season is None
    assert set(parsed.rows[0].values) == {
        "league", "season", "match_date", "kickoff_time", "home_team", "away_team", "referee"
    }  # fmt: skip
    assert odds_of(parsed.rows[0], "PAHH")[5] == -1.5


def test_fixtures_ignore_the_season_their_folder_suggests() -> None:
    row = "D1,01/08/2026,19:30,St Pauli,RB Leipzig,,4.5,3.5,1.8,,,,,,,,,,,"
    parsed = parse_file(
        csv_bytes(HEADER_FIXTURES, row), source_file="f.csv", season_hint=Season(2025)
    )
    assert parsed.rows[0].values["season"] == "2026-27"


def test_fixtures_with_no_rows_are_valid() -> None:
    parsed = parse_file(csv_bytes(HEADER_FIXTURES), source_file="fixtures.csv", kind=FIXTURES)
    assert parsed.rows == [] and parsed.rows_in_file == 0


def test_record_keeps_every_column_as_text_and_the_hash_ignores_empty_columns() -> None:
    parsed = parse_file(csv_bytes(HEADER_MODERN, MODERN_ROW), source_file="a.csv")
    record = json.loads(parsed.rows[0].record)
    assert list(record) == HEADER_MODERN.split(",")
    assert record["FTHG"] == "4"
    widened = csv_bytes(HEADER_MODERN + ",NEWH", MODERN_ROW + ",")
    assert (
        parse_file(widened, source_file="b.csv").rows[0].record_hash == parsed.rows[0].record_hash
    )
    changed = csv_bytes(HEADER_MODERN, MODERN_ROW.replace("A Taylor", "M Oliver"))
    assert (
        parse_file(changed, source_file="c.csv").rows[0].record_hash != parsed.rows[0].record_hash
    )
    assert record_hash({"a": "1", "b": ""}) == record_hash({"b": " ", "a": " 1"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19/08/00", date(2000, 8, 19)),
        ("08/08/2015", date(2015, 8, 8)),
        ("1/9/2024", date(2024, 9, 1)),
        ("14/08/98", date(1998, 8, 14)),
        ("2014/8/4", date(2014, 8, 4)),  # year first: read, then caught by the season window
        ("2025-08-15", date(2025, 8, 15)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


# --- bad rows: rejected, the rest loads ------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        ("E0,32/08/2025,Leeds,Hull,1,0,H", "bad date '32/08/2025'"),
        ("E0,Aug 9 2025,Leeds,Hull,1,0,H", "bad date"),
        ("E0,,Leeds,Hull,1,0,H", "missing date"),
        ("E0,09/08/2025,,Hull,1,0,H", "missing home team"),
        ("E0,09/08/2025,Leeds,,1,0,H", "missing away team"),
        ("E0,09/08/2025,Leeds,Hull,x,0,H", "FTHG 'x' is not a whole number"),
        ("E0,09/08/2025,Leeds,Hull,2.5,0,H", "FTHG '2.5' is not a whole number"),
        ("E0,09/08/2025,Leeds,Hull,-1,0,A", "FTHG '-1' is negative"),
        ("E0,09/08/2025,Leeds,Hull,1,0,A", "result A does not match the score 1-0"),
        ("E0,09/08/2025,Leeds,Hull,1,1,X", "result 'X' is not H, D or A"),
        ("E0,09/08/2025,Leeds,Hull,1,,H", "score is incomplete"),
        ("E0,09/08/2025,Leeds,Hull,1,0,", "result letter missing"),
        ("E0,09/08/2025,Leeds,Leeds,1,0,H", "home and away team are both"),
    ],
)
def test_bad_rows_are_rejected_with_line_and_reason(bad_row: str, reason: str) -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR"
    good = ["E0,09/08/2025,Arsenal,Chelsea,2,1,H", "E0,09/08/2025,Everton,Fulham,0,0,D"]
    parsed = parse_file(
        csv_bytes(header, good[0], bad_row, good[1]), source_file="E0/2526.csv", season=Season(2025)
    )
    assert [r.line_number for r in parsed.rows] == [2, 4]
    assert len(parsed.rejected) == 1
    rejected = parsed.rejected[0]
    assert rejected.line_number == 3
    assert reason in rejected.reason
    assert rejected.raw_line == bad_row
    assert parsed.rows_in_file == 3


def test_half_time_score_is_checked_too() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,HTHG,HTAG,HTR"
    rows = [
        "E0,09/08/2025,Arsenal,Chelsea,2,1,H,1,0,H",
        "E0,09/08/2025,Everton,Fulham,0,0,D,0,0,A",
        "E0,10/08/2025,Leeds,Hull,0,0,D,,,",
    ]
    parsed = parse_file(csv_bytes(header, *rows), source_file="x.csv", season=Season(2025))
    assert [r.reason for r in parsed.rejected] == [
        "half-time result A does not match the score 0-0"
    ]
    assert parsed.rows[1].values["ht_home_goals"] is None


def test_unplayed_match_without_result_is_kept() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR"
    parsed = parse_file(
        csv_bytes(header, "E0,09/08/2025,Arsenal,Chelsea,,,", "E0,09/08/2025,Everton,Fulham,1,1,D"),
        source_file="x.csv",
        season=Season(2025),
    )
    assert parsed.rows[0].values["home_goals"] is None and not parsed.rejected


def test_bad_stat_or_kickoff_time_rejects_the_row() -> None:
    header = "Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR,HS"
    rows = [
        "E0,09/08/2025,15:00,Arsenal,Chelsea,2,1,H,12",
        "E0,09/08/2025,3pm,Everton,Fulham,0,0,D,7",
        "E0,09/08/2025,15:00,Leeds,Hull,0,0,D,many",
        "E0,09/08/2025,9:30,Spurs,Wolves,0,0,D,4",
        "E0,10/08/2025,17:30,Brentford,Burnley,0,0,D,",
    ]
    parsed = parse_file(csv_bytes(header, *rows), source_file="x.csv", season=Season(2025))
    assert [r.reason for r in parsed.rejected] == [
        "bad kick-off time '3pm' (expected HH:MM)",
        "HS 'many' is not a whole number",
    ]
    assert parsed.rows[1].values["kickoff_time"] == "09:30"


def test_identical_duplicate_in_a_file_keeps_the_first() -> None:
    header = "Div,Date,Time,HomeTeam,AwayTeam,Referee,B365H"
    rows = [
        "E1,07/04/2026,20:00,Wrexham,Southampton,G Ward,2.57",
        "E1,07/04/2026,20:00,Wrexham,Southampton,G Ward,2.57",
        "E1,07/04/2026,20:00,Leeds,Hull,,2.0",
    ]
    parsed = parse_file(csv_bytes(header, *rows), source_file="fixtures.csv")
    assert [r.values["referee"] for r in parsed.rows] == ["G Ward", None]
    assert parsed.rejected[0].line_number == 3
    assert parsed.rejected[0].reason.startswith("duplicate of line 2")
    assert "identical; the first is kept" in parsed.rejected[0].reason


def test_conflicting_duplicates_in_a_results_file_refuse_it() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,Referee"
    rows = [
        "E1,07/04/2026,Wrexham,Southampton,1,1,D,G Ward",
        "E1,07/04/2026,Wrexham,Southampton,1,1,D,A Byrne",
    ]
    with pytest.raises(FileRefused, match=r"lines 2 and 3 .*Referee G Ward against A Byrne"):
        parse_file(csv_bytes(header, *rows), source_file="E1/2526.csv", season=Season(2025))


def test_conflicting_duplicates_in_fixtures_keep_the_last_line() -> None:
    """fixtures.csv lists every league and is replaced daily: one listing repeated with a new
    referee keeps its last line instead of refusing every league's fixtures."""
    header = "Div,Date,Time,HomeTeam,AwayTeam,Referee,B365H"
    rows = [
        "E1,07/04/2026,20:00,Wrexham,Southampton,G Ward,2.57",
        "E1,07/04/2026,20:00,Wrexham,Southampton,A Byrne,2.57",
    ]
    parsed = parse_file(csv_bytes(header, *rows), source_file="fixtures.csv")
    assert [r.values["referee"] for r in parsed.rows] == ["A Byrne"]
    assert [r.line_number for r in parsed.rejected] == [2]
    assert "Referee G Ward against A Byrne" in parsed.rejected[0].reason


def test_prices_that_are_not_prices_are_absent() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,B365H,B365D,B365A,PSH,PSD,PSA"
    row = "E0,09/08/2025,Arsenal,Chelsea,2,1,H,1.5,,x,0,,nan"
    parsed = parse_file(csv_bytes(header, row), source_file="x.csv", season=Season(2025))
    assert [o[1] for o in parsed.rows[0].odds] == ["B365H"]


@pytest.mark.parametrize("price", ["1.0", "0.5", "-2", "inf", "1e9", "1000.01"])
def test_prices_outside_the_sane_range_reject_the_row(price: str) -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,B365H,B365D,B365A"
    rows = [
        f"E0,09/08/2025,Arsenal,Chelsea,2,1,H,{price},3.4,2.7",
        "E0,10/08/2025,Leeds,Everton,1,1,D,2.1,3.4,3.6",
    ]
    parsed = parse_file(csv_bytes(header, *rows), source_file="x.csv", season=Season(2025))
    assert [r.line_number for r in parsed.rejected] == [2]
    assert parsed.rejected[0].reason.startswith(f"B365H {price} is not")


def test_missing_div_on_a_row_takes_the_file_league() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR"
    parsed = parse_file(
        csv_bytes(
            header, "E0,09/08/2025,Arsenal,Chelsea,2,1,H", ",09/08/2025,Everton,Fulham,0,0,D"
        ),
        source_file="x.csv",
        season=Season(2025),
    )
    assert [r.values["league"] for r in parsed.rows] == ["E0", "E0"]


# --- whole files refused ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "x.csv is empty"),
        (b"   \r\n\r\n", "x.csv is empty"),
        (b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "x.csv is an HTML page"),
        (b"\n\n<html><head><title>Error</title></head></html>", "x.csv is an HTML page"),
        (
            b"name,age\nBob,3\n",
            "x.csv is not a football-data CSV: its header has no Div, Date, HomeTeam, AwayTeam",
        ),
        (b"Div,Date,HomeTeam\nE0,01/09/2024,Leeds\n", "has no AwayTeam"),
    ],
)
def test_files_that_are_not_football_data_csvs(data: bytes, message: str) -> None:
    with pytest.raises(FileRefused, match=message):
        parse_file(data, source_file="x.csv")


def test_mangled_dates_refuse_the_whole_file() -> None:
    """A spreadsheet rewrote 14/08/04 as 2014/8/4 and day 30 as year 1930."""
    rows = [
        row_0001("2014/8/4", "Aston Villa", "Southampton"),
        row_0001("1930/8/4", "Bolton", "Fulham"),
        row_0001("14/08/04", "Chelsea", "Man United"),
    ]
    data = csv_bytes(HEADER_0001, *rows)
    with pytest.raises(FileRefused) as refused:
        parse_file(data, source_file="E0_0405_mangled_dates.csv", season=Season(2004))
    message = str(refused.value)
    assert "E0_0405_mangled_dates.csv claims season 2004-05" in message
    assert "2 of 3 rows fall outside it (line 2: date '2014/8/4')" in message


def test_season_hint_is_checked_like_a_claim() -> None:
    data = csv_bytes(
        HEADER_0001,
        row_0001("19/08/00", "Charlton", "Man City"),
        row_0001("20/08/00", "Leeds", "Hull"),
    )
    with pytest.raises(FileRefused, match="claims season 2004-05"):
        parse_file(data, source_file="E0_0405.csv", season_hint=Season(2004))


def test_majority_season_still_refuses_stray_dates() -> None:
    rows = [
        row_0001("19/08/00", "A", "B"),
        row_0001("20/08/00", "C", "D"),
        row_0001("19/08/14", "E", "F"),
    ]
    with pytest.raises(FileRefused, match="claims season 2000-01 .* 1 of 3 rows"):
        parse_file(csv_bytes(HEADER_0001, *rows), source_file="E0_unknown.csv")


def test_results_file_expected_but_fixtures_given() -> None:
    row = "E0,27/01/2026,19:30,Arsenal,Leeds,,1.3,5.5,9,,,,,,,,,,,"
    with pytest.raises(FileRefused, match="should be a results file but has no result columns"):
        parse_file(csv_bytes(HEADER_FIXTURES, row), source_file="E0/2526.csv", kind=MATCHES)


def test_a_results_file_holds_one_league() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR"
    data = csv_bytes(
        header, "E0,09/08/2025,Arsenal,Chelsea,2,1,H", "E1,09/08/2025,Leeds,Hull,0,0,D"
    )
    with pytest.raises(FileRefused, match=r"mixes leagues \(E0, E1\)"):
        parse_file(data, source_file="x.csv")
    with pytest.raises(FileRefused, match="is league E1 .*expected E0"):
        parse_file(
            csv_bytes(header, "E1,09/08/2025,Leeds,Hull,0,0,D"), source_file="x.csv", league="E0"
        )


def test_mostly_unreadable_file_is_refused_not_half_loaded() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR"
    rows = [
        "E0,08/31/2025,Arsenal,Chelsea,2,1,H",
        "E0,08/30/2025,Leeds,Hull,0,0,D",
        "E0,08/09/2025,Spurs,Wolves,0,0,D",
    ]
    with pytest.raises(
        FileRefused, match=r"2 of 3 rows cannot be parsed \(line 2: bad date '08/31/2025'"
    ):
        parse_file(csv_bytes(header, *rows), source_file="us.csv", season=Season(2025))


def test_results_file_without_dates_or_claim_cannot_tell_its_season() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR"
    with pytest.raises(FileRefused, match="cannot tell its season"):
        parse_file(csv_bytes(header), source_file="x.csv")


def test_blank_lines_before_the_header_and_old_mac_line_ends() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR"
    data = csv_bytes(header, "E0,09/08/2025,Arsenal,Chelsea,2,1,H", newline="\r")
    parsed = parse_file(b"\r\n\r\n" + data, source_file="x.csv", season=Season(2025))
    assert [r.values["home_team"] for r in parsed.rows] == ["Arsenal"]
    assert parsed.rows[0].line_number == 4


def test_quoted_fields_with_commas_and_line_breaks() -> None:
    header = "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,Referee"
    rows = [
        'E0,11/05/2002,West Ham,Bolton,2,1,H,"Dean, M. L"',
        'E0,11/05/2002,Leeds,"Hull\nCity",x,0,H,',
    ]
    parsed = parse_file(
        csv_bytes(header, *rows, newline="\n"), source_file="x.csv", season=Season(2001)
    )
    assert parsed.rows[0].values["referee"] == "Dean, M. L"
    assert parsed.rejected[0].line_number == 3
    assert parsed.rejected[0].raw_line == 'E0,11/05/2002,Leeds,"Hull\nCity",x,0,H,'


def test_a_fixtures_listing_repeated_with_other_values_keeps_the_last_line(mirror) -> None:
    """football-data's fixtures.csv of 7 April 2026 lists an E1 match twice, with two referees:
    one league's row must not refuse every league's fixtures (it stopped a whole replay)."""
    data = (mirror / "snapshots" / "2025-26" / "fixtures_2026-04-07T0743.csv").read_bytes()
    parsed = parse_file(data, source_file="fixtures.csv", kind="fixtures")
    wrexham = [r for r in parsed.rows if r.values["home_team"] == "Wrexham"]
    assert [r.values["referee"] for r in wrexham] == ["A Byrne"]
    (rejected,) = [r for r in parsed.rejected if "Wrexham v Southampton" in r.reason]
    assert rejected.line_number == 2 and "the last line is kept" in rejected.reason
