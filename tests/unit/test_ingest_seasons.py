"""Season codes, labels, ranges and windows, and the season a file's path claims."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ml.ingest.seasons import (
    Season,
    SeasonError,
    all_seasons,
    current_season,
    parse_seasons,
    season_from_path,
    season_of_date,
)

TODAY = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("code", "start", "label"),
    [
        ("0001", 2000, "2000-01"),
        ("2526", 2025, "2025-26"),
        ("9900", 1999, "1999-00"),
        ("9394", 1993, "1993-94"),
    ],
)
def test_codes_and_labels_round_trip(code: str, start: int, label: str) -> None:
    season = Season.from_code(code)
    assert season.start_year == start
    assert season.code == code
    assert season.label == label
    assert Season.parse(label) == season
    assert Season.parse(code) == season


@pytest.mark.parametrize("text", ["2025/26", "2025-2026", " 2526 "])
def test_other_label_spellings(text: str) -> None:
    assert Season.parse(text) == Season(2025)


@pytest.mark.parametrize("text", ["2527", "25", "20252026", "2025-27", "abcd", "", "2026-01"])
def test_bad_seasons_say_what_was_given(text: str) -> None:
    with pytest.raises(SeasonError, match="season"):
        Season.parse(text)


def test_labels_sort_like_seasons_and_codes_do_not() -> None:
    seasons = [Season(1999), Season(2000), Season(2025)]
    assert sorted(s.label for s in seasons) == [s.label for s in seasons]
    assert sorted(s.code for s in seasons) != [s.code for s in seasons]


def test_window_covers_covid_seasons() -> None:
    assert Season(2019).contains(date(2020, 7, 26))  # 2019-20 ended on 26 July 2020
    assert Season(2020).contains(date(2020, 9, 12))  # 2020-21 began on 12 September 2020
    assert not Season(2004).contains(date(2014, 8, 4))
    assert not Season(2004).contains(date(1930, 8, 4))
    assert Season(2004).window == (date(2004, 7, 1), date(2005, 7, 31))


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2025, 8, 1), 2025),
        (date(2026, 5, 24), 2025),
        (date(2020, 7, 26), 2019),
        (date(2020, 9, 12), 2020),
    ],
)
def test_season_of_date_runs_august_to_july(day: date, start: int) -> None:
    assert season_of_date(day) == Season(start)


def test_current_season() -> None:
    assert current_season(TODAY) == Season(2025)
    assert current_season(date(2026, 8, 10)) == Season(2026)


def test_spec_with_ranges_lists_and_labels() -> None:
    assert parse_seasons("0001-0203", today=TODAY) == [Season(2000), Season(2001), Season(2002)]
    assert parse_seasons("1920,2021, 2021", today=TODAY) == [Season(2019), Season(2020)]
    assert parse_seasons("2025-26", today=TODAY) == [Season(2025)]
    assert parse_seasons("2324,0001-0102", today=TODAY) == [
        Season(2000),
        Season(2001),
        Season(2023),
    ]
    assert len(parse_seasons("0001-2526", today=TODAY)) == 26


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("2526-0001", "runs backwards"),
        ("2627", "has not started"),
        ("1234", "not a season code"),
        ("", "no season"),
        ("2526,x", "not a season"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(SeasonError, match=message):
        parse_seasons(spec, today=TODAY)


def test_all_seasons_up_to_the_current_one() -> None:
    seasons = all_seasons(Season(2000), today=TODAY)
    assert seasons[0] == Season(2000)
    assert seasons[-1] == Season(2025)
    assert len(seasons) == 26


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("mirror/E0/0405.csv", Season(2004)),
        ("bad-inputs/E0_0405_mangled_dates.csv", Season(2004)),
        ("snapshots/2025-26/E0_2026-01-29T0907.csv", Season(2025)),
        ("downloads/E0_2025-26.csv", Season(2025)),
        ("E0/2021.csv", Season(2020)),
        ("downloads/E0_2026-01-29T0907.csv", None),
        ("fixtures.csv", None),
        ("2025-26/deep/down/E0.csv", None),
    ],
)
def test_season_from_path(path: str, expected: Season | None) -> None:
    assert season_from_path(Path(path)) == expected
