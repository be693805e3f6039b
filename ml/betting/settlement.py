"""Settling bets as pure functions: win, loss or void, profit, closing line value, bankroll.

:func:`judge` decides what a bet's match means for it; :class:`BookState` keeps one
(book, strategy, league) ledger's running bankroll and turns verdicts into settlement rows, including
the reversal and re-settlement of a bet whose result was corrected. The live ledger
(:mod:`ml.betting.settle`) and the backtest simulation use the same code, so a backtest's
bankroll evolves exactly as a live one would.

Void rule: a bet is void when its match has no result ``void_after`` after the kickoff the bet
was placed on, when the match was played more than ``void_after`` after it (postponed, then
rescheduled), or when the match kicked off before the bet was placed (brought forward). A void
bet returns its stake. Because the verdict is computed from the data each time, a match voided
for want of a result that later turns out to have been played on time is re-settled.

Times are UTC, naive (the stored convention, :mod:`ml.clock`); reasons show them in UK time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from ml.betting.records import BetRecord, SettlementRecord, settlement_id
from ml.betting.strategies import round_cents, to_decimal
from ml.clock import uk_local

RESULT_OF_SELECTION = {"home": "H", "draw": "D", "away": "A"}
WIN, LOSS, VOID = "win", "loss", "void"
SETTLEMENT, REVERSAL = "settlement", "reversal"
PINNACLE, MARKET_AVERAGE = "PS", "Avg"


@dataclass(frozen=True)
class MatchResult:
    """What the warehouse knows about a match when settling: its result and closing prices.

    ``result`` is ``H``/``D``/``A`` or None while unplayed. ``closing`` maps a closing source
    (``PS``, ``Avg``) to its prices by selection.
    """

    match_id: str
    kickoff_at: datetime
    result: str | None
    home_goals: int | None = None
    away_goals: int | None = None
    closing: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    outcome: str
    result: str | None
    home_goals: int | None
    away_goals: int | None
    reason: str


def judge(
    *,
    selection: str,
    placed_at: datetime,
    kickoff_at: datetime,
    match: MatchResult | None,
    as_of: datetime,
    void_after: timedelta,
) -> Verdict | None:
    """The verdict on a bet, or None while it must wait (no result yet, still in time).

    ``kickoff_at`` is the kickoff the bet was placed on; ``match`` is the match as the
    warehouse has it now (None when it is not there at all).
    """
    days = f"{void_after / timedelta(days=1):g} days"
    if match is not None and match.result is not None and match.kickoff_at >= as_of:
        # A result for a match that has not kicked off by the clock cannot have been known
        # (a row dated in the future, or a settlement at an earlier clock): no result yet.
        match = None
    if match is not None and match.result is not None:
        if match.kickoff_at <= placed_at:
            return Verdict(
                VOID,
                None,
                None,
                None,
                f"kicked off {uk_local(match.kickoff_at):%Y-%m-%d %H:%M} UK, before the bet "
                "was placed",
            )
        if match.kickoff_at - kickoff_at > void_after:
            return Verdict(
                VOID,
                None,
                None,
                None,
                f"played {uk_local(match.kickoff_at):%Y-%m-%d}, more than {days} after the "
                f"scheduled {uk_local(kickoff_at):%Y-%m-%d}",
            )
        outcome = WIN if RESULT_OF_SELECTION[selection] == match.result else LOSS
        score = (
            f" {match.home_goals}-{match.away_goals}"
            if match.home_goals is not None and match.away_goals is not None
            else ""
        )
        return Verdict(
            outcome,
            match.result,
            match.home_goals,
            match.away_goals,
            f"result {match.result}{score}",
        )
    if as_of - kickoff_at >= void_after:
        return Verdict(VOID, None, None, None, f"no result {days} after the scheduled kickoff")
    return None


def profit(outcome: str, stake: Decimal, odds: float) -> Decimal:
    """Win: stake * (odds - 1) rounded half up to the cent; loss: -stake; void: 0."""
    if outcome == WIN:
        return round_cents(stake * (to_decimal(odds) - 1))
    if outcome == LOSS:
        return -stake
    return Decimal("0.00")


def closing_line_value(
    selection: str, odds_taken: float, match: MatchResult | None
) -> tuple[float | None, str | None, float | None]:
    """(closing price, its source, odds taken / closing price - 1) for the same selection.

    Pinnacle's closing price when there is one (the sharpest book), else the market average's;
    (None, None, None) when neither exists. A positive CLV means the bet beat the market's
    final word, the best available sign of skill on a small sample.
    """
    if match is None:
        return None, None, None
    for source in (PINNACLE, MARKET_AVERAGE):
        price = (match.closing.get(source) or {}).get(selection)
        if price is not None and price == price and price > 1.0:
            return float(price), source, odds_taken / float(price) - 1.0
    return None, None, None


@dataclass(frozen=True)
class Effective:
    """A bet's effective settlement: its latest settlement row (never reversed afterwards)."""

    settlement_id: str
    revision: int
    outcome: str
    result: str | None
    profit: Decimal


