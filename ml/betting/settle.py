"""``plpred settle``: settle every bet whose match has a verdict, live and backtest alike.

Reads each bet with its effective settlement (sql/betting/select_bets_with_effective_settlement.sql)
and the results of ``marts.fct_matches``, asks :func:`ml.betting.settlement.judge` for the
verdict and :class:`ml.betting.settlement.BookState` for the rows, and appends them to
``betting.settlements``; the shared warehouse I/O is :mod:`ml.betting.warehouse`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from rich.console import Console

from ml.betting.records import BetRecord, SettlementRecord
from ml.betting.render import render_settlement
from ml.betting.settlement import Effective, judge
from ml.betting.strategies import BettingConfig, load_config
from ml.betting.warehouse import (
    RESULTS,
    SETTLED_BETS,
    betting_sql,
    book_state,
    load_books,
    lock,
    match_result,
    require_marts,
    resolve_as_of,
    to_datetime,
    to_decimal,
    write,
)
from ml.config import Settings
from ml.warehouse.connection import apply_ddl, connect

_BETS_WITH_EFFECTIVE_SETTLEMENT_SQL = betting_sql("select_bets_with_effective_settlement.sql")
_RESULTS_OF_BETS_SQL = betting_sql("select_results_of_bets.sql")


@dataclass
class SettlementSummary:
    """What ``plpred settle`` wrote: counts by outcome, corrections, bets still open."""

    run_id: str
    settled_at: datetime
    rows: list[SettlementRecord] = field(default_factory=list)
    open_bets: int = 0
    # (book, strategy, league) -> the bankroll after this settlement
    bankrolls: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)

    @property
    def new_settlements(self) -> int:
        return sum(1 for r in self.rows if r.kind == "settlement" and r.revision == 1)

    @property
    def corrections(self) -> int:
        return sum(1 for r in self.rows if r.kind == "reversal")

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.kind == "settlement" and r.outcome == outcome)


def settle(
    settings: Settings,
    *,
    console: Console | None = None,
    as_of: datetime | None = None,
    config: BettingConfig | None = None,
) -> SettlementSummary:
    """Settle every bet whose match has a verdict, live and backtest alike.

    A bet is judged against ``marts.fct_matches`` as it is now (see the void rule in
    :mod:`ml.betting.settlement`). Bets without a settlement get one; bets whose effective
    settlement no longer matches the data (a corrected result) get a reversal and a new
    settlement; all others get nothing, so running it twice writes nothing the second time.
    ``as_of`` is the moment of settlement (aware in any zone, or naive UTC; default: now).
    """
    console = console or Console(stderr=True)
    config = config or load_config()
    settled_at = resolve_as_of(as_of)
    summary = SettlementSummary(run_id=f"settle-{uuid.uuid4().hex[:12]}", settled_at=settled_at)
    with connect(settings) as conn:
        apply_ddl(conn)
        require_marts(conn, RESULTS, SETTLED_BETS)
        with conn.transaction():
            lock(conn)
            bets = conn.query_df(_BETS_WITH_EFFECTIVE_SETTLEMENT_SQL)
            results = {
                row.match_id: match_result(row)
                for row in conn.query_df(_RESULTS_OF_BETS_SQL).itertuples(index=False)
            }
            # One bankroll per (book, strategy, league); the leagues of a (book, strategy)
            # share its settlement sequence, the ledger's unique key.
            books = load_books(conn)
            last_seq: dict[tuple[str, str], int] = {}
            for row in bets.itertuples(index=False):
                key = (row.book_id, row.strategy, row.league)
                book = book_state(books, *key, to_decimal(row.bankroll_start))
                bet = _bet_record(row)
                match = results.get(bet.match_id)
                verdict = judge(
                    selection=bet.selection,
                    placed_at=bet.placed_at,
                    kickoff_at=bet.kickoff_at,
                    match=match,
                    as_of=settled_at,
                    void_after=config.void_after,
                )
                if verdict is None:
                    summary.open_bets += 1
                    continue
                previous = (
                    None
                    if row.effective_settlement_id is None or pd.isna(row.effective_settlement_id)
                    else Effective(
                        settlement_id=row.effective_settlement_id,
                        revision=int(row.effective_revision),
                        outcome=row.effective_outcome,
                        result=row.effective_result
                        if isinstance(row.effective_result, str)
                        else None,
                        profit=to_decimal(row.effective_profit),
                    )
                )
                ledger = (row.book_id, row.strategy)
                book.seq = max(book.seq, last_seq.get(ledger, 0))
                summary.rows += book.settle(
                    bet,
                    verdict,
                    previous=previous,
                    match=match,
                    run_id=summary.run_id,
                    settled_at=settled_at,
                )
                last_seq[ledger] = book.seq
            write(conn, [], summary.rows)
            summary.bankrolls = {key: book.bankroll for key, book in books.items()}
    render_settlement(summary, console)
    return summary


def _bet_record(row: Any) -> BetRecord:
    """A ``betting.bets`` row (from a query) back as a :class:`BetRecord`."""
    values = row._asdict()
    fields_ = BetRecord.__dataclass_fields__
    data = {name: values[name] for name in fields_}
    for name in ("stake", "bankroll_start", "bankroll_at_placement"):
        data[name] = to_decimal(data[name])
    for name in ("kickoff_at", "placed_at"):
        data[name] = to_datetime(data[name])
    for name in ("model_version", "model_variant", "odds_loaded_at"):
        if data[name] is not None and pd.isna(data[name]):
            data[name] = None
    return BetRecord(**data)
