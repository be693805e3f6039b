"""Each league has its own live bankroll (issue 14 §3): the live book holds every league's bets,
and a league's stakes, bankroll and betting marts are the same whether another league bets or
not, and in whichever order the leagues run; every betting mart has one row per grain.

Two leagues, E0 and E1, each with two rounds of two fixtures (the shapes of U1 and U2 in
tests/integration/test_betting_ledger.py, where the stakes are worked by hand), land through
the real ingestion and dbt on DuckDB and Postgres. In round 1 E0's bets win and E1's lose, so
a bankroll shared by the leagues would size E0's round-2 stakes on E1's losses too. Two
histories run on copies of the same warehouse: E0 alone, and E1 then E0 at every step.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from ml.betting.place import place_bets
from ml.betting.settle import settle
from ml.config import Settings, get_settings
from ml.ingest import run_ingest
from ml.warehouse.connection import Connection, connect
from ml.warehouse.dbt import run_dbt
from tests.conftest import postgres_admin

pytestmark = [pytest.mark.slow]

D = Decimal
LEAGUES = ("E0", "E1")
# What the betting steps read (fct_prematch_odds, fct_matches, the views on the ledgers) and
# what the betting marts of the dashboards join (mart_match_features), without tests.
BUILD = [
    "build",
    "--select",
    "+fct_prematch_odds",
    "+fct_matches",
    "+mart_match_features",
    "+mart_settled_bets",
    "+mart_training_runs",
    "+mart_backtests",
    "--exclude-resource-type",
    "test",
    "--exclude-resource-type",
    "unit_test",
]
# The betting marts with their data tests (the grain tests among them) and unit tests.
BETTING_MARTS = [
    "build",
    "--select",
    "staging.betting marts.betting mart_bets mart_bets_by_odds_band "
    "mart_strategy_performance mart_strategy_bankroll",
]
PRICE_COLUMNS = ["B365", "PS", "Max", "Avg"]
RESULT_HEADER = (
    "Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR,"
    + ",".join(f"{b}{s}" for b in PRICE_COLUMNS for s in "HDA")
    + ","
    + ",".join(f"{b}C{s}" for b in ("PS", "Avg") for s in "HDA")
)
FIXTURE_HEADER = "Div,Date,Time,HomeTeam,AwayTeam," + ",".join(
    f"{b}{s}" for b in PRICE_COLUMNS for s in "HDA"
)
# The two price shapes: a favourite every strategy backs (p .75/.15/.10), and a draw that
# value, kelly and flat back (p .60/.25/.15).
FAVOURITE = [(1.60, 4.0, 6.0), (1.62, 4.1, 6.2), (1.70, 4.3, 6.5), (1.58, 4.0, 5.9)]
DRAW = [(1.50, 4.5, 7.0), (1.52, 4.6, 7.2), (1.55, 4.8, 7.5), (1.48, 4.4, 6.8)]
CLOSING = [(1.55, 4.2, 6.8), (1.54, 4.15, 6.7)]
PROBABILITIES = {"favourite": (0.75, 0.15, 0.10), "draw": (0.60, 0.25, 0.15)}
ROUND_DATES = {1: "30/08/2025", 2: "13/09/2025"}  # Saturdays, 15:00 UK (14:00 UTC)
# league -> round -> (home, away, shape, goals)
FIXTURES = {
    "E0": {
        1: [("Chelsea", "Fulham", "favourite", (2, 0)), ("Arsenal", "Leeds", "draw", (1, 1))],
        2: [("Liverpool", "Burnley", "favourite", (3, 1)), ("Everton", "Wolves", "draw", (0, 2))],
    },
    "E1": {
        1: [("Leicester", "Watford", "favourite", (0, 1)), ("Norwich", "Millwall", "draw", (2, 0))],
        2: [("Ipswich", "Derby", "favourite", (1, 0)), ("Hull", "Stoke", "draw", (1, 1))],
    },
}
# One played match per league before the first round: the season file the results join.
PLAYED = {"E0": ("Brighton", "Bournemouth", (1, 1)), "E1": ("Coventry", "Preston", (2, 1))}
PLACE = {1: datetime(2025, 8, 29, 10, 0), 2: datetime(2025, 9, 12, 10, 0)}  # UTC
SETTLE = {1: datetime(2025, 8, 31, 20, 0), 2: datetime(2025, 9, 14, 20, 0)}  # UTC


def _match_id(league: str, home: str, away: str) -> str:
    """The dbt macro football_data_match_id: md5 of league|season code|home|away."""
    return hashlib.md5(f"{league}|2526|{home}|{away}".encode()).hexdigest()


def _result(home_goals: int, away_goals: int) -> str:
    return "H" if home_goals > away_goals else "D" if home_goals == away_goals else "A"


def _prices(books) -> list[str]:
    return [f"{price:g}" for book in books for price in book]


def _shape(name: str) -> list[tuple[float, float, float]]:
    return FAVOURITE if name == "favourite" else DRAW


def _season_file(path: Path, league: str, played_rounds: int) -> Path:
    home, away, goals = PLAYED[league]
    lines = [RESULT_HEADER]
    lines.append(",".join([league, "16/08/2025", "15:00", home, away, *map(str, goals),
                           _result(*goals), *_prices(FAVOURITE), *_prices(CLOSING)]))  # fmt: skip
    for number in range(1, played_rounds + 1):
        for home, away, shape, goals in FIXTURES[league][number]:
            lines.append(",".join([league, ROUND_DATES[number], "15:00", home, away,
                                   *map(str, goals), _result(*goals), *_prices(_shape(shape)),
                                   *_prices(CLOSING)]))  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def _fixtures_file(path: Path) -> Path:
    lines = [FIXTURE_HEADER]
    for league in LEAGUES:
        for number, matches in FIXTURES[league].items():
            for home, away, shape, _ in matches:
                row = [league, ROUND_DATES[number], "15:00", home, away, *_prices(_shape(shape))]
                lines.append(",".join(row))
    path.write_text("\n".join(lines) + "\n")
    return path


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def _land_and_build(settings: Settings, *files: Path) -> None:
    summary = run_ingest(
        settings,
        seasons=None,
        files=list(files),
        file_season="2526",
        include_fixtures=False,
        console=_quiet(),
    )
    assert summary.ok, summary.errors
    run_dbt(settings, BUILD, console=_quiet())


def _land_results(settings: Settings, folder: Path, played_rounds: int) -> None:
    folder.mkdir(exist_ok=True)
    _land_and_build(
        settings,
        *(_season_file(folder / f"{league}.csv", league, played_rounds) for league in LEAGUES),
    )


# --- one built warehouse per target, copied for each history ----------------------------------


def _with_database(settings: Settings, dbname: str) -> Settings:
    return dataclasses.replace(
        settings, postgres=dataclasses.replace(settings.postgres, dbname=dbname)
    )


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Both leagues' first match played, both rounds of both leagues upcoming."""
    home = tmp_path_factory.mktemp(f"live_books_{request.param}")
    data = home / "data"
    data.mkdir()
    settings = get_settings(target=request.param, home=home)
    admin = None
    if request.param == "postgres":
        admin = postgres_admin()
        settings = _with_database(settings, f"plpred_test_{uuid.uuid4().hex[:12]}")
    try:
        _land_and_build(
            settings,
            *(_season_file(data / f"{league}.csv", league, 0) for league in LEAGUES),
            _fixtures_file(data / "fixtures.csv"),
        )
        if request.param == "duckdb":
            with connect(settings) as conn:
                conn.execute("checkpoint")
        yield settings
    finally:
        if admin is not None:
            admin.cursor().execute(
                f'drop database if exists "{settings.postgres.dbname}" with (force)'
            )
            admin.close()


