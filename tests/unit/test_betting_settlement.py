"""Settlement rules, profit, closing line value and bankroll bookkeeping on hand-made bets."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from ml.betting.records import BetRecord
from ml.betting.settlement import (
    BookState,
    Effective,
    MatchResult,
    closing_line_value,
    judge,
    profit,
)

D = Decimal
KICKOFF = datetime(2026, 3, 7, 15, 0)
PLACED = KICKOFF - timedelta(hours=24)
THREE_DAYS = timedelta(days=3)


def _match(result: str | None = "H", kickoff: datetime = KICKOFF, **closing) -> MatchResult:
    goals = {"H": (2, 1), "D": (1, 1), "A": (0, 1), None: (None, None)}[result]
    return MatchResult("m1", kickoff, result, *goals, closing=closing)


def _judge(selection="home", match=None, as_of=KICKOFF + timedelta(hours=2)):
    return judge(
        selection=selection,
        placed_at=PLACED,
        kickoff_at=KICKOFF,
        match=match,
        as_of=as_of,
        void_after=THREE_DAYS,
    )


def _bet(stake="20.00", odds=2.5, selection="home") -> BetRecord:
    return BetRecord(
        bet_id="b1",
        book_id="live",
        mode="live",
        run_id="r",
        strategy="value",
        strategy_version="v",
        league="E0",
        season="2025-26",
        match_id="m1",
        kickoff_at=KICKOFF,
        selection=selection,
        odds_taken=odds,
        odds_source="B365",
        odds_period="pre_match",
        odds_loaded_at=None,
        stake=D(stake),
        bankroll_start=D("1000"),
        bankroll_at_placement=D("1000"),
        p_model=0.5,
        p_implied=1 / odds,
        edge=0.5 * odds - 1,
        model_name="plpred-E0",
        model_version="1",
        model_variant=None,
        prediction_ref="p1",
        placed_at=PLACED,
    )


# --- judge ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selection", "result", "outcome"),
    [("home", "H", "win"), ("home", "D", "loss"), ("draw", "D", "win"), ("away", "H", "loss")],
)
def test_win_and_loss_follow_the_result(selection: str, result: str, outcome: str) -> None:
    verdict = _judge(selection, _match(result))
    assert verdict is not None
    assert (verdict.outcome, verdict.result) == (outcome, result)


def test_no_result_waits_then_is_void_after_three_days() -> None:
    assert _judge(match=None, as_of=KICKOFF + timedelta(days=2, hours=23)) is None
    assert _judge(match=_match(None), as_of=KICKOFF + timedelta(days=2)) is None
    void = _judge(match=None, as_of=KICKOFF + THREE_DAYS)
    assert void is not None and void.outcome == "void" and "no result 3 days" in void.reason


def test_a_match_played_late_is_void_and_one_played_a_day_late_is_not() -> None:
    late = _judge(
        match=_match("H", KICKOFF + timedelta(days=20)), as_of=KICKOFF + timedelta(days=21)
    )
    assert late is not None and late.outcome == "void" and "more than 3 days" in late.reason
    moved = _judge(
        match=_match("H", KICKOFF + timedelta(days=1)), as_of=KICKOFF + timedelta(days=2)
    )
    assert moved is not None and moved.outcome == "win"


def test_a_match_that_kicked_off_before_the_bet_is_void() -> None:
    early = _judge(match=_match("H", PLACED - timedelta(hours=1)))
    assert early is not None and early.outcome == "void" and "before the bet" in early.reason


def test_times_are_utc_and_reasons_show_them_in_uk_time() -> None:
    """Sunday 29 March 2026, 14:00 BST is 13:00 UTC: a bet placed at 13:30 UTC on a match
    brought forward to that kickoff is void, and the reason reads the UK kickoff."""
    sunday = datetime(2026, 3, 29, 13, 0)  # stored kickoff_at: UTC
    verdict = judge(
        selection="home",
        placed_at=datetime(2026, 3, 29, 13, 30),
        kickoff_at=sunday + timedelta(hours=2),
        match=_match("H", sunday),
        as_of=sunday + timedelta(hours=3),
        void_after=THREE_DAYS,
    )
    assert verdict is not None and verdict.outcome == "void"
    assert "kicked off 2026-03-29 14:00 UK" in verdict.reason


def test_as_of_is_taken_as_utc_or_converted_from_its_zone() -> None:
    from datetime import UTC

    from ml.betting.warehouse import fmt_uk, resolve_as_of
    from ml.clock import UK

    utc = datetime(2026, 3, 29, 13, 30)
    assert resolve_as_of(utc) == utc  # naive means UTC
    assert resolve_as_of(utc.replace(tzinfo=UTC)) == utc
    assert resolve_as_of(datetime(2026, 3, 29, 14, 30, tzinfo=UK)) == utc
    assert resolve_as_of(datetime(2026, 3, 28, 15, 0, tzinfo=UK)) == datetime(2026, 3, 28, 15)
    now = resolve_as_of(None)
    assert now.tzinfo is None and abs(datetime.now(UTC).replace(tzinfo=None) - now) < timedelta(
        minutes=1
    )
    assert fmt_uk(datetime(2026, 3, 29, 13, 0)) == "2026-03-29 14:00 UK"


# --- money ------------------------------------------------------------------------------------


def test_profit_of_win_loss_void() -> None:
    assert profit("win", D("19.99"), 2.9) == D("37.98")  # 37.981
    assert profit("win", D("2.50"), 1.05) == D("0.13")  # 0.125, half up
    assert profit("loss", D("19.99"), 2.9) == D("-19.99")
    assert profit("void", D("19.99"), 2.9) == D("0.00")


def test_closing_line_value_prefers_pinnacle_then_the_market_average() -> None:
    both = _match("H", PS={"home": 2.0, "draw": 3.5, "away": 4.0}, Avg={"home": 2.1})
    assert closing_line_value("home", 2.2, both) == pytest.approx((2.0, "PS", 0.1))
    only_avg = _match("H", PS={"home": None}, Avg={"home": 2.1})
    closing, source, clv = closing_line_value("home", 2.2, only_avg)
    assert (closing, source) == (2.1, "Avg") and clv == pytest.approx(2.2 / 2.1 - 1)
    assert closing_line_value("home", 2.2, _match("H")) == (None, None, None)
    assert closing_line_value("home", 2.2, None) == (None, None, None)


# --- the book ---------------------------------------------------------------------------------


def test_first_settlement_moves_the_bankroll_and_frees_the_stake() -> None:
    book = BookState.new("live", "value", D("1000"))
    bet = _bet()
    book.place(bet.stake)
    assert book.available == D("980.00")
    rows = book.settle(
        bet,
        _judge(match=_match("H")),
        previous=None,
        match=_match("H", PS={"home": 2.4}),
        run_id="s1",
        settled_at=KICKOFF + timedelta(hours=2),
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row.kind, row.outcome, row.revision, row.seq) == ("settlement", "win", 1, 1)
    assert (row.profit, row.bankroll_after) == (D("30.00"), D("1030.00"))
    assert row.clv == pytest.approx(2.5 / 2.4 - 1) and row.closing_source == "PS"
    assert book.open_stakes == 0 and book.available == D("1030.00")


def test_void_returns_the_stake_without_clv() -> None:
    book = BookState.new("live", "value", D("1000"))
    bet = _bet()
    book.place(bet.stake)
    void = _judge(match=None, as_of=KICKOFF + THREE_DAYS)
    (row,) = book.settle(bet, void, previous=None, match=None, run_id="s", settled_at=KICKOFF)
    assert (row.outcome, row.profit, row.bankroll_after, row.clv) == ("void", 0, D("1000"), None)


def test_same_verdict_again_writes_nothing() -> None:
    book = BookState.new("live", "value", D("1030.00"))
    previous = Effective("s-1", 1, "win", "H", D("30.00"))
    assert (
        book.settle(
            _bet(),
            _judge(match=_match("H")),
            previous=previous,
            match=None,
            run_id="s",
            settled_at=KICKOFF,
        )
        == []
    )
    assert book.seq == 0


def test_a_corrected_result_reverses_then_resettles() -> None:
    # The bet won 30.00 (bankroll 1030.00); the result is corrected from H to D.
    book = BookState("live", "value", D("1000"), D("1030.00"), seq=1)
    previous = Effective("s-1", 1, "win", "H", D("30.00"))
    reversal, resettled = book.settle(
        _bet(),
        _judge(match=_match("D")),
        previous=previous,
        match=_match("D"),
        run_id="s2",
        settled_at=KICKOFF + timedelta(days=1),
    )
    assert (reversal.kind, reversal.outcome, reversal.revision, reversal.seq) == (
        "reversal",
        "win",
        1,
        2,
    )
    assert (reversal.profit, reversal.bankroll_after, reversal.supersedes) == (
        D("-30.00"),
        D("1000.00"),
        "s-1",
    )
    assert (resettled.kind, resettled.outcome, resettled.revision, resettled.seq) == (
        "settlement",
        "loss",
        2,
        3,
    )
    assert (resettled.profit, resettled.bankroll_after, resettled.supersedes) == (
        D("-20.00"),
        D("980.00"),
        "s-1",
    )
    assert reversal.settlement_id != resettled.settlement_id
    assert book.bankroll == D("980.00")


def test_a_void_that_was_played_in_time_after_all_is_resettled() -> None:
    book = BookState("live", "value", D("1000"), D("1000"), seq=1)
    previous = Effective("s-1", 1, "void", None, D("0"))
    rows = book.settle(
        replace(_bet(), selection="away"),
        _judge("away", _match("A")),
        previous=previous,
        match=_match("A"),
        run_id="s2",
        settled_at=KICKOFF + timedelta(days=4),
    )
    assert [(r.kind, r.outcome, r.profit) for r in rows] == [
        ("reversal", "void", D("0")),
        ("settlement", "win", D("30.00")),
    ]
    assert book.bankroll == D("1030.00")


def test_a_result_dated_after_the_clock_settles_nothing() -> None:
    """Issue 11, F4: a result whose kickoff lies after the clock cannot be known at it; the
    bet waits (and voids only by the three-day rule on its scheduled kickoff)."""
    future = _match("H", KICKOFF + timedelta(days=1))
    assert _judge(match=future, as_of=KICKOFF + timedelta(hours=2)) is None
    assert _judge(match=_match("H"), as_of=KICKOFF - timedelta(minutes=1)) is None
    assert _judge(match=_match("H"), as_of=KICKOFF + timedelta(hours=2)).outcome == "win"
