"""Each strategy's bankroll through four hand-made matches, computed by hand, and the timing
rules of the backtest: placement before kickoff, bankroll of settled bets only, shared cash."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from ml.betting.settlement import BookState, MatchResult
from ml.betting.simulation import ModelRef, Prospect, simulate, strike
from ml.betting.strategies import Strategy, load_config

D = Decimal
LEAD = timedelta(hours=24)
DELAY = timedelta(hours=2)
VOID_AFTER = timedelta(days=3)
DAY1 = datetime(2025, 8, 16, 15, 0)

# match id, kickoff, probabilities, prices (home, draw, away), result
MATCHES = [
    ("m1", DAY1, (0.65, 0.20, 0.15), (2.0, 3.6, 5.0), "H"),
    ("m2", DAY1 + timedelta(days=7), (0.70, 0.18, 0.12), (1.8, 3.8, 6.0), "A"),
    ("m3", DAY1 + timedelta(days=14), (0.30, 0.30, 0.40), (3.5, 3.4, 2.9), "A"),
    ("m4", DAY1 + timedelta(days=14), (0.62, 0.22, 0.16), (2.1, 3.5, 6.5), "D"),
]


def _prospects(matches=MATCHES) -> list[Prospect]:
    return [
        Prospect(
            match_id=match_id,
            league="E0",
            season="2025-26",
            kickoff_at=kickoff,
            probabilities=dict(zip(("home", "draw", "away"), p, strict=True)),
            prices=dict(zip(("home", "draw", "away"), prices, strict=True)),
            prices_loaded_at=None,
            prediction_ref="wf-run",
        )
        for match_id, kickoff, p, prices, _ in matches
    ]


def _results(matches=MATCHES) -> dict[str, MatchResult]:
    return {m[0]: MatchResult(m[0], m[1], m[4]) for m in matches}


def _run(strategy: Strategy, matches=MATCHES):
    return simulate(
        strategy,
        _prospects(matches),
        _results(matches),
        book_id="bt",
        run_id="bt",
        model=ModelRef("dixon_coles", variant="default"),
        lead=LEAD,
        results_delay=DELAY,
        void_after=VOID_AFTER,
    )


STRATEGIES = load_config().strategies

# Worked by hand from ml/strategies.toml (prices as given for every source):
#   seed  m1 home 50.00 @2.0 win +50.00 -> 1050.00; m2 home 5% of 1050 = 52.50 @1.8 lost
#         -> 997.50; m3 favourite 0.40 < 0.6, no bet; m4 home 0.62 vs 1/2.1: 5% of 997.50 =
#         49.875 -> 49.87, lost -> 947.63
#   value m1 home (edge .30) 20.00 win -> 1020.00; m2 home (.26) 20.40 lost -> 999.60;
#         m3 away (.16) 2% of 999.60 = 19.99, m4 home (.302) 19.99 placed at the same time
#         on the same settled bankroll; m3 wins 19.99 * 1.9 = 37.981 -> 37.98 -> 1037.58,
#         m4 lost -> 1017.59
#   kelly m1 quarter of .30 = .075 capped at 5%: 50.00 win -> 1050.00; m2 quarter of .325
#         capped: 52.50 lost -> 997.50; m3 quarter of .16/1.9 of 997.50 = 21.00 wins 39.90,
#         m4 quarter of .302/1.1 capped: 49.87 lost -> 1037.40 -> 987.53
#   flat  10 on each (edges .30, .26, .16, .302): +10, -10, +19.00, -10 -> 1009.00
EXPECTED = {
    "seed": [
        ("m1", "home", "50.00", "1050.00"),
        ("m2", "home", "52.50", "997.50"),
        ("m4", "home", "49.87", "947.63"),
    ],
    "value": [
        ("m1", "home", "20.00", "1020.00"),
        ("m2", "home", "20.40", "999.60"),
        ("m3", "away", "19.99", "1037.58"),
        ("m4", "home", "19.99", "1017.59"),
    ],
    "kelly": [
        ("m1", "home", "50.00", "1050.00"),
        ("m2", "home", "52.50", "997.50"),
        ("m3", "away", "21.00", "1037.40"),
        ("m4", "home", "49.87", "987.53"),
    ],
    "flat": [
        ("m1", "home", "10.00", "1010.00"),
        ("m2", "home", "10.00", "1000.00"),
        ("m3", "away", "10.00", "1019.00"),
        ("m4", "home", "10.00", "1009.00"),
    ],
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_strategy_bankroll_evolves_as_computed_by_hand(name: str) -> None:
    sim = _run(STRATEGIES[name])
    got = [
        (bet.match_id, bet.selection, str(bet.stake), str(settlement.bankroll_after))
        for bet, settlement in zip(sim.bets, sim.settlements, strict=True)
    ]
    assert got == EXPECTED[name]
    assert sim.book.bankroll == D(EXPECTED[name][-1][3])
    assert [s.seq for s in sim.settlements] == list(range(1, len(sim.settlements) + 1))
    assert sim.book.open_stakes == 0


def test_strategies_side_by_side_keep_their_own_bankrolls() -> None:
    finals = {name: _run(STRATEGIES[name]).book.bankroll for name in EXPECTED}
    assert finals == {name: D(rows[-1][3]) for name, rows in EXPECTED.items()}


def test_backtest_bets_are_placed_the_lead_before_kickoff_and_settled_after() -> None:
    sim = _run(STRATEGIES["value"])
    for bet in sim.bets:
        assert bet.placed_at == bet.kickoff_at - LEAD
        assert bet.placed_at < bet.kickoff_at
        assert (bet.mode, bet.odds_period, bet.model_variant) == (
            "backtest",
            "pre_match",
            "default",
        )
    for bet, settlement in zip(sim.bets, sim.settlements, strict=True):
        assert settlement.settled_at == bet.kickoff_at + DELAY
        assert settlement.settled_at > bet.placed_at


def test_stakes_use_the_bankroll_of_bets_settled_by_then() -> None:
    # m2 kicks off one hour after m1: it is placed before m1 is settled, so on 1000, not 1050.
    matches = [MATCHES[0], ("m2", DAY1 + timedelta(hours=1), *MATCHES[1][2:])]
    sim = _run(STRATEGIES["seed"], matches)
    assert [str(b.stake) for b in sim.bets] == ["50.00", "50.00"]
    assert [str(b.bankroll_at_placement) for b in sim.bets] == ["1000.00", "1000.00"]
    assert sim.book.bankroll == D("1000.00")  # +50.00 then -50.00


def test_simultaneous_bets_share_the_cash_not_yet_staked() -> None:
    big_flat = Strategy(
        name="big",
        rule="flat",
        odds_source="Avg",
        bankroll=D("1000"),
        min_stake=D("1"),
        params={"min_edge": 0.0, "stake": 600.0},
    )
    matches = [MATCHES[2], MATCHES[3], ("m5", MATCHES[2][1], (0.6, 0.2, 0.2), (2.0, 3.0, 5.0), "H")]
    sim = _run(big_flat, matches)
    # m3 600, m4 the remaining 400, m5 nothing left
    assert [(b.match_id, str(b.stake)) for b in sim.bets] == [("m3", "600.00"), ("m4", "400.00")]


def test_strike_refuses_at_or_after_kickoff() -> None:
    book = BookState.new("live", "flat", D("1000"))
    prospect = _prospects()[0]
    for placed_at in (prospect.kickoff_at, prospect.kickoff_at + timedelta(minutes=1)):
        bet = strike(
            STRATEGIES["flat"],
            book,
            prospect,
            placed_at=placed_at,
            mode="live",
            run_id="r",
            model=ModelRef("plpred-E0", version="1"),
        )
        assert bet is None
    assert book.open_stakes == 0


def test_a_match_without_result_is_void_in_a_backtest() -> None:
    matches = [("m9", DAY1, (0.65, 0.20, 0.15), (2.0, 3.6, 5.0), None)]
    sim = _run(STRATEGIES["flat"], matches)
    (settlement,) = sim.settlements
    assert (settlement.outcome, settlement.profit) == ("void", 0)
    assert settlement.settled_at == DAY1 + VOID_AFTER
