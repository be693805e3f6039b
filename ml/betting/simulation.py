"""Striking bets and replaying a strategy through past matches, as pure functions.

:func:`strike` is the one place a :class:`~ml.betting.strategies.Decision` becomes a bet row; the
live ledger and the backtest both call it, with the same bankroll bookkeeping
(:class:`~ml.betting.settlement.BookState`).

:func:`simulate` is the backtest of one strategy: events in time order, each bet placed
``lead`` before its match's kickoff with the bankroll of the bets settled by then, each
settled ``results_delay`` after kickoff (or, with no result, when the void rule fires). Several
matches at the same time see the same bankroll and share the cash not yet staked.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ml.betting.records import PRE_MATCH, BetRecord, SettlementRecord, bet_id
from ml.betting.settlement import BookState, MatchResult, judge
from ml.betting.strategies import Strategy, decide


@dataclass(frozen=True)
class Prospect:
    """One match a strategy may bet on: the model's probabilities and the source's prices.

    ``kickoff_at`` and ``prices_loaded_at`` are UTC, naive, like every time the betting code
    compares (``placed_at``, settlement times).
    """

    match_id: str
    league: str
    season: str
    kickoff_at: datetime
    probabilities: Mapping[str, float]
    prices: Mapping[str, float | None]
    prices_loaded_at: datetime | None
    prediction_ref: str


@dataclass(frozen=True)
class ModelRef:
    """Which predictions a bet relied on: a registered version (live) or a walk-forward variant."""

    name: str
    version: str | None = None
    variant: str | None = None


def strike(
    strategy: Strategy,
    book: BookState,
    prospect: Prospect,
    *,
    placed_at: datetime,
    mode: str,
    run_id: str,
    model: ModelRef,
) -> BetRecord | None:
    """The bet ``strategy`` places on ``prospect`` now, or None; the stake is reserved in ``book``.

    Refuses (returns None) at or after kickoff: a bet is only ever struck before the match.
    """
    if placed_at >= prospect.kickoff_at:
        return None
    decision = decide(
        strategy,
        prospect.probabilities,
        prospect.prices,
        bankroll=book.bankroll,
        available=book.available,
    )
    if decision is None:
        return None
    book.place(decision.stake)
    return BetRecord(
        bet_id=bet_id(book.book_id, strategy.name, prospect.match_id),
        book_id=book.book_id,
        mode=mode,
        run_id=run_id,
        strategy=strategy.name,
        strategy_version=strategy.version,
        league=prospect.league,
        season=prospect.season,
        match_id=prospect.match_id,
        kickoff_at=prospect.kickoff_at,
        selection=decision.selection,
        odds_taken=decision.odds,
        odds_source=strategy.odds_source,
        odds_period=PRE_MATCH,
        odds_loaded_at=prospect.prices_loaded_at,
        stake=decision.stake,
        bankroll_start=book.bankroll_start,
        bankroll_at_placement=book.bankroll,
        p_model=decision.p_model,
        p_implied=decision.p_implied,
        edge=decision.edge,
        model_name=model.name,
        model_version=model.version,
        model_variant=model.variant,
        prediction_ref=prospect.prediction_ref,
        placed_at=placed_at,
    )


@dataclass
class Simulation:
    """What a backtest of one strategy produced, and its book at the end."""

    book: BookState
    bets: list[BetRecord] = field(default_factory=list)
    settlements: list[SettlementRecord] = field(default_factory=list)


def simulate(
    strategy: Strategy,
    prospects: Iterable[Prospect],
    results: Mapping[str, MatchResult],
    *,
    book_id: str,
    run_id: str,
    model: ModelRef,
    lead: timedelta,
    results_delay: timedelta,
    void_after: timedelta,
) -> Simulation:
    """Replay ``prospects`` through ``strategy`` in time order, placing and settling bets."""
    book = BookState.new(book_id, strategy.name, strategy.bankroll)
    sim = Simulation(book)
    ordered = sorted(prospects, key=lambda p: (p.kickoff_at, p.match_id))
    pending: list[tuple[datetime, int, BetRecord]] = []

    def settle_until(moment: datetime | None) -> None:
        while pending and (moment is None or pending[0][0] <= moment):
            settle_at, _, bet = heapq.heappop(pending)
            match = results.get(bet.match_id)
            verdict = judge(
                selection=bet.selection,
                placed_at=bet.placed_at,
                kickoff_at=bet.kickoff_at,
                match=match,
                as_of=settle_at,
                void_after=void_after,
            )
            if verdict is None:  # unreachable: settle_at is chosen so that a verdict exists
                continue
            sim.settlements += book.settle(
                bet, verdict, previous=None, match=match, run_id=run_id, settled_at=settle_at
            )

    for prospect in ordered:
        placed_at = prospect.kickoff_at - lead
        settle_until(placed_at)
        bet = strike(
            strategy,
            book,
            prospect,
            placed_at=placed_at,
            mode="backtest",
            run_id=run_id,
            model=model,
        )
        if bet is None:
            continue
        sim.bets.append(bet)
        match = results.get(bet.match_id)
        played = match is not None and match.result is not None
        settle_at = (
            max(match.kickoff_at, bet.kickoff_at) + results_delay  # type: ignore[union-attr]
            if played
            else bet.kickoff_at + void_after
        )
        heapq.heappush(pending, (settle_at, len(sim.bets), bet))
    settle_until(None)
    return sim
