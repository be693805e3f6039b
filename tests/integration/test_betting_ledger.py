"""The betting ledgers end to end on real DuckDB and Postgres, with real ingestion and dbt.

A tiny 2025-26 Premier League: three played matches (P1-P3, for backtests) and three fixtures
(U1-U3, for live bets) are written as football-data CSVs, landed by the real ingestion and
turned into marts by a real dbt run, once per target; each test starts from a copy of that
warehouse (a file copy for DuckDB, CREATE DATABASE ... TEMPLATE for Postgres) so that dbt's
start-up is paid once. Later results (U1 and U2 played, U3 postponed) and a corrected result
(U1 2-0 becomes 2-2) are landed as new versions of the season file, as football-data publishes
them. Every stake and bankroll below is worked by hand from ml/strategies.toml.

Times are UTC, naive, as the warehouse stores them: the August kickoffs published as 15:00
(BST) are 14:00 UTC in the marts and the ledgers, and every ``as_of`` below is UTC.
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

import pytest
from rich.console import Console

from ml.betting.backtest import backtest
from ml.betting.place import place_bets
from ml.betting.settle import settle
from ml.betting.warehouse import BettingError
from ml.config import Settings, get_settings
from ml.ingest import run_ingest
from ml.warehouse.connection import Connection, connect
from ml.warehouse.dbt import run_dbt
from tests.conftest import postgres_admin

pytestmark = [pytest.mark.slow]

D = Decimal
BUILD = [
    "build",
    "--select",
    "+fct_prematch_odds",
    "+fct_matches",
    # the views on the ledgers that settle and backtest read (each bet's effective settlement,
    # the latest training run)
    "+mart_settled_bets",
    "+mart_training_runs",
    "--exclude-resource-type",
    "test",
    "--exclude-resource-type",
    "unit_test",
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

# Played matches: date, time, home, away, goals, pre-match prices (B365, PS, Max, Avg), closing
# prices (Pinnacle, market average). Closing prices differ from every pre-match price.
PLAYED = {
    "P1": ("15/08/2025", "20:00", "Liverpool", "Bournemouth", (4, 2),
           [(1.50, 4.5, 7.0), (1.52, 4.6, 7.2), (1.55, 4.8, 7.5), (1.50, 4.5, 7.0)],
           [(1.45, 4.9, 8.1), (1.44, 4.85, 8.0)]),
    "P2": ("16/08/2025", "15:00", "Brighton", "Fulham", (1, 1),
           [(2.0, 3.4, 3.8), (2.05, 3.5, 3.9), (2.1, 3.6, 4.0), (2.0, 3.4, 3.8)],
           [(2.12, 3.3, 3.65), (2.11, 3.25, 3.6)]),
    "P3": ("23/08/2025", "15:00", "Sunderland", "West Ham", (0, 3),
           [(1.8, 3.6, 4.5), (1.85, 3.7, 4.6), (1.9, 3.8, 4.8), (1.8, 3.6, 4.5)],
           [(1.95, 3.45, 4.2), (1.93, 3.4, 4.15)]),
}  # fmt: skip
UPCOMING = {
    "U1": ("30/08/2025", "15:00", "Chelsea", "Fulham",
           [(1.60, 4.0, 6.0), (1.62, 4.1, 6.2), (1.70, 4.3, 6.5), (1.58, 4.0, 5.9)]),
    "U2": ("30/08/2025", "17:30", "Arsenal", "Leeds",
           [(1.50, 4.5, 7.0), (1.52, 4.6, 7.2), (1.55, 4.8, 7.5), (1.48, 4.4, 6.8)]),
    "U3": ("31/08/2025", "14:00", "Everton", "Wolves",
           [(2.30, 3.3, 3.2), (2.35, 3.4, 3.3), (2.45, 3.5, 3.4), (2.28, 3.3, 3.15)]),
}  # fmt: skip
# When U1 and U2 are played their results rows carry football-data's own pre-match prices
# (a little different from the fixture's) and closing prices.
UPCOMING_PLAYED = {
    "U1": ((2, 0), [(1.62, 3.9, 6.0), (1.64, 4.0, 6.1), (1.72, 4.2, 6.6), (1.60, 3.9, 5.8)],
           [(1.55, 4.2, 6.8), (1.54, 4.15, 6.7)]),
    "U2": ((5, 0), [(1.50, 4.5, 7.0), (1.52, 4.6, 7.2), (1.55, 4.8, 7.5), (1.48, 4.4, 6.8)],
           [(1.47, 4.7, 7.6), (1.46, 4.6, 7.5)]),
}  # fmt: skip

LIVE_PREDICTIONS = {"U1": (0.75, 0.15, 0.10), "U2": (0.60, 0.25, 0.15), "U3": (0.45, 0.30, 0.25)}
WALK_FORWARD = {"P1": (0.80, 0.12, 0.08), "P2": (0.40, 0.35, 0.25), "P3": (0.65, 0.20, 0.15)}
BEFORE_ROUND = datetime(2025, 8, 29, 10, 0)  # when the live bets are placed (UTC)


def _match_id(home: str, away: str) -> str:
    """The dbt macro football_data_match_id: md5 of league|season code|home|away."""
    return hashlib.md5(f"E0|2526|{home}|{away}".encode()).hexdigest()


IDS = {key: _match_id(row[2], row[3]) for key, row in {**PLAYED, **UPCOMING}.items()}


def _result(home_goals: int, away_goals: int) -> str:
    return "H" if home_goals > away_goals else "D" if home_goals == away_goals else "A"


def _prices(books) -> list[str]:
    return [f"{price:g}" for book in books for price in book]


def _season_file(path: Path, corrected: bool = False, *, with_upcoming: bool = False) -> Path:
    lines = [RESULT_HEADER]
    for date, time, home, away, goals, pre, closing in PLAYED.values():
        lines.append(",".join(["E0", date, time, home, away, *map(str, goals), _result(*goals),
                               *_prices(pre), *_prices(closing)]))  # fmt: skip
    if with_upcoming:
        for key, (goals, pre, closing) in UPCOMING_PLAYED.items():
            if corrected and key == "U1":
                goals = (2, 2)
            date, time, home, away, _ = UPCOMING[key]
            lines.append(",".join(["E0", date, time, home, away, *map(str, goals), _result(*goals),
                                   *_prices(pre), *_prices(closing)]))  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def _fixtures_file(path: Path) -> Path:
    lines = [FIXTURE_HEADER]
    for date, time, home, away, pre in UPCOMING.values():
        lines.append(",".join(["E0", date, time, home, away, *_prices(pre)]))
    path.write_text("\n".join(lines) + "\n")
    return path


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def _land(settings: Settings, *files: Path) -> None:
    summary = run_ingest(
        settings,
        seasons=None,
        files=list(files),
        file_season="2526",
        include_fixtures=False,
        console=_quiet(),
    )
    assert summary.ok, summary.errors


def _land_and_build(settings: Settings, *files: Path) -> None:
    _land(settings, *files)
    run_dbt(settings, BUILD, console=_quiet())


# --- one built warehouse per target, copied for each test --------------------------------------


def _with_database(settings: Settings, dbname: str) -> Settings:
    return dataclasses.replace(
        settings, postgres=dataclasses.replace(settings.postgres, dbname=dbname)
    )


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """A warehouse with P1-P3 played, U1-U3 upcoming, raw tables landed and marts built."""
    home = tmp_path_factory.mktemp(f"betting_{request.param}")
    data = home / "data"
    data.mkdir()
    settings = get_settings(target=request.param, home=home)
    admin = None
    if request.param == "postgres":
        admin = postgres_admin()
        settings = _with_database(settings, f"plpred_test_{uuid.uuid4().hex[:12]}")
    try:
        _land_and_build(
            settings, _season_file(data / "E0.csv"), _fixtures_file(data / "fixtures.csv")
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


@pytest.fixture
def warehouse(built: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A private copy of the built warehouse for one test."""
    home = tmp_path / "home"
    home.mkdir()
    if built.target == "duckdb":
        settings = dataclasses.replace(built, home=home, duckdb_path_override=None)
        shutil.copyfile(built.duckdb_path, settings.duckdb_path)
        yield settings
        return
    admin = postgres_admin()
    settings = _with_database(
        dataclasses.replace(built, home=home), f"plpred_test_{uuid.uuid4().hex[:12]}"
    )
    admin.cursor().execute(
        f'create database "{settings.postgres.dbname}" template "{built.postgres.dbname}"'
    )
    try:
        yield settings
    finally:
        admin.cursor().execute(f'drop database if exists "{settings.postgres.dbname}" with (force)')
        admin.close()


