"""Classifiers: column order, time-ordered tuning, calibration and importances."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from ml.models.classifiers import (
    HGB_GRID,
    OutcomeClassifier,
    TimeOrderedHoldout,
    build_estimator,
    fit_classifier,
)
from ml.models.market import BaseRateModel, base_rates, market_predictions, market_probabilities
from ml.models.metrics import rps
from tests.synthetic import FEATURE_COLUMNS, make_league

SMALL_HGB_GRID = [HGB_GRID[0]]


def _signal_data(n: int = 1500, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """One informative feature (high means home win) and one pure-noise feature."""
    rng = np.random.default_rng(seed)
    strength = rng.normal(size=n)
    home = 1 / (1 + np.exp(-(0.3 + 1.5 * strength)))
    away = 1 / (1 + np.exp(-(-0.6 - 1.5 * strength)))
    draw = np.clip(1 - home - away, 0.05, None)
    total = home + draw + away
    probabilities = np.column_stack([home, draw, away]) / total[:, None]
    labels = np.array(["H", "D", "A"])[[rng.choice(3, p=row) for row in probabilities]]
    frame = pd.DataFrame(
        {
            "strength": strength,
            "noise": rng.normal(size=n),
            "kickoff_date": pd.date_range("2010-08-01", periods=n, freq="D"),
        }
    )
    return frame, labels


@pytest.fixture(scope="module")
def signal_data() -> tuple[pd.DataFrame, np.ndarray]:
    return _signal_data()


@pytest.mark.parametrize("kind", ["logistic", "hgb"])
def test_columns_are_home_draw_away(kind: str, signal_data) -> None:
    X, y = signal_data
    model = fit_classifier(
        kind, X, y, ["strength", "noise"], grid=None if kind == "logistic" else SMALL_HGB_GRID
    )
    assert list(model.classes_) == ["H", "D", "A"]
    probe = pd.DataFrame({"strength": [3.0, -3.0], "noise": [0.0, 0.0]})
    proba = model.predict_proba(probe)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert proba[0, 0] > 0.6  # strong home side: column 0 is the home win
    assert proba[1, 2] > 0.6  # strong away side: column 2 is the away win
    assert list(model.predict(probe)) == ["H", "A"]


@pytest.mark.parametrize("kind", ["logistic", "hgb"])
def test_beats_base_rates_out_of_time(kind: str, signal_data) -> None:
    X, y = signal_data
    train, test = slice(0, 1200), slice(1200, None)
    model = fit_classifier(
        kind,
        X.iloc[train],
        y[train],
        ["strength", "noise"],
        grid=None if kind == "logistic" else SMALL_HGB_GRID,
    )
    prior = BaseRateModel().fit(None, y[train])
    assert (
        rps(model.predict_proba(X.iloc[test]), y[test])
        < rps(prior.predict_proba(X.iloc[test]), y[test]) - 0.02
    )


def test_integer_labels_and_array_input(signal_data) -> None:
    X, y = signal_data
    as_int = pd.Series(y).map({"H": 0, "D": 1, "A": 2}).to_numpy()
    by_code = fit_classifier("logistic", X, y, ["strength", "noise"])
    by_int = fit_classifier(
        "logistic", X[["strength", "noise"]].to_numpy(), as_int, ["strength", "noise"]
    )
    np.testing.assert_allclose(
        by_code.predict_proba(X.iloc[:20]),
        by_int.predict_proba(X[["strength", "noise"]].to_numpy()[:20]),
    )


def test_tuning_folds_run_forward_in_time(signal_data) -> None:
    X, y = signal_data
    shuffled = X.sample(frac=1.0, random_state=1)
    labels = pd.Series(y, index=X.index).loc[shuffled.index].to_numpy()
    model = fit_classifier("logistic", shuffled, labels, ["strength", "noise"], n_splits=3)
    ordered = fit_classifier("logistic", X, y, ["strength", "noise"], n_splits=3)
    # rows are sorted by kickoff before the folds are cut, so the input order does not matter
    pd.testing.assert_frame_equal(model.cv_results_, ordered.cv_results_)
    folds = model.cv_results_[model.cv_results_["calibration"] == "none"]
    assert folds.groupby("fold")["n_train"].first().is_monotonic_increasing
    assert set(model.cv_results_["calibration"]) == {"none", "temperature"}
    assert model.calibration_ in ("none", "temperature")
    assert model.best_params_ in [{"C": 0.01}, {"C": 0.1}, {"C": 1.0}]


def test_time_ordered_holdout_calibrates_on_the_latest_rows() -> None:
    ((train, test),) = list(TimeOrderedHoldout(0.25).split(np.zeros((100, 1))))
    assert train.max() < test.min()
    assert len(test) == 25
    calibrated = build_estimator("logistic", {"C": 1.0}, "temperature")
    X, y = _signal_data(400, seed=3)
    calibrated.fit(X[["strength"]], pd.Series(y).map({"H": 0, "D": 1, "A": 2}))
    np.testing.assert_allclose(calibrated.predict_proba(X[["strength"]]).sum(axis=1), 1.0)


@pytest.mark.parametrize("kind", ["logistic", "hgb"])
def test_missing_feature_values_are_handled(kind: str, signal_data) -> None:
    X, y = signal_data
    holed = X.copy()
    holed.loc[holed.sample(frac=0.1, random_state=0).index, "strength"] = np.nan
    model = fit_classifier(
        kind, holed, y, ["strength", "noise"], grid=None if kind == "logistic" else SMALL_HGB_GRID
    )
    assert np.isfinite(model.predict_proba(holed)).all()


def test_logistic_importances_are_coefficients(signal_data) -> None:
    X, y = signal_data
    table = fit_classifier("logistic", X, y, ["strength", "noise"]).feature_importances()
    assert set(table["outcome"]) == {"H", "D", "A"}
    assert (table["kind"] == "coefficient").all()
    coefficients = table.set_index(["feature", "outcome"])["importance"]
    assert coefficients[("strength", "H")] > 0 > coefficients[("strength", "A")]
    assert abs(coefficients[("noise", "H")]) < abs(coefficients[("strength", "H")])


def test_hgb_importances_are_permutation_on_the_last_fold(signal_data) -> None:
    X, y = signal_data
    table = fit_classifier(
        "hgb", X, y, ["strength", "noise"], grid=SMALL_HGB_GRID
    ).feature_importances()
    assert (table["kind"] == "permutation_rps").all()
    importance = table.set_index("feature")["importance"]
    assert importance["strength"] > 0.01
    assert importance["strength"] > 5 * abs(importance["noise"])


@pytest.mark.parametrize("kind", ["logistic", "hgb"])
def test_a_fitted_classifier_survives_pickling(kind: str, signal_data) -> None:
    # MLflow stores scikit-learn models by pickling them.
    X, y = signal_data
    model = fit_classifier(
        kind, X, y, ["strength", "noise"], grid=None if kind == "logistic" else SMALL_HGB_GRID
    )
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        restored.predict_proba(X.iloc[:50]), model.predict_proba(X.iloc[:50])
    )


def test_refuses_bad_configuration(signal_data) -> None:
    X, y = signal_data
    with pytest.raises(ValueError, match="kind"):
        OutcomeClassifier(kind="forest", feature_names=["strength"]).fit(X, y)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="feature_names is empty"):
        fit_classifier("logistic", X, y, [])
    with pytest.raises(ValueError, match="missing"):
        fit_classifier("logistic", X, y, ["strength", "elo"])
    with pytest.raises(ValueError, match="home wins, draws and away wins"):
        fit_classifier("logistic", X, np.where(y == "D", "H", y), ["strength"])


def test_classifiers_beat_base_rates_on_the_synthetic_league() -> None:
    league = make_league(20, 5, second_tier=False, strength_sd=0.4, seed=4)
    features = league.features
    last = features["season"].max()
    train, test = features[features["season"] < last], features[features["season"] == last]
    prior = rps(BaseRateModel().fit(None, train["label"]).predict_proba(test), test["label"])
    for kind, grid in (("logistic", None), ("hgb", SMALL_HGB_GRID)):
        model = fit_classifier(kind, train, train["label"], FEATURE_COLUMNS, grid=grid)
        assert rps(model.predict_proba(test), test["label"]) < prior, kind


# --- the market and base-rate baselines -------------------------------------------------------------


def test_base_rates_are_training_frequencies() -> None:
    np.testing.assert_allclose(base_rates(["H", "H", "D", "A"]), [0.5, 0.25, 0.25])
    model = BaseRateModel().fit(None, ["H", "A", "A", "D"])
    np.testing.assert_allclose(model.predict_proba(np.zeros((2, 1))), [[0.25, 0.25, 0.5]] * 2)


def test_market_probabilities_remove_the_margin() -> None:
    frame = pd.DataFrame(
        {"odds_home": [1.8, np.nan], "odds_draw": [3.6, 3.4], "odds_away": [4.5, 4.0]}
    )
    proportional = market_probabilities(frame, "proportional")
    np.testing.assert_allclose(proportional[0], [10 / 19, 5 / 19, 4 / 19])
    assert np.isnan(proportional[1]).all()
    predictions = market_predictions(frame, method="shin")
    assert list(predictions.columns) == ["p_home", "p_draw", "p_away", "overround"]
    assert predictions.loc[0, ["p_home", "p_draw", "p_away"]].sum() == pytest.approx(1.0)
    assert predictions.loc[0, "overround"] == pytest.approx(1 / 18)
