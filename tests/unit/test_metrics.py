"""Scores and margin removal against hand-computed and published values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.models.metrics import (
    METRIC_NAMES,
    accuracy,
    brier_score,
    evaluate,
    expected_calibration_error,
    implied_probabilities,
    log_loss,
    outcome_index,
    overround,
    reliability_table,
    rps,
    rps_per_match,
)

UNIFORM = [1 / 3, 1 / 3, 1 / 3]


# --- ranked probability score --------------------------------------------------------------


def test_rps_of_a_perfect_forecast_is_zero() -> None:
    probs = np.eye(3)
    assert rps(probs, ["H", "D", "A"]) == pytest.approx(0.0)


def test_rps_of_uniform_forecast_on_home_win() -> None:
    # cumulative forecast (1/3, 2/3) against (1, 1): ((2/3)^2 + (1/3)^2) / 2 = 5/18
    assert rps([UNIFORM], ["H"]) == pytest.approx(5 / 18)
    assert rps([UNIFORM], ["H"]) == pytest.approx(0.2778, abs=1e-4)


def test_rps_hand_computed_and_worst_case() -> None:
    # (0.5, 0.3, 0.2) on a draw: cumulative (0.5, 0.8) against (0, 1): (0.25 + 0.04) / 2
    assert rps([[0.5, 0.3, 0.2]], ["D"]) == pytest.approx(0.145)
    assert rps([[0.0, 0.0, 1.0]], ["H"]) == pytest.approx(1.0)


def test_rps_rewards_probability_near_the_result() -> None:
    # A home win: putting the rest on the draw is less wrong than putting it on the away win.
    near = rps([[0.5, 0.5, 0.0]], ["H"])
    far = rps([[0.5, 0.0, 0.5]], ["H"])
    assert near < far


def test_rps_per_match_is_averaged_by_rps() -> None:
    probs = np.array([[0.5, 0.3, 0.2], UNIFORM, [0.1, 0.2, 0.7]])
    outcomes = ["D", "H", "A"]
    assert rps(probs, outcomes) == pytest.approx(rps_per_match(probs, outcomes).mean())


# --- log loss, Brier, accuracy ---------------------------------------------------------------


def test_log_loss_hand_computed() -> None:
    assert log_loss([[0.5, 0.3, 0.2]], ["D"]) == pytest.approx(-np.log(0.3))
    assert log_loss([UNIFORM, UNIFORM], ["H", "A"]) == pytest.approx(np.log(3))


def test_log_loss_of_a_certain_miss_is_finite() -> None:
    value = log_loss([[1.0, 0.0, 0.0]], ["A"])
    assert np.isfinite(value)
    assert value == pytest.approx(-np.log(1e-15))


def test_brier_is_summed_over_classes() -> None:
    # (0.5 - 0)^2 + (0.3 - 1)^2 + (0.2 - 0)^2
    assert brier_score([[0.5, 0.3, 0.2]], ["D"]) == pytest.approx(0.78)
    assert brier_score([UNIFORM], ["A"]) == pytest.approx(2 / 3)
    assert brier_score(np.eye(3), [0, 1, 2]) == pytest.approx(0.0)


def test_accuracy_breaks_ties_towards_the_earlier_outcome() -> None:
    probs = [[0.4, 0.4, 0.2], [0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]
    assert accuracy(probs, ["H", "A", "D"]) == pytest.approx(2 / 3)


def test_codes_and_integers_score_the_same() -> None:
    probs = np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])
    assert evaluate(probs, ["H", "A"]) == evaluate(probs, [0, 2])
    assert evaluate(probs, pd.Series(["H", "A"])) == evaluate(probs, np.array([0, 2]))


@pytest.mark.parametrize(
    ("probs", "outcomes", "message"),
    [
        ([[0.5, 0.3, 0.3]], ["H"], "sum to 1"),
        ([[0.5, 0.5]], ["H"], r"\(n, 3\)"),
        ([[np.nan, 0.5, 0.5]], ["H"], "NaN"),
        ([[0.5, 0.3, 0.2]], ["X"], "expected H/D/A"),
        ([[0.5, 0.3, 0.2]], [None], "expected H/D/A"),
        ([[0.5, 0.3, 0.2]], ["H", "D"], "1 forecasts but 2 outcomes"),
    ],
)
def test_bad_inputs_are_refused(probs: list, outcomes: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rps(probs, outcomes)


def test_outcome_index_maps_codes() -> None:
    assert outcome_index(["H", "D", "A", 2, 0.0]).tolist() == [0, 1, 2, 2, 0]


# --- calibration ---------------------------------------------------------------------------------


def test_ece_hand_computed() -> None:
    probs = np.tile([0.6, 0.2, 0.2], (10, 1))
    calibrated = ["H"] * 6 + ["D"] * 2 + ["A"] * 2
    overconfident = ["H"] * 3 + ["D"] * 4 + ["A"] * 3
    assert expected_calibration_error(probs, calibrated) == pytest.approx(0.0)
    assert expected_calibration_error(probs, overconfident) == pytest.approx(0.3)


def test_ece_weights_bins_by_their_matches() -> None:
    # Bin 0.4-0.5: confidence 0.45, all 4 hit -> gap 0.55. Bin 0.8-0.9: 0.85, 1 of 1 hit -> 0.15.
    probs = np.array([[0.45, 0.35, 0.2]] * 4 + [[0.85, 0.1, 0.05]])
    outcomes = ["H"] * 5
    expected = (4 * 0.55 + 1 * 0.15) / 5
    assert expected_calibration_error(probs, outcomes) == pytest.approx(expected)


def test_ece_small_for_forecasts_drawn_from_themselves() -> None:
    rng = np.random.default_rng(0)
    probs = rng.dirichlet([4, 2, 3], size=20_000)
    outcomes = [rng.choice(3, p=row) for row in probs]
    assert expected_calibration_error(probs, outcomes) < 0.02


def test_reliability_table_counts_and_frequencies() -> None:
    probs = np.array(
        [[0.62, 0.18, 0.20], [0.65, 0.15, 0.20], [0.15, 0.25, 0.60], [0.35, 0.3, 0.35]]
    )
    outcomes = ["H", "D", "A", "H"]
    table = reliability_table(probs, outcomes, n_bins=10)
    assert list(table.columns) == [
        "outcome",
        "bin",
        "bin_lower",
        "bin_upper",
        "mean_predicted",
        "observed_frequency",
        "count",
    ]
    assert (table.groupby("outcome")["count"].sum() == 4).all()
    home_bin_6 = table[(table["outcome"] == "H") & (table["bin"] == 6)].iloc[0]
    assert home_bin_6["count"] == 2
    assert home_bin_6["mean_predicted"] == pytest.approx(0.635)
    assert home_bin_6["observed_frequency"] == pytest.approx(0.5)
    assert home_bin_6["bin_lower"] == pytest.approx(0.6)


def test_evaluate_has_every_metric() -> None:
    scores = evaluate([[0.5, 0.3, 0.2], UNIFORM], ["H", "D"])
    assert set(scores) == set(METRIC_NAMES) == {"rps", "log_loss", "brier", "accuracy", "ece"}
    assert all(isinstance(value, float) for value in scores.values())


# --- margin removal ------------------------------------------------------------------------------


def test_proportional_hand_values() -> None:
    # 1/1.8 : 1/3.6 : 1/4.5 = 10 : 5 : 4, booksum 19/18
    implied = implied_probabilities([1.8, 3.6, 4.5], "proportional")
    np.testing.assert_allclose(implied.probabilities, [10 / 19, 5 / 19, 4 / 19])
    assert implied.overround[0] == pytest.approx(1 / 18)
    np.testing.assert_allclose(overround([[2.0, 4.0, 4.0], [1.8, 3.6, 4.5]]), [0.0, 1 / 18])


@pytest.mark.parametrize("method", ["proportional", "power", "shin"])
def test_every_method_sums_to_one(method: str) -> None:
    rng = np.random.default_rng(1)
    truth = rng.dirichlet([3, 2, 3], size=500)
    odds = 1 / (truth * rng.uniform(1.02, 1.12, size=(500, 1)))
    implied = implied_probabilities(odds, method)
    np.testing.assert_allclose(implied.probabilities.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(implied.probabilities > 0)


def test_shin_reproduces_the_shin_package_example() -> None:
    # README of the `shin` package (mberk/shin): calculate_implied_probabilities([2.6, 2.4, 4.3])
    implied = implied_probabilities([2.6, 2.4, 4.3], "shin")
    np.testing.assert_allclose(
        implied.probabilities,
        [0.37299406033208965, 0.4047794109200184, 0.2222265287474275],
        atol=1e-9,
    )
    assert implied.parameter[0] == pytest.approx(0.01694251276407055, abs=1e-9)


def test_power_and_shin_reproduce_penaltyblog_values() -> None:
    # penaltyblog's test_implied.py, odds [2.7, 2.3, 4.4], four decimals as there.
    odds = [2.7, 2.3, 4.4]
    np.testing.assert_allclose(
        implied_probabilities(odds, "power").probabilities,
        [0.3591708, 0.4237291, 0.2171001],
        atol=1e-4,
    )
    np.testing.assert_allclose(
        implied_probabilities(odds, "shin").probabilities,
        [0.3593461, 0.4232517, 0.2174022],
        atol=1e-4,
    )
    np.testing.assert_allclose(
        implied_probabilities(odds, "proportional").probabilities,
        [0.358738, 0.4211273, 0.2201347],
        atol=1e-6,
    )


def test_shin_with_two_outcomes_equals_the_additive_method() -> None:
    # Known result: for two outcomes Shin takes the same margin off both prices.
    odds = np.array([1.5, 2.6])
    inverse = 1 / odds
    additive = inverse - (inverse.sum() - 1) / 2
    np.testing.assert_allclose(
        implied_probabilities(odds, "shin").probabilities, additive, atol=1e-10
    )


def test_shin_and_power_invert_their_own_models() -> None:
    truth = np.array([[0.55, 0.25, 0.20], [0.15, 0.25, 0.60]])
    z = np.array([0.03, 0.015])
    # Shin (1993): the bookmaker's price of outcome i is sqrt(z p_i + (1 - z) p_i^2) * sum_j sqrt(...)
    root = np.sqrt(z[:, None] * truth + (1 - z[:, None]) * truth**2)
    shin_odds = 1 / (root * root.sum(axis=1, keepdims=True))
    recovered = implied_probabilities(shin_odds, "shin")
    np.testing.assert_allclose(recovered.probabilities, truth, atol=1e-10)
    np.testing.assert_allclose(recovered.parameter, z, atol=1e-10)

    # Power: the bookmaker's inverse odds are p_i ** k with k < 1 (a positive overround).
    k = np.array([0.95, 0.9])
    power_odds = 1 / truth ** k[:, None]
    assert np.all(overround(power_odds) > 0)
    recovered = implied_probabilities(power_odds, "power")
    np.testing.assert_allclose(recovered.probabilities, truth, atol=1e-10)
    np.testing.assert_allclose(recovered.parameter, 1 / k, atol=1e-10)


def test_fair_odds_are_left_alone() -> None:
    for method in ("proportional", "power", "shin"):
        np.testing.assert_allclose(
            implied_probabilities([2.0, 4.0, 4.0], method).probabilities, [0.5, 0.25, 0.25]
        )
    assert implied_probabilities([2.0, 4.0, 4.0], "shin").parameter[0] == pytest.approx(0.0)


def test_missing_prices_give_nan_rows_and_bad_prices_raise() -> None:
    implied = implied_probabilities([[2.0, 3.4, 3.9], [np.nan, 3.4, 3.9]], "shin")
    assert np.all(np.isfinite(implied.probabilities[0]))
    assert np.all(np.isnan(implied.probabilities[1]))
    with pytest.raises(ValueError, match="greater than 1"):
        implied_probabilities([1.0, 3.4, 3.9])
    with pytest.raises(ValueError, match="method"):
        implied_probabilities([2.0, 3.4, 3.9], "basic")  # type: ignore[arg-type]