# --- inputs the ML steps would write ---------------------------------------------------------


def _insert_predictions(conn: Connection) -> None:
    for key, (home, draw, away) in LIVE_PREDICTIONS.items():
        conn.execute(
            "insert into ml.predictions (prediction_id, match_id, league, model_name, model_version, "
            "model_label, p_home, p_draw, p_away, predicted_at) values (?, ?, 'E0', 'plpred-E0', "
            "'1', 'dixon_coles', ?, ?, ?, ?)",
            [f"pred-{key}", IDS[key], home, draw, away, datetime(2025, 8, 28, 9, 0)],
        )


def _insert_walk_forward(
    conn: Connection, run_id: str = "wf-1", variant: str = "default", model: str = "dixon_coles"
) -> None:
    for key, (home, draw, away) in WALK_FORWARD.items():
        conn.execute(
            "insert into ml.walk_forward_predictions (run_id, league, model, variant, match_id, "
            "season, p_home, p_draw, p_away) values (?, 'E0', ?, ?, ?, '2025-26', ?, ?, ?)",
            [run_id, model, variant, IDS[key], home, draw, away],
        )


def _bets(settings: Settings, book_id: str = "live") -> list[tuple]:
    with connect(settings) as conn:
        return conn.fetchall(
            "select strategy, match_id, selection, odds_taken, odds_source, stake from betting.bets "
            "where book_id = ? order by strategy, kickoff_at",
            [book_id],
        )