@dataclass
class BookState:
    """The running state of one (book, strategy, league) ledger: a bettor's book in one league.

    ``bankroll`` counts settled bets only (it is what stakes are a share of); ``open_stakes``
    is the money on bets not settled yet; ``seq`` is the last settlement row's position in the
    (book, strategy), whose leagues share the sequence (the live book holds every league; a
    backtest one).
    """

    book_id: str
    strategy: str
    bankroll_start: Decimal
    bankroll: Decimal
    seq: int = 0
    open_stakes: Decimal = Decimal("0.00")

    @classmethod
    def new(cls, book_id: str, strategy: str, bankroll_start: Decimal) -> BookState:
        return cls(book_id, strategy, bankroll_start, bankroll_start)

    @property
    def available(self) -> Decimal:
        """Cash not staked on open bets: the most a new bet may stake."""
        return self.bankroll - self.open_stakes

    def place(self, stake: Decimal) -> None:
        self.open_stakes += stake

    def _row(
        self,
        bet: BetRecord,
        *,
        kind: str,
        revision: int,
        outcome: str,
        result: str | None,
        home_goals: int | None,
        away_goals: int | None,
        amount: Decimal,
        closing: tuple[float | None, str | None, float | None],
        reason: str,
        supersedes: str | None,
        run_id: str,
        settled_at: datetime,
    ) -> SettlementRecord:
        self.seq += 1
        self.bankroll += amount
        closing_odds, closing_source, clv = closing
        return SettlementRecord(
            settlement_id=settlement_id(bet.bet_id, kind, revision),
            bet_id=bet.bet_id,
            book_id=self.book_id,
            strategy=self.strategy,
            seq=self.seq,
            revision=revision,
            kind=kind,
            outcome=outcome,
            result=result,
            home_goals=home_goals,
            away_goals=away_goals,
            stake=bet.stake,
            odds_taken=bet.odds_taken,
            profit=amount,
            bankroll_after=self.bankroll,
            closing_odds=closing_odds,
            closing_source=closing_source,
            clv=clv,
            reason=reason,
            supersedes=supersedes,
            run_id=run_id,
            settled_at=settled_at,
        )

    def settle(
        self,
        bet: BetRecord,
        verdict: Verdict,
        *,
        previous: Effective | None,
        match: MatchResult | None,
        run_id: str,
        settled_at: datetime,
    ) -> list[SettlementRecord]:
        """The rows that bring ``bet`` in line with ``verdict`` (none when it already is).

        First settlement: one row. A verdict that differs from the effective settlement (a
        corrected result, a void that turned out to be played): a reversal row undoing the
        previous settlement's profit, then a new settlement row, both with ``supersedes`` set
        to the settlement they replace. History is never rewritten.
        """
        if previous is not None and (previous.outcome, previous.result) == (
            verdict.outcome,
            verdict.result,
        ):
            return []
        clv = (
            closing_line_value(bet.selection, bet.odds_taken, match)
            if verdict.outcome != VOID
            else (None, None, None)
        )
        amount = profit(verdict.outcome, bet.stake, bet.odds_taken)
        if previous is None:
            self.open_stakes -= bet.stake
            return [
                self._row(
                    bet,
                    kind=SETTLEMENT,
                    revision=1,
                    outcome=verdict.outcome,
                    result=verdict.result,
                    home_goals=verdict.home_goals,
                    away_goals=verdict.away_goals,
                    amount=amount,
                    closing=clv,
                    reason=verdict.reason,
                    supersedes=None,
                    run_id=run_id,
                    settled_at=settled_at,
                )
            ]
        reversal = self._row(
            bet,
            kind=REVERSAL,
            revision=previous.revision,
            outcome=previous.outcome,
            result=previous.result,
            home_goals=None,
            away_goals=None,
            amount=-previous.profit,
            closing=(None, None, None),
            reason=f"reverses the {previous.outcome} on {previous.result or 'no result'}: "
            f"now {verdict.reason}",
            supersedes=previous.settlement_id,
            run_id=run_id,
            settled_at=settled_at,
        )
        resettled = self._row(
            bet,
            kind=SETTLEMENT,
            revision=previous.revision + 1,
            outcome=verdict.outcome,
            result=verdict.result,
            home_goals=verdict.home_goals,
            away_goals=verdict.away_goals,
            amount=amount,
            closing=clv,
            reason=f"re-settled: {verdict.reason}",
            supersedes=previous.settlement_id,
            run_id=run_id,
            settled_at=settled_at,
        )
        return [reversal, resettled]
