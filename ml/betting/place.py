"""``plpred bet``: live bets on upcoming matches with the champion's predictions.

Reads ``ml.predictions`` and the pre-match prices of ``marts.fct_prematch_odds``
(sql/betting/select_live_prospects.sql), asks the strategies what to strike
(:func:`ml.betting.simulation.strike`) and appends the bets to ``betting.bets``; the shared
warehouse I/O is :mod:`ml.betting.warehouse`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from rich.console import Console

from ml.betting.records import LIVE_BOOK, BetRecord
from ml.betting.render import render_placement
from ml.betting.simulation import ModelRef, strike
from ml.betting.strategies import BettingConfig, load_config
from ml.betting.warehouse import (
    PRICES,
    BettingError,
    betting_sql,
    book_state,
    load_books,
    lock,
    prospect,
    record_strategy_versions,
    require_marts,
    resolve_as_of,
    write,
)
from ml.config import Settings
from ml.warehouse.connection import apply_ddl, connect

_LIVE_PROSPECTS_SQL = betting_sql("select_live_prospects.sql")
_PREDICTED_VERSIONS_SQL = betting_sql("select_predicted_versions.sql")


@dataclass
class StrategyPlacement:
    strategy: str
    odds_source: str
    prospects: int
    bets: list[BetRecord]
    bankroll: Decimal
    available: Decimal


@dataclass
class PlacementSummary:
    """What ``plpred bet`` did: per strategy, the matches it looked at and the bets it placed."""

    run_id: str
    placed_at: datetime
    model: ModelRef | None
    strategies: list[StrategyPlacement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    match_labels: dict[str, str] = field(default_factory=dict)

    @property
    def bets(self) -> list[BetRecord]:
        return [bet for s in self.strategies for bet in s.bets]


def _resolve_champion(settings: Settings, model_version: str | None) -> ModelRef | None:
    """The registered champion of the league (MLflow alias), or the version asked for."""
    from ml.modeling.registry import get_alias, model_name, versions

    name = model_name(settings.league)
    if model_version is not None:
        # A version is known when the ledger holds its predictions (what the bets use), or,
        # failing that, when the registry has it.
        with connect(settings) as conn:
            apply_ddl(conn)
            predicted = {str(row[0]) for row in conn.fetchall(_PREDICTED_VERSIONS_SQL, [name])}
        if str(model_version) in predicted:
            return ModelRef(name, version=str(model_version))
        known = sorted({*predicted, *(v.version for v in versions(settings))}, key=int)
        if str(model_version) not in known:
            raise BettingError(
                f"{name} has no version {model_version}; versions: "
                f"{', '.join(known) or 'none yet (plpred train registers the first)'}"
            )
        return ModelRef(name, version=str(model_version))
    champion = get_alias(settings)
    return None if champion is None else ModelRef(champion.name, version=champion.version)


def place_bets(
    settings: Settings,
    *,
    strategies: Sequence[str] | None = None,
    console: Console | None = None,
    model_version: str | None = None,
    as_of: datetime | None = None,
    config: BettingConfig | None = None,
) -> PlacementSummary:
    """Bet on upcoming matches with the champion's predictions (``ml.predictions``).

    Each selected strategy looks at the matches of ``settings.league`` that have a prediction
    of the champion (or of ``model_version``), a pre-match price at its odds source, a
    kickoff after now, and no bet of its own yet; it places at most one bet per
    match, in kickoff order, staking from its live bankroll in the league (each league has its
    own, :func:`~ml.betting.warehouse.load_books`). ``as_of`` is the moment the
    bets are placed (aware in any zone, or naive UTC; default: now): a match that kicked off
    at or before it gets no bet.
    """
    console = console or Console(stderr=True)
    config = config or load_config()
    selected = config.select(strategies)
    placed_at = resolve_as_of(as_of)
    run_id = f"bet-{uuid.uuid4().hex[:12]}"
    model = _resolve_champion(settings, model_version)
    summary = PlacementSummary(run_id=run_id, placed_at=placed_at, model=model)
    if model is None:
        summary.notes.append(
            f"no champion model for {settings.league} yet: train one (plpred train), "
            "score the upcoming matches, then bet"
        )
        render_placement(summary, console)
        return summary

    with connect(settings) as conn:
        apply_ddl(conn)
        require_marts(conn, PRICES)
        with conn.transaction():
            lock(conn)
            record_strategy_versions(conn, selected, placed_at)
            books = load_books(conn)
            for strategy in selected:
                # the league's own live bankroll: other leagues' bets never size its stakes
                book = book_state(
                    books, LIVE_BOOK, strategy.name, settings.league, strategy.bankroll
                )
                frame = conn.query_df(
                    _LIVE_PROSPECTS_SQL,
                    [
                        model.name,
                        model.version,
                        settings.league,
                        strategy.odds_source,
                        placed_at,
                        LIVE_BOOK,
                        strategy.name,
                    ],
                )
                placement = StrategyPlacement(
                    strategy.name,
                    strategy.odds_source,
                    len(frame),
                    [],
                    book.bankroll,
                    book.available,
                )
                for row in frame.itertuples(index=False):
                    summary.match_labels[row.match_id] = f"{row.home_team} v {row.away_team}"
                    bet = strike(
                        strategy,
                        book,
                        prospect(row, row.prediction_id),
                        placed_at=placed_at,
                        mode="live",
                        run_id=run_id,
                        model=model,
                    )
                    if bet is not None:
                        placement.bets.append(bet)
                write(conn, placement.bets, [])
                summary.strategies.append(placement)
    if not any(s.prospects for s in summary.strategies):
        summary.notes.append(
            f"no upcoming {settings.league} match has a prediction of {model.name} "
            f"v{model.version} and a pre-match price: ingest the fixtures, transform, then "
            "plpred score"
        )
    render_placement(summary, console)
    return summary