def _bankrolls(settings: Settings, book_id: str = "live") -> dict[str, Decimal]:
    """Bankroll per strategy = start + sum of every settlement and reversal profit."""
    with connect(settings) as conn:
        rows = conn.fetchall(
            "select b.strategy, max(b.bankroll_start) + coalesce(sum(s.profit), 0) "
            "from (select distinct strategy, bankroll_start from betting.bets where book_id = ?) as b "
            "left join betting.settlements as s on s.book_id = ? and s.strategy = b.strategy "
            "group by b.strategy",
            [book_id, book_id],
        )
    return {strategy: D(str(amount)) for strategy, amount in rows}


def _count(settings: Settings, table: str) -> int:
    with connect(settings) as conn:
        return int(conn.scalar(f"select count(*) from {table}"))


# Worked by hand (ml/strategies.toml) at the fixture prices, bankroll 1000 each:
#   U1 p .75/.15/.10: seed Avg 1.58 (.75 - .633 >= .1) 5% = 50.00; value B365 1.60 edge .20
#       2% = 20.00; kelly Max 1.70 quarter of .393 capped 50.00; flat Avg 1.58 edge .185 10.00
#   U2 p .60/.25/.15: seed no (.60 < 1/1.48); value draw 4.5 (edge .125) 20.00; kelly draw
#       4.8 (f* .2/3.8, a quarter of 1000 = 13.157) 13.15; flat draw 4.4 (.10) 10.00
#   U3 p .45/.30/.25: kelly home 2.45 (f* .1025/1.45, a quarter: 17.672) 17.67; no other
LIVE_BETS = [
    ("flat", "U1", "home", 1.58, "Avg", "10.00"),
    ("flat", "U2", "draw", 4.4, "Avg", "10.00"),
    ("kelly", "U1", "home", 1.70, "Max", "50.00"),
    ("kelly", "U2", "draw", 4.8, "Max", "13.15"),
    ("kelly", "U3", "home", 2.45, "Max", "17.67"),
    ("seed", "U1", "home", 1.58, "Avg", "50.00"),
    ("value", "U1", "home", 1.60, "B365", "20.00"),
    ("value", "U2", "draw", 4.5, "B365", "20.00"),
]