def _insert_predictions(conn: Connection, number: int) -> None:
    """Each league's champion (version 1) predicts the round the day before its bets: a round
    is bet on only once the previous one is settled."""
    for league in LEAGUES:
        for home, away, shape, _ in FIXTURES[league][number]:
            match_id = _match_id(league, home, away)
            conn.execute(
                "insert into ml.predictions (prediction_id, match_id, league, model_name, "
                "model_version, model_label, p_home, p_draw, p_away, predicted_at) "
                "values (?, ?, ?, ?, '1', 'dixon_coles', ?, ?, ?, ?)",
                [
                    f"pred-{match_id[:8]}",
                    match_id,
                    league,
                    f"plpred-{league}",
                    *PROBABILITIES[shape],
                    PLACE[number] - timedelta(days=1),
                ],
            )


def _copy(built: Settings, home: Path) -> Settings:
    """A private copy of the built warehouse (the caller drops a Postgres copy)."""
    home.mkdir()
    if built.target == "duckdb":
        settings = dataclasses.replace(built, home=home, duckdb_path_override=None)
        shutil.copyfile(built.duckdb_path, settings.duckdb_path)
        return settings
    settings = _with_database(
        dataclasses.replace(built, home=home), f"plpred_test_{uuid.uuid4().hex[:12]}"
    )
    admin = postgres_admin()
    try:
        admin.cursor().execute(
            f'create database "{settings.postgres.dbname}" template "{built.postgres.dbname}"'
        )
    finally:
        admin.close()
    return settings


