"""One convention for stored timestamps (UTC, naive) across the clock change, on both targets.

football-data publishes dates and times in UK local time. The clocks went forward at 01:00 UTC
on Sunday 29 March 2026: Saturday 28 March 15:00 (GMT) is 15:00 UTC, Sunday 29 March 14:00
(BST) is 13:00 UTC. A tiny 2025-26 Premier League (two played matches and two fixtures on
those two days) is landed by the real ingestion and built by a real, full ``dbt build`` (every
model and test), once per target; then bets are placed on the Sunday fixture either side of
its real kickoff.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from ml.betting.place import place_bets
from ml.clock import UK
from ml.config import Settings, get_settings
from ml.warehouse.connection import connect
from ml.warehouse.dbt import build
from tests.conftest import postgres_admin
from tests.integration.test_betting_ledger import (
    FIXTURE_HEADER,
    RESULT_HEADER,
    _land,
    _match_id,
    _prices,
    _quiet,
    _result,
)

pytestmark = [pytest.mark.slow]

BOOKS = [(1.60, 4.0, 6.0), (1.62, 4.1, 6.2), (1.70, 4.3, 6.5), (1.58, 4.0, 5.9)]
CLOSING = [(1.55, 4.2, 6.8), (1.54, 4.15, 6.7)]
# (date, time, home, away) as football-data writes them, UK local time
PLAYED = {
    "saturday": ("28/03/2026", "15:00", "Arsenal", "Chelsea", (2, 1)),
    "sunday": ("29/03/2026", "14:00", "Everton", "Fulham", (0, 0)),
}
UPCOMING = {
    "saturday": ("28/03/2026", "15:00", "Brighton", "Burnley"),
    "sunday": ("29/03/2026", "14:00", "Leeds", "Wolves"),
}
# published UK wall-clock time -> the UTC instant
EXPECTED = {
    "saturday": (datetime(2026, 3, 28, 15, 0), datetime(2026, 3, 28, 15, 0)),
    "sunday": (datetime(2026, 3, 29, 13, 0), datetime(2026, 3, 29, 14, 0)),
}
SUNDAY_FIXTURE = _match_id("Leeds", "Wolves")


def _write_source(directory: Path) -> tuple[Path, Path]:
    season = [RESULT_HEADER]
    for date, clock, home, away, goals in PLAYED.values():
        season.append(
            ",".join(
                ["E0", date, clock, home, away, *map(str, goals), _result(*goals)]
                + _prices(BOOKS)
                + _prices(CLOSING)
            )
        )
    fixtures = [FIXTURE_HEADER]
    for date, clock, home, away in UPCOMING.values():
        fixtures.append(",".join(["E0", date, clock, home, away, *_prices(BOOKS)]))
    season_file, fixtures_file = directory / "E0.csv", directory / "fixtures.csv"
    season_file.write_text("\n".join(season) + "\n")
    fixtures_file.write_text("\n".join(fixtures) + "\n")
    return season_file, fixtures_file


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    home = tmp_path_factory.mktemp(f"utc_{request.param}")
    settings = get_settings(target=request.param, home=home)
    admin = None
    if request.param == "postgres":
        admin = postgres_admin()
        settings = dataclasses.replace(
            settings,
            postgres=dataclasses.replace(
                settings.postgres, dbname=f"plpred_test_{uuid.uuid4().hex[:12]}"
            ),
        )
        admin.cursor().execute(f'create database "{settings.postgres.dbname}"')
    try:
        _land(settings, *_write_source(home))
        # every model, seed, unit test and data test, as plpred transform runs them
        build(settings, console=_quiet())
        yield settings
    finally:
        if admin is not None:
            admin.cursor().execute(
                f'drop database if exists "{settings.postgres.dbname}" with (force)'
            )
            admin.close()


def _kickoffs(settings: Settings, table: str, teams: dict, columns: str) -> dict[str, list]:
    with connect(settings) as conn:
        return {
            day: conn.fetchall(
                f"select distinct {columns} from {table} where match_id = ?",
                [_match_id(row[2], row[3])],
            )
            for day, row in teams.items()
        }


@pytest.mark.parametrize(
    ("table", "which"),
    [
        ("staging.stg_football_data__matches", "played"),
        ("staging.stg_football_data__fixtures", "upcoming"),
        ("intermediate.int_matches_unioned_with_fixtures", "played"),
        ("intermediate.int_matches_unioned_with_fixtures", "upcoming"),
        ("marts.fct_matches", "played"),
        ("marts.mart_match_features", "played"),
        ("marts.mart_match_features", "upcoming"),
        ("marts.fct_prematch_odds", "played"),
        ("marts.fct_prematch_odds", "upcoming"),
    ],
)
def test_kickoff_at_is_utc_and_kickoff_at_uk_as_published(
    built: Settings, table: str, which: str
) -> None:
    """kickoff_at is the UTC instant; kickoff_at_uk, kickoff_date and kickoff_time are UK local
    time as football-data published them."""
    teams = PLAYED if which == "played" else UPCOMING
    found = _kickoffs(built, table, teams, "kickoff_at, kickoff_at_uk, kickoff_date")
    assert found == {day: [(utc, uk, uk.date())] for day, (utc, uk) in EXPECTED.items()}
    if table != "marts.fct_prematch_odds":  # the only one without kickoff_time
        times = _kickoffs(built, table, teams, "kickoff_time")
        assert times == {day: [(uk.time(),)] for day, (_, uk) in EXPECTED.items()}


def _predict_sunday(settings: Settings) -> None:
    with connect(settings) as conn:
        conn.execute("delete from ml.predictions")
        conn.execute("delete from betting.bets")
        conn.execute(
            "insert into ml.predictions (prediction_id, match_id, league, model_name, "
            "model_version, model_label, p_home, p_draw, p_away, predicted_at) values "
            "('pred-sunday', ?, 'E0', 'plpred-E0', '1', 'dixon_coles', 0.75, 0.15, 0.10, ?)",
            [SUNDAY_FIXTURE, datetime(2026, 3, 27, 9, 0)],
        )


def _bets_on_sunday(settings: Settings, as_of: datetime) -> list[tuple]:
    _predict_sunday(settings)
    summary = place_bets(
        settings, model_version="1", strategies=["flat"], as_of=as_of, console=_quiet()
    )
    with connect(settings) as conn:
        stored = conn.fetchall(
            "select match_id, placed_at, kickoff_at from betting.bets where strategy = 'flat'"
        )
    assert [(b.match_id, b.placed_at, b.kickoff_at) for b in summary.bets] == stored
    return stored


def test_a_bet_after_the_utc_kickoff_is_refused_across_the_clock_change(built: Settings) -> None:
    """Sunday's 14:00 BST kickoff is 13:00 UTC: 13:30 UTC (14:30 BST) is too late, whether
    as_of is naive UTC or aware in any zone; 12:30 UTC (13:30 BST) is in time."""
    kickoff = datetime(2026, 3, 29, 13, 0)
    for late in (
        datetime(2026, 3, 29, 13, 30),
        datetime(2026, 3, 29, 13, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 14, 30, tzinfo=UK),
    ):
        assert _bets_on_sunday(built, late) == [], late
    for early in (
        datetime(2026, 3, 29, 12, 30),
        datetime(2026, 3, 29, 13, 30, tzinfo=UK),
    ):
        placed = datetime(2026, 3, 29, 12, 30)
        assert _bets_on_sunday(built, early) == [(SUNDAY_FIXTURE, placed, kickoff)], early

    # the warehouse's own check compares UTC with UTC: a bet at the UTC kickoff is refused
    import duckdb
    import psycopg2

    with connect(built) as conn, pytest.raises((duckdb.Error, psycopg2.Error)):
        conn.execute(
            "insert into betting.bets select 'late', book_id, mode, run_id, 'late', "
            "strategy_version, league, season, match_id, kickoff_at, selection, odds_taken, "
            "odds_source, odds_period, odds_loaded_at, stake, bankroll_start, "
            "bankroll_at_placement, p_model, p_implied, edge, model_name, model_version, "
            "model_variant, prediction_ref, ? from betting.bets where strategy = 'flat'",
            [kickoff],
        )


def test_kickoff_time_round_trips_through_the_python_clock() -> None:
    """ml.clock agrees with the dbt macro on the two days (and on a date without a time)."""
    from ml.clock import uk_local, uk_local_to_utc

    for utc, uk in EXPECTED.values():
        assert uk_local_to_utc(uk.date(), uk.time()) == utc
        assert uk_local(utc) == uk
    assert uk_local_to_utc(datetime(2026, 4, 4).date(), None) == datetime(2026, 4, 3, 23, 0)
    assert uk_local_to_utc(datetime(2026, 4, 4).date(), time(0, 0)) == datetime(2026, 4, 3, 23)