def _expected_live_bets() -> list[tuple]:
    return [(s, IDS[m], sel, odds, src, D(stake)) for s, m, sel, odds, src, stake in LIVE_BETS]


def test_live_bets_settle_once_void_and_corrected_results_are_audited(
    warehouse: Settings, tmp_path: Path
) -> None:
    with connect(warehouse) as conn:
        _insert_predictions(conn)

    summary = place_bets(warehouse, model_version="1", as_of=BEFORE_ROUND, console=_quiet())
    assert len(summary.bets) == len(LIVE_BETS)
    assert _bets(warehouse) == _expected_live_bets()
    # stored times are UTC: U1's 15:00 (BST) kickoff is 14:00 UTC
    with connect(warehouse) as conn:
        assert conn.fetchall(
            "select distinct kickoff_at, placed_at from betting.bets where match_id = ?",
            [IDS["U1"]],
        ) == [(datetime(2025, 8, 30, 14, 0), BEFORE_ROUND)]
    # placing again adds nothing: one bet per match and strategy
    again = place_bets(
        warehouse, model_version="1", as_of=BEFORE_ROUND + timedelta(hours=1), console=_quiet()
    )
    assert again.bets == []
    assert _count(warehouse, "betting.bets") == len(LIVE_BETS)
    # after kickoff nothing can be placed
    assert (
        place_bets(
            warehouse, model_version="1", as_of=datetime(2025, 8, 31, 15, 0), console=_quiet()
        ).bets
        == []
    )

    # U1 2-0 and U2 5-0 land; U3 is postponed (not in the file)
    _land_and_build(warehouse, _season_file(tmp_path / "E0.csv", with_upcoming=True))
    first = settle(warehouse, as_of=datetime(2025, 8, 31, 20, 0), console=_quiet())
    assert (first.new_settlements, first.corrections, first.open_bets) == (7, 0, 1)
    # seed +29.00; value +12.00 -20.00; kelly +35.00 -13.15; flat +5.80 -10.00
    assert _bankrolls(warehouse) == {
        "seed": D("1029.00"), "value": D("992.00"), "kelly": D("1021.85"), "flat": D("995.80"),
    }  # fmt: skip

    # settling again changes nothing
    rows = _count(warehouse, "betting.settlements")
    assert settle(warehouse, as_of=datetime(2025, 8, 31, 21, 0), console=_quiet()).rows == []
    assert _count(warehouse, "betting.settlements") == rows

    # three days after U3's kickoff (14:00 BST, 13:00 UTC) without a result, the bet is void
    # and returns the stake; a minute before, it is still open
    assert settle(warehouse, as_of=datetime(2025, 9, 3, 12, 59), console=_quiet()).rows == []
    void = settle(warehouse, as_of=datetime(2025, 9, 3, 13, 0), console=_quiet())
    assert [(r.strategy, r.outcome, r.profit) for r in void.rows] == [("kelly", "void", D("0.00"))]
    assert _bankrolls(warehouse)["kelly"] == D("1021.85")

    # the result of U1 is corrected to 2-2: its four bets are reversed and settled as losses
    _land_and_build(
        warehouse, _season_file(tmp_path / "E0_v3.csv", corrected=True, with_upcoming=True)
    )
    corrected = settle(warehouse, as_of=datetime(2025, 9, 4, 9, 0), console=_quiet())
    assert corrected.corrections == 4
    assert sorted((r.strategy, r.kind, r.outcome, r.profit) for r in corrected.rows) == [
        ("flat", "reversal", "win", D("-5.80")),
        ("flat", "settlement", "loss", D("-10.00")),
        ("kelly", "reversal", "win", D("-35.00")),
        ("kelly", "settlement", "loss", D("-50.00")),
        ("seed", "reversal", "win", D("-29.00")),
        ("seed", "settlement", "loss", D("-50.00")),
        ("value", "reversal", "win", D("-12.00")),
        ("value", "settlement", "loss", D("-20.00")),
    ]
    assert _bankrolls(warehouse) == {
        "seed": D("950.00"), "value": D("960.00"), "kelly": D("936.85"), "flat": D("980.00"),
    }  # fmt: skip
    assert settle(warehouse, as_of=datetime(2025, 9, 5, 9, 0), console=_quiet()).rows == []

    with connect(warehouse) as conn:
        # the audit trail: the first settlement is still there, superseded, never rewritten
        trail = conn.fetchall(
            "select kind, revision, outcome, result, profit, bankroll_after, supersedes "
            "from betting.settlements where strategy = 'kelly' and bet_id in "
            "(select bet_id from betting.bets where strategy = 'kelly' and match_id = ?) "
            "order by seq",
            [IDS["U1"]],
        )
        kelly_u1 = conn.scalar(
            "select bet_id from betting.bets where strategy = 'kelly' and match_id = ?", [IDS["U1"]]
        )
        first_id, clv = conn.fetchone(
            "select settlement_id, clv from betting.settlements where bet_id = ? "
            "and kind = 'settlement' and revision = 1",
            [kelly_u1],
        )
        # ledger order: each row's bankroll_after is the previous one plus its profit
        ledger = conn.fetchall(
            "select seq, profit, bankroll_after from betting.settlements "
            "where book_id = 'live' and strategy = 'kelly' order by seq"
        )
    assert [row[:6] for row in trail] == [
        ("settlement", 1, "win", "H", D("35.00"), D("1035.00")),
        ("reversal", 1, "win", "H", D("-35.00"), D("986.85")),
        ("settlement", 2, "loss", "D", D("-50.00"), D("936.85")),
    ]
    assert [row[6] for row in trail] == [None, first_id, first_id]
    bankroll = D("1000.00")
    for seq, (position, profit, after) in enumerate(ledger, start=1):
        bankroll += profit
        assert (position, after) == (seq, bankroll)
    assert clv == pytest.approx(1.70 / 1.55 - 1)  # Pinnacle's closing price of the home win