def _drop(settings: Settings) -> None:
    if settings.target != "postgres":
        return
    admin = postgres_admin()
    try:
        admin.cursor().execute(f'drop database if exists "{settings.postgres.dbname}" with (force)')
    finally:
        admin.close()


# --- two histories of the same warehouse ------------------------------------------------------


@dataclasses.dataclass
class History:
    settings: Settings
    tables: dict[str, pd.DataFrame]


GRAINS = {
    "marts.mart_betting_performance": ["book_id", "strategy", "league", "season"],
    "marts.mart_bankroll_daily": ["book_id", "strategy", "league", "day"],
    "marts.mart_strategy_performance": ["book_id", "strategy", "league", "season"],
    "marts.mart_strategy_bankroll": ["book_id", "strategy", "league", "day"],
    "marts.mart_bets_by_odds_band": ["league", "book_kind", "strategy", "odds_band"],
}
LEDGERS = {
    "betting.bets": "select * from betting.bets",
    "betting.settlements": "select settlements.*, bets.league from betting.settlements "
    "inner join betting.bets on settlements.bet_id = bets.bet_id",
}


def _live(settings: Settings, tmp_path: Path, leagues: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Bet (each of ``leagues`` in turn), settle, land the results, again for round 2; then
    build the betting marts with their tests, and read the ledgers and marts."""
    for number in (1, 2):
        with connect(settings) as conn:
            _insert_predictions(conn, number)
        for league in leagues:
            place_bets(
                settings.with_overrides(league=league),
                model_version="1",
                as_of=PLACE[number],
                console=_quiet(),
            )
        _land_results(settings, tmp_path / f"round{number}", number)
        settle(settings, as_of=SETTLE[number], console=_quiet())
    run_dbt(settings, BETTING_MARTS, console=_quiet())  # raises when a data or unit test fails
    with connect(settings) as conn:
        return {
            **{table: conn.query_df(sql) for table, sql in LEDGERS.items()},
            **{table: conn.query_df(f"select * from {table}") for table in GRAINS},
        }


@pytest.fixture(scope="module")
def histories(
    built: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, History]]:
    """E0 alone, and E1 then E0 at every step, each on its own copy of the warehouse."""
    runs: dict[str, History] = {}
    try:
        for name, leagues in (("alone", ("E0",)), ("both", ("E1", "E0"))):
            root = tmp_path_factory.mktemp(f"{built.target}_{name}")
            settings = _copy(built, root / "home")
            runs[name] = History(settings, {})
            runs[name].tables = _live(settings, root, leagues)
        yield runs
    finally:
        for history in runs.values():
            _drop(history.settings)


# Columns that differ between the two histories for a reason that is not a result: the betting
# steps' invocation ids, the wall-clock time a row was landed, and the settlement sequence of
# the (book, strategy), which the rows of both leagues share.
VOLATILE = {"run_id", "odds_loaded_at", "seq"}


def _money(value: object) -> Decimal:
    return D(str(value))


def _e0(frame: pd.DataFrame) -> pd.DataFrame:
    """E0's rows as text, floats to 12 decimals (an average over rows in another physical
    order differs in its last bits), in a fixed order."""
    rows = frame[frame["league"] == "E0"].drop(columns=[c for c in VOLATILE if c in frame])
    for column in rows.columns:
        if pd.api.types.is_float_dtype(rows[column]):
            rows[column] = rows[column].round(12)
    rows = rows.astype(str)
    return rows.sort_values(list(rows.columns)).reset_index(drop=True)


def test_a_league_s_live_book_is_the_same_whether_another_league_bets_or_not(
    histories: dict[str, History],
) -> None:
    alone, both = histories["alone"].tables, histories["both"].tables
    # E1 did bet in the second history, in the same live book, and lost in round 1
    bets = both["betting.bets"]
    assert set(bets["league"]) == {"E0", "E1"} and set(bets["book_id"]) == {"live"}
    assert set(alone["betting.bets"]["league"]) == {"E0"}
    e1_round_1 = both["betting.settlements"]
    e1_round_1 = e1_round_1[
        (e1_round_1["league"] == "E1") & (pd.to_datetime(e1_round_1["settled_at"]) < PLACE[2])
    ]
    assert sum(e1_round_1["profit"].map(_money), D("0")) < 0
    # E0's bets, settlements and every betting mart row are the same in both histories
    for table in (*LEDGERS, *GRAINS):
        pd.testing.assert_frame_equal(_e0(alone[table]), _e0(both[table]), obj=table)
        assert not _e0(alone[table]).empty, table


def test_a_league_s_round_2_stakes_follow_its_own_bankroll(histories: dict[str, History]) -> None:
    """Each round-2 bet was struck from its league's start plus the profit of that league's
    round-1 settlements: nothing of the other league's."""
    tables = histories["both"].tables
    bets, settlements = tables["betting.bets"], tables["betting.settlements"]
    settlements = settlements[pd.to_datetime(settlements["settled_at"]) < PLACE[2]]
    round_2 = bets[pd.to_datetime(bets["placed_at"]) == PLACE[2]]
    assert set(round_2["league"]) == {"E0", "E1"}
    for row in round_2.itertuples(index=False):
        own = settlements[
            (settlements["league"] == row.league) & (settlements["strategy"] == row.strategy)
        ]
        expected = _money(row.bankroll_start) + sum(own["profit"].map(_money), D("0"))
        assert _money(row.bankroll_at_placement) == expected, (row.league, row.strategy)
    # E0 won round 1 and E1 lost it: their round-2 bankrolls differ
    kelly = round_2[round_2["strategy"] == "kelly"].groupby("league")["bankroll_at_placement"]
    assert _money(kelly.max()["E0"]) > D("1000") > _money(kelly.max()["E1"])


def test_every_betting_mart_has_one_row_per_grain_and_both_leagues(
    histories: dict[str, History],
) -> None:
    """The dbt grain tests passed in the build; the rows say the same, with E0 and E1 apart."""
    tables = histories["both"].tables
    for table, grain in GRAINS.items():
        frame = tables[table]
        assert not frame.duplicated(subset=grain).any(), table
        assert set(frame["league"]) == {"E0", "E1"}, table
    performance = tables["marts.mart_strategy_performance"]
    live = performance[(performance["book_kind"] == "live") & (performance["season"] == "all")]
    assert sorted(live.groupby("league")["strategy"].apply(sorted).items()) == [
        ("E0", ["flat", "kelly", "seed", "value"]),
        ("E1", ["flat", "kelly", "seed", "value"]),
    ]
    # each league's bankroll_end is its start plus its own profit
    for row in live.itertuples(index=False):
        assert row.bankroll_end == pytest.approx(1000 + row.profit), (row.league, row.strategy)
