"""The rows of ``betting.bets`` and ``betting.settlements`` as plain dataclasses.

The pure code (strategies, settlement, backtest simulation) produces these and the ledger
writes them unchanged, so what the tests check is exactly what lands in the warehouse. Ids are
deterministic hashes of what makes a row unique: re-running a step computes the same ids, and a
concurrent duplicate is refused by the primary key rather than written twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd

LIVE_BOOK = "live"
PRE_MATCH = "pre_match"


def stable_id(*parts: object) -> str:
    """A 20-hex-digit id from the parts (sha256 of ``a|b|c``)."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:20]


def bet_id(book_id: str, strategy: str, match_id: str) -> str:
    """One bet per match per strategy per book: the id is a function of exactly that."""
    return stable_id("bet", book_id, strategy, match_id)


def settlement_id(bet: str, kind: str, revision: int) -> str:
    return stable_id("settlement", bet, kind, revision)


@dataclass(frozen=True)
class BetRecord:
    """One row of ``betting.bets`` (column meanings in sql/ddl/020_create_betting_tables.sql)."""

    bet_id: str
    book_id: str
    mode: str
    run_id: str
    strategy: str
    strategy_version: str
    league: str
    season: str
    match_id: str
    kickoff_at: datetime
    selection: str
    odds_taken: float
    odds_source: str
    odds_period: str
    odds_loaded_at: datetime | None
    stake: Decimal
    bankroll_start: Decimal
    bankroll_at_placement: Decimal
    p_model: float
    p_implied: float
    edge: float
    model_name: str
    model_version: str | None
    model_variant: str | None
    prediction_ref: str
    placed_at: datetime


@dataclass(frozen=True)
class SettlementRecord:
    """One row of ``betting.settlements``: a settlement or the reversal of one."""

    settlement_id: str
    bet_id: str
    book_id: str
    strategy: str
    seq: int
    revision: int
    kind: str
    outcome: str
    result: str | None
    home_goals: int | None
    away_goals: int | None
    stake: Decimal
    odds_taken: float
    profit: Decimal
    bankroll_after: Decimal
    closing_odds: float | None
    closing_source: str | None
    clv: float | None
    reason: str
    supersedes: str | None
    run_id: str
    settled_at: datetime


def records_frame(records: list[Any], record_type: type) -> pd.DataFrame:
    """Records as a DataFrame with the table's columns in order, ready for ``insert_df``."""
    columns = [f.name for f in fields(record_type)]
    frame = pd.DataFrame([asdict(r) for r in records], columns=columns)
    # Integer columns with nulls would become floats ("2.0"), which Postgres' COPY refuses.
    for f in fields(record_type):
        if f.type in ("int", "int | None"):
            frame[f.name] = frame[f.name].astype("Int64")
    return frame