# Backtest, worked by hand (bets placed 24 h before kickoff, settled 2 h after):
#   P1 (Fri 20:00, H) p .80/.12/.08: seed 1.50 (.80 - .667) 50.00 wins 25.00; value home 1.50
#      20.00 wins 10.00; kelly home 1.55 capped 50.00 wins 27.50; flat home 10 wins 5.00
#   P2 (Sat 15:00, D; placed Fri 15:00 before P1 settles, so on 1000) p .40/.35/.25: seed no;
#      value draw 3.4 20.00 wins 48.00; kelly draw 3.6 (f* .1, a quarter) 25.00 wins 65.00;
#      flat draw 10 wins 24.00
#   P3 (A) p .65/.20/.15: seed no (.65 - 1/1.8 < .1); value home 1.8, 2% of 1058 = 21.16
#      lost; kelly home 1.9 capped at 5% of 1092.50 = 54.62 lost; flat home 10 lost
BACKTEST_BANKROLLS = {
    "seed": D("1025.00"),
    "value": D("1036.84"),
    "kelly": D("1037.88"),
    "flat": D("1019.00"),
}


def test_backtest_of_walk_forward_predictions_is_worked_by_hand_and_written_once(
    warehouse: Settings,
) -> None:
    with connect(warehouse) as conn:
        _insert_walk_forward(conn)
        # the closing-price yardstick of ml/modeling/train.py is never replayed: it knows the closing line
        _insert_walk_forward(conn, model="market_close", variant="avg_power")

    summary = backtest(warehouse, console=_quiet())
    assert summary.source_run_id == "wf-1"
    assert {r.model for r in summary.results} == {"dixon_coles"}
    with pytest.raises(BettingError, match="closing prices"):
        backtest(warehouse, model="market_close", console=_quiet())
    assert [(r.strategy, r.created, r.bets) for r in summary.results] == [
        ("seed", True, 1), ("value", True, 3), ("kelly", True, 3), ("flat", True, 3),
    ]  # fmt: skip
    books = {r.strategy: r.backtest_id for r in summary.results}
    assert {s: _bankrolls(warehouse, b)[s] for s, b in books.items()} == BACKTEST_BANKROLLS
    assert [row[2:] for row in _bets(warehouse, books["kelly"])] == [
        ("home", 1.55, "Max", D("50.00")),
        ("draw", 3.6, "Max", D("25.00")),
        ("home", 1.9, "Max", D("54.62")),
    ]
    with connect(warehouse) as conn:
        modes = conn.fetchall(
            "select distinct mode, prediction_ref, model_name, model_variant from betting.bets"
        )
        timing = conn.fetchall(
            "select b.kickoff_at, b.placed_at, s.settled_at from betting.bets as b "
            "inner join betting.settlements as s on s.bet_id = b.bet_id"
        )
        registered = conn.fetchall(
            "select strategy, n_predictions, n_bets from betting.backtests order by strategy"
        )
    assert modes == [("backtest", "wf-1", "dixon_coles", "default")]
    for kickoff, placed, settled in timing:
        assert placed == kickoff - timedelta(hours=24)
        assert settled == kickoff + timedelta(hours=2)
    assert registered == [("flat", 3, 3), ("kelly", 3, 3), ("seed", 3, 1), ("value", 3, 3)]

    # the same source run again: nothing new; settling finds the backtest already settled
    counts = (_count(warehouse, "betting.bets"), _count(warehouse, "betting.settlements"))
    again = backtest(warehouse, run_id="wf-1", console=_quiet())
    assert [r.created for r in again.results] == [False] * 4
    assert [r.profit for r in again.results] == [r.profit for r in summary.results]
    assert settle(warehouse, as_of=datetime(2026, 1, 1), console=_quiet()).rows == []
    assert (_count(warehouse, "betting.bets"), _count(warehouse, "betting.settlements")) == counts

    # another variant of the run is another backtest, with its own books
    with connect(warehouse) as conn:
        _insert_walk_forward(conn, variant="no_priors")
    third = backtest(warehouse, variant="no_priors", strategies=["flat"], console=_quiet())
    assert [(r.variant, r.created, r.bets) for r in third.results] == [("no_priors", True, 3)]
    assert third.results[0].backtest_id != books["flat"]


