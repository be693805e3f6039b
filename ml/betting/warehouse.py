"""The warehouse I/O the betting steps share (:mod:`~ml.betting.place`,
:mod:`~ml.betting.settle`, :mod:`~ml.betting.backtest`): the queries of ``sql/betting/``, the
writers' lock, appending rows to ``betting.*`` (sql/ddl/020_create_betting_tables.sql; nothing
is ever updated or deleted), a ledger's state, and turning query rows into the pure code's
types (:mod:`ml.betting.settlement`).

Prices come from the dbt mart ``marts.fct_prematch_odds`` (pre-match books only), results and
closing prices from ``marts.fct_matches``: run ``plpred transform`` after ingesting and before
betting or settling. Every time is UTC, naive, the warehouse's one convention for stored
timestamps (:mod:`ml.clock`): ``kickoff_at`` of the marts, ``placed_at``, ``settled_at`` and
``created_at`` of the ledgers alike. ``as_of`` may be aware (any zone) or naive UTC; messages
show kickoffs in UK time.

Writers serialise on a Postgres advisory lock (DuckDB has one writer anyway), and every step
is idempotent: bet ids are a hash of (book, strategy, match), settlements are written only
where the verdict differs from the bet's effective settlement, and a backtest of the same
source run, model, variant and strategy version is written once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from ml.betting.records import BetRecord, SettlementRecord, records_frame
from ml.betting.settlement import BookState, MatchResult
from ml.betting.simulation import Prospect
from ml.betting.strategies import SELECTIONS, Strategy
from ml.clock import now, uk_local, utc_naive
from ml.warehouse.connection import Connection, read_sql

_BETTING_LOCK = 0x706C62657473  # "plbets": advisory lock key of the betting ledgers
PRICES = "marts.fct_prematch_odds"
RESULTS = "marts.fct_matches"
# Views on the ledgers (current without a dbt build): each bet with its effective settlement,
# the training runs with the latest marked.
SETTLED_BETS = "marts.mart_settled_bets"
TRAINING_RUNS = "marts.mart_training_runs"


class BettingError(RuntimeError):
    """Betting cannot proceed; the message says what is missing and what to run."""


def now_utc() -> datetime:
    """The current time in the stored convention (UTC, naive), to compare with ``kickoff_at``.

    The default when a step is given no ``as_of``; callers should pass their own clock.
    """
    return utc_naive(now())


def resolve_as_of(as_of: datetime | None) -> datetime:
    """``as_of`` in the stored convention: an aware datetime (any zone) converted to UTC, a
    naive one taken as UTC already; None means now."""
    return now_utc() if as_of is None else utc_naive(as_of)


def fmt_uk(moment: datetime) -> str:
    """A stored (UTC, naive) time as people read it: '2026-03-29 14:00 UK'."""
    return f"{uk_local(moment):%Y-%m-%d %H:%M} UK"


def betting_sql(name: str) -> str:
    """A query of ``sql/betting/`` (with ``?`` placeholders): SQL lives in files."""
    return read_sql(f"betting/{name}")


_BOOK_STATES_SQL = betting_sql("select_book_states.sql")
_LOCK_SQL = betting_sql("lock_betting_ledgers.sql")
_COUNT_STRATEGY_VERSION_SQL = betting_sql("count_strategy_version.sql")
_INSERT_STRATEGY_VERSION_SQL = betting_sql("insert_strategy_version.sql")


def require_marts(conn: Connection, *tables: str) -> None:
    """Refuse to go on when a dbt relation the step reads has not been built yet."""
    missing = [t for t in tables if not conn.table_exists(t)]
    if missing:
        raise BettingError(
            f"{', '.join(missing)} not found in the {conn.target} warehouse: "
            "run `plpred transform` (dbt build) after ingesting, then bet, settle or backtest"
        )


def lock(conn: Connection) -> None:
    """Serialise betting writers on Postgres (inside a transaction; DuckDB has one writer)."""
    if conn.target == "postgres":
        conn.execute(_LOCK_SQL, [_BETTING_LOCK])


def record_strategy_versions(
    conn: Connection, strategies: Sequence[Strategy], recorded_at: datetime
) -> None:
    for strategy in strategies:
        known = first_value(conn, _COUNT_STRATEGY_VERSION_SQL, [strategy.name, strategy.version])
        if not known:
            conn.execute(
                _INSERT_STRATEGY_VERSION_SQL,
                [
                    strategy.name,
                    strategy.version,
                    strategy.rule,
                    json.dumps(strategy.definition(), sort_keys=True),
                    recorded_at,
                ],
            )


def write(conn: Connection, bets: list[BetRecord], settlements: list[SettlementRecord]) -> None:
    """Append bets and settlement rows to the ledgers."""
    if bets:
        conn.insert_df("betting.bets", records_frame(bets, BetRecord))
    if settlements:
        conn.insert_df("betting.settlements", records_frame(settlements, SettlementRecord))


def first_row(conn: Connection, sql: str, params: Sequence[Any] | None = None) -> tuple | None:
    """The first row, fetched completely: DuckDB 2.0 refuses other work on a connection while
    a result is unfinished, which ``fetchone`` leaves behind."""
    rows = conn.fetchall(sql, params)
    return rows[0] if rows else None


def first_value(conn: Connection, sql: str, params: Sequence[Any] | None = None) -> Any:
    row = first_row(conn, sql, params)
    return None if row is None else row[0]


def to_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def float_or_none(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def to_datetime(value: Any) -> datetime:
    return pd.Timestamp(value).to_pydatetime()


BookKey = tuple[str, str, str]  # (book id, strategy, league)


def load_books(conn: Connection) -> dict[BookKey, BookState]:
    """Every ledger's state from the warehouse, by (book, strategy, league): start, bankroll,
    open stakes and the (book, strategy)'s last ``seq`` (sql/betting/select_book_states.sql).

    Each league has its own bankroll in a book: the live book holds every league's bets, and a
    league's stakes and bankroll never depend on another league's bets (a backtest holds one
    league anyway). The bankroll is the start plus every settlement and reversal row of the
    league's bets, which is what its last row's ``bankroll_after`` says; ``seq`` is shared by
    the rows of every league of the (book, strategy), whose unique key it is.
    """
    books: dict[BookKey, BookState] = {}
    for book_id, strategy, league, start, last_seq, profit, open_stakes in conn.fetchall(
        _BOOK_STATES_SQL
    ):
        book = BookState.new(book_id, strategy, to_decimal(start))
        if last_seq is not None:
            book.seq = int(last_seq)
        if profit is not None:
            book.bankroll = book.bankroll_start + to_decimal(profit)
        book.open_stakes = to_decimal(open_stakes)
        books[(book_id, strategy, league)] = book
    return books


def book_state(
    books: dict[BookKey, BookState], book_id: str, strategy: str, league: str, start: Decimal
) -> BookState:
    """The state of one ledger from :func:`load_books`, or a new one at ``start`` when the
    league has no bet in the book yet (kept in ``books``, so later bets share it)."""
    key = (book_id, strategy, league)
    if key not in books:
        books[key] = BookState.new(book_id, strategy, start)
    return books[key]


def match_result(row: Any) -> MatchResult:
    """A match's result and closing prices (a row of a query on ``marts.fct_matches``)."""
    closing = {
        "PS": {s: float_or_none(getattr(row, f"closing_pinnacle_{s}_odds")) for s in SELECTIONS},
        "Avg": {s: float_or_none(getattr(row, f"closing_market_{s}_odds")) for s in SELECTIONS},
    }
    result = row.result if isinstance(row.result, str) and row.result else None
    return MatchResult(
        match_id=row.match_id,
        kickoff_at=to_datetime(row.kickoff_at),
        result=result,
        home_goals=int_or_none(row.home_goals),
        away_goals=int_or_none(row.away_goals),
        closing=closing,
    )


def prospect(row: Any, prediction_ref: str) -> Prospect:
    """A match a strategy may bet on (a row of predictions beside pre-match prices), live or in
    a backtest; ``prediction_ref`` names the prediction (its id, or the walk-forward run)."""
    return Prospect(
        match_id=row.match_id,
        league=row.league,
        season=row.season,
        kickoff_at=to_datetime(row.kickoff_at),
        probabilities={"home": row.p_home, "draw": row.p_draw, "away": row.p_away},
        prices={"home": row.home_odds, "draw": row.draw_odds, "away": row.away_odds},
        prices_loaded_at=None if pd.isna(row.loaded_at) else to_datetime(row.loaded_at),
        prediction_ref=prediction_ref,
    )
