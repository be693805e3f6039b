"""Strategy rules on hand-made probabilities and prices: thresholds, stakes, caps, rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ml.betting.strategies import (
    STRATEGIES_PATH,
    Strategy,
    choose_selection,
    decide,
    floor_cents,
    kelly_fraction,
    load_config,
    parse_config,
    round_cents,
)
from ml.config import ConfigError

D = Decimal


def _strategy(rule: str, **params: float) -> Strategy:
    defaults = {
        "seed": {"min_probability": 0.6, "min_margin": 0.1, "stake_fraction": 0.05},
        "value": {"min_edge": 0.05, "stake_fraction": 0.02},
        "kelly": {"min_edge": 0.02, "kelly_fraction": 0.25, "max_stake_fraction": 0.05},
        "flat": {"min_edge": 0.03, "stake": 10.0},
    }[rule]
    return Strategy(
        name=rule,
        rule=rule,
        odds_source="Avg",
        bankroll=D("1000"),
        min_stake=D("1"),
        params={**defaults, **params},
    )


def _p(home: float, draw: float, away: float) -> dict[str, float]:
    return {"home": home, "draw": draw, "away": away}


def _decide(strategy: Strategy, p, prices, bankroll="1000", available=None):
    return decide(
        strategy,
        p,
        prices,
        bankroll=D(bankroll),
        available=D(available if available is not None else bankroll),
    )


# --- the configuration file ------------------------------------------------------------------


def test_repository_file_defines_the_four_strategies_of_the_issue() -> None:
    config = load_config(STRATEGIES_PATH)
    assert list(config.strategies) == ["seed", "value", "kelly", "flat"]
    seed = config.strategies["seed"]
    assert seed.rule == "seed"
    assert seed.bankroll == D("1000")
    assert dict(seed.params) == {"min_probability": 0.6, "min_margin": 0.1, "stake_fraction": 0.05}
    assert {s.rule for s in config.strategies.values()} == {"seed", "value", "kelly", "flat"}
    assert config.void_after.days == 3
    assert config.backtest_lead.total_seconds() == 24 * 3600


def test_strategies_are_selected_by_name_in_the_order_given() -> None:
    config = load_config()
    assert [s.name for s in config.select(["kelly", "seed", "kelly"])] == ["kelly", "seed"]
    assert [s.name for s in config.select(None)] == ["seed", "value", "kelly", "flat"]
    with pytest.raises(ConfigError, match="unknown strategy nope.*defines seed"):
        config.select(["nope"])


def test_version_changes_with_any_parameter_and_only_then() -> None:
    base = _strategy("value")
    assert base.version == _strategy("value").version
    assert base.version != _strategy("value", min_edge=0.06).version
    other_source = Strategy(
        name="value",
        rule="value",
        odds_source="B365",
        bankroll=D("1000"),
        min_stake=D("1"),
        params=dict(base.params),
    )
    assert other_source.version != base.version


def test_defaults_apply_and_strategies_override_them() -> None:
    config = parse_config(
        {
            "defaults": {"bankroll": 500, "min_stake": 2},
            "strategies": {
                "a": {"rule": "flat", "odds_source": "B365", "min_edge": 0.0, "stake": 5},
                "b": {
                    "rule": "flat",
                    "odds_source": "Max",
                    "min_edge": 0.0,
                    "stake": 5,
                    "bankroll": 50,
                },
            },
        }
    )
    assert config.strategies["a"].bankroll == D("500")
    assert config.strategies["a"].min_stake == D("2")
    assert config.strategies["b"].bankroll == D("50")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"rule": "martingale", "odds_source": "Avg"}, "rule must be one of"),
        ({"rule": "value", "odds_source": "Avg", "min_edge": 0.05}, "missing stake_fraction"),
        (
            {
                "rule": "flat",
                "odds_source": "Avg",
                "min_edge": 0,
                "stake": 5,
                "stake_fraction": 0.1,
            },
            "unknown setting",
        ),
        (
            {"rule": "value", "odds_source": "Avg", "min_edge": 0.05, "stake_fraction": 1.5},
            r"\(0, 1\]",
        ),
        (
            {"rule": "flat", "odds_source": "Avg", "min_edge": 0, "stake": -1},
            "stake must be positive",
        ),
        ({"rule": "flat", "min_edge": 0, "stake": 5}, "odds_source is required"),
        (
            {"rule": "flat", "odds_source": "Avg", "min_edge": "high", "stake": 5},
            "must be a number",
        ),
    ],
)
def test_bad_settings_are_refused_naming_the_strategy(table: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"strategies": {"mine": table}})


def test_a_file_without_strategies_is_refused() -> None:
    with pytest.raises(ConfigError, match="no \\[strategies"):
        parse_config({"defaults": {"bankroll": 1000}})


# --- rounding ---------------------------------------------------------------------------------


def test_stakes_round_down_and_winnings_round_half_up() -> None:
    assert floor_cents(D("49.875")) == D("49.87")
    assert floor_cents(D("20.999")) == D("20.99")
    assert round_cents(D("0.125")) == D("0.13")  # half up, not to even
    assert round_cents(D("37.981")) == D("37.98")


# --- seed -------------------------------------------------------------------------------------


def test_seed_backs_the_favourite_when_likely_and_clear_of_the_price() -> None:
    bet = _decide(_strategy("seed"), _p(0.65, 0.20, 0.15), _p(2.0, 3.6, 5.0))
    assert bet is not None
    assert (bet.selection, bet.odds, bet.stake) == ("home", 2.0, D("50.00"))
    assert bet.p_implied == pytest.approx(0.5)
    assert bet.edge == pytest.approx(0.3)


def test_seed_thresholds_are_inclusive() -> None:
    # p = 0.6 exactly; 0.6 - 1/2.0 = 0.1 exactly (0.09999999999999998 in floats)
    bet = _decide(_strategy("seed"), _p(0.6, 0.25, 0.15), _p(2.0, 3.6, 5.0))
    assert bet is not None and bet.selection == "home"


@pytest.mark.parametrize(
    ("p", "prices"),
    [
        (_p(0.59, 0.25, 0.16), _p(2.5, 3.6, 5.0)),  # favourite below 60%
        (_p(0.65, 0.20, 0.15), _p(1.6, 3.6, 5.0)),  # 0.65 - 0.625 < 0.1
        (_p(0.62, 0.30, 0.08), _p(1.7, 5.0, 9.0)),  # the draw's edge is huge, but not the top pick
        (_p(0.65, 0.20, 0.15), {"home": None, "draw": 3.6, "away": 5.0}),  # no price
    ],
)
def test_seed_declines(p, prices) -> None:
    assert _decide(_strategy("seed"), p, prices) is None


def test_seed_stakes_five_percent_of_the_current_bankroll() -> None:
    bet = _decide(_strategy("seed"), _p(0.7, 0.2, 0.1), _p(1.8, 3.8, 6.0), bankroll="997.50")
    assert bet is not None and bet.stake == D("49.87")  # 49.875 rounded down


# --- value ------------------------------------------------------------------------------------


def test_value_takes_the_best_edge_above_the_threshold() -> None:
    bet = _decide(_strategy("value"), _p(0.45, 0.30, 0.25), _p(2.4, 3.6, 4.5))
    # edges: 0.08, 0.08, 0.125
    assert bet is not None
    assert (bet.selection, bet.stake) == ("away", D("20.00"))
    assert bet.edge == pytest.approx(0.125)


def test_value_declines_below_the_edge_threshold() -> None:
    assert _decide(_strategy("value"), _p(0.5, 0.3, 0.2), _p(2.08, 3.2, 4.0)) is None  # 0.04


def test_value_edge_ties_go_to_the_first_selection() -> None:
    assert choose_selection(_strategy("value"), _p(0.4, 0.4, 0.2), _p(3.0, 3.0, 2.0)) == "home"


# --- kelly ------------------------------------------------------------------------------------


def test_kelly_fraction_formula() -> None:
    assert kelly_fraction(0.5, 2.2) == pytest.approx(0.1 / 1.2)
    assert kelly_fraction(0.4, 2.0) == 0.0


def test_fractional_kelly_stake() -> None:
    bet = _decide(_strategy("kelly"), _p(0.5, 0.3, 0.2), _p(2.2, 3.2, 4.0))
    # full Kelly 0.1 / 1.2 = 0.08333; a quarter is 0.020833 of 1000 = 20.833 -> 20.83
    assert bet is not None and (bet.selection, bet.stake) == ("home", D("20.83"))


def test_kelly_is_capped_per_bet() -> None:
    bet = _decide(_strategy("kelly"), _p(0.6, 0.25, 0.15), _p(3.0, 3.2, 4.0))
    # full Kelly 0.8 / 2 = 0.4, a quarter 0.1 > cap 0.05
    assert bet is not None and bet.stake == D("50.00")


def test_kelly_stake_is_exact_in_decimals() -> None:
    # 997.50 * 0.25 * 0.16 / 1.9 is exactly 21; binary floats would give 20.99999...
    bet = _decide(_strategy("kelly"), _p(0.3, 0.3, 0.4), _p(3.5, 3.4, 2.9), bankroll="997.50")
    assert bet is not None and (bet.selection, bet.stake) == ("away", D("21.00"))


def test_kelly_never_bets_without_an_edge_even_with_a_negative_threshold() -> None:
    strategy = _strategy("kelly", min_edge=-0.5)
    assert _decide(strategy, _p(0.4, 0.3, 0.3), _p(2.4, 3.2, 3.2)) is None


# --- flat -------------------------------------------------------------------------------------


def test_flat_stakes_a_fixed_amount_on_value() -> None:
    bet = _decide(_strategy("flat"), _p(0.5, 0.3, 0.2), _p(2.2, 3.2, 4.0), bankroll="12345.67")
    assert bet is not None and bet.stake == D("10.00")
    assert _decide(_strategy("flat"), _p(0.5, 0.3, 0.2), _p(2.05, 3.2, 4.0)) is None  # 0.025


# --- money limits -----------------------------------------------------------------------------


def test_stake_never_exceeds_the_cash_not_already_staked() -> None:
    bet = _decide(_strategy("flat"), _p(0.5, 0.3, 0.2), _p(2.2, 3.2, 4.0), available="7.509")
    assert bet is not None and bet.stake == D("7.50")


def test_no_bet_below_the_minimum_stake_or_when_broke() -> None:
    flat = _strategy("flat")
    assert _decide(flat, _p(0.5, 0.3, 0.2), _p(2.2, 3.2, 4.0), available="0.99") is None
    assert _decide(flat, _p(0.5, 0.3, 0.2), _p(2.2, 3.2, 4.0), bankroll="0") is None
    value = _strategy("value")  # 2% of 40 = 0.80 < 1.00
    assert _decide(value, _p(0.5, 0.3, 0.2), _p(2.2, 3.2, 4.0), bankroll="40") is None


def test_odds_of_one_or_less_and_missing_prices_are_ignored() -> None:
    prices = {"home": 1.0, "draw": float("nan"), "away": 4.0}
    bet = _decide(_strategy("value"), _p(0.5, 0.3, 0.3), prices)
    assert bet is not None and bet.selection == "away"
    assert _decide(_strategy("value"), _p(0.5, 0.3, 0.2), {}) is None