def _pre_match_offers(conn: Connection) -> set[tuple[str, str, str, float]]:
    """Every pre-match 1X2 price ever landed, in any version: (match, bookmaker, selection, price)."""
    rows = conn.fetchall(
        "select home_team, away_team, bookmaker, selection, price from raw.odds "
        "where period = 'pre_match' and market = '1x2'"
    )
    return {(_match_id(h, a), b, s, round(p, 6)) for h, a, b, s, p in rows}


def _violations(conn: Connection) -> list[str]:
    """Bets not struck before kickoff at a price a bookmaker offered before the match."""
    offers = _pre_match_offers(conn)
    kickoffs = dict(
        conn.fetchall(
            "select match_id, min(kickoff_at) from marts.fct_prematch_odds group by match_id"
        )
    )
    problems = []
    for bet_id, match_id, selection, source, odds, period, placed, kickoff in conn.fetchall(
        "select bet_id, match_id, selection, odds_source, odds_taken, odds_period, placed_at, "
        "kickoff_at from betting.bets"
    ):
        if (match_id, source, selection, round(odds, 6)) not in offers or period != "pre_match":
            problems.append(f"{bet_id}: {odds} is not a pre-match price of {source}")
        if not placed < min(kickoff, kickoffs.get(match_id, kickoff)):
            problems.append(f"{bet_id}: placed {placed}, kickoff {kickoff}")
    return problems


def test_no_bet_is_struck_at_a_closing_price_or_after_kickoff(warehouse: Settings) -> None:
    with connect(warehouse) as conn:
        _insert_predictions(conn)
        _insert_walk_forward(conn)
    place_bets(warehouse, model_version="1", as_of=BEFORE_ROUND, console=_quiet())
    backtest(warehouse, console=_quiet())

    with connect(warehouse) as conn:
        assert conn.scalar("select count(distinct mode) from betting.bets") == 2
        assert _violations(conn) == []

        # the check catches a bet at Pinnacle's closing price (the audit is not vacuous) ...
        conn.execute(
            "insert into betting.bets select 'forged', book_id, mode, run_id, 'forged', "
            "strategy_version, league, season, match_id, kickoff_at, selection, 1.45, 'PS', "
            "odds_period, odds_loaded_at, stake, bankroll_start, bankroll_at_placement, p_model, "
            "p_implied, edge, model_name, model_version, model_variant, prediction_ref, placed_at "
            "from betting.bets where match_id = ? and strategy = 'seed'",
            [IDS["P1"]],
        )
        assert _violations(conn) == ["forged: 1.45 is not a pre-match price of PS"]

    # ... and the warehouse itself refuses bets marked closing or placed at kickoff
    import duckdb
    import psycopg2

    for column, value in (("odds_period", "'closing'"), ("placed_at", "kickoff_at")):
        with connect(warehouse) as conn, pytest.raises((duckdb.Error, psycopg2.Error)):
            conn.execute(
                f"insert into betting.bets select 'bad', book_id, mode, run_id, 'bad', "
                f"strategy_version, league, season, match_id, kickoff_at, selection, odds_taken, "
                f"odds_source, {'odds_period' if column != 'odds_period' else value}, "
                f"odds_loaded_at, stake, bankroll_start, bankroll_at_placement, p_model, "
                f"p_implied, edge, model_name, model_version, model_variant, prediction_ref, "
                f"{'placed_at' if column != 'placed_at' else value} "
                f"from betting.bets where strategy = 'seed' limit 1"
            )


def test_betting_marts_read_the_ledgers(warehouse: Settings) -> None:
    if warehouse.target != "duckdb":
        # The same SQL runs on Postgres in the dbt unit test of mart_betting_performance
        # (every dbt build, tests/integration/test_dbt_build.py); a dbt run here costs ~4 s.
        pytest.skip("betting marts on real ledgers: checked on DuckDB only, to keep tests fast")
    with connect(warehouse) as conn:
        _insert_walk_forward(conn)
    summary = backtest(warehouse, strategies=["kelly"], console=_quiet())
    # The betting marts read the ledgers through their staging views.
    run_dbt(warehouse, ["build", "--select", "staging.betting marts.betting"], console=_quiet())
    with connect(warehouse) as conn:
        performance = conn.query_df(
            "select * from marts.mart_betting_performance where book_id = ? order by season",
            [summary.results[0].backtest_id],
        )
        daily = conn.query_df(
            "select day, bankroll, open_stakes from marts.mart_bankroll_daily "
            "where book_id = ? order by day",
            [summary.results[0].backtest_id],
        )
    season, total = performance.to_dict("records")
    assert (season["season"], total["season"]) == ("2025-26", "all")
    for row in (season, total):
        assert (row["bets"], row["wins"], row["losses"]) == (3, 2, 1)
        assert row["staked"] == pytest.approx(129.62)
        assert row["profit"] == pytest.approx(37.88)
        assert row["yield"] == pytest.approx(37.88 / 129.62)
        assert row["roi"] == pytest.approx(0.03788)
        assert row["max_drawdown"] == pytest.approx(54.62)  # from the 1092.50 peak
        assert row["model"] == "dixon_coles"
    # placed Thu 14th (P1), Fri 15th (P2; P1 settles), Sat 16th (P2 settles), Fri 22nd (P3),
    # Sat 23rd (P3 settles)
    assert [str(d)[:10] for d in daily["day"]] == [
        "2025-08-14", "2025-08-15", "2025-08-16", "2025-08-22", "2025-08-23",
    ]  # fmt: skip
    assert list(daily["bankroll"]) == pytest.approx([1000, 1027.5, 1092.5, 1092.5, 1037.88])
    assert list(daily["open_stakes"]) == pytest.approx([50, 25, 0, 54.62, 0])
