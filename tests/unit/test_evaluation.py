"""The walk-forward driver: outputs, fairness of the comparison, and leakage guards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ml.modeling.evaluation as evaluation
from ml.modeling.evaluation import (
    METRIC_COLUMNS,
    PREDICTION_COLUMNS,
    LeakageError,
    score_predictions,
    walk_forward_evaluate,
)
from ml.models.classifiers import HGB_GRID
from tests.synthetic import FEATURE_COLUMNS, make_league

GRIDS = {"hgb": [HGB_GRID[0]]}
GOALS = {"refit_every_days": 14}


@pytest.fixture(scope="module")
def league():
    return make_league(16, 5, second_tier=True, strength_sd=0.4, seed=8, drift_sd=0.05)


@pytest.fixture(scope="module")
def result(league):
    seasons = sorted(league.features["season"].unique())[-2:]
    return walk_forward_evaluate(
        league.features,
        seasons,
        FEATURE_COLUMNS,
        goals_matches=league.matches,
        goals_options=GOALS,
        classifier_grids=GRIDS,
    )


def test_outputs_have_the_promised_shape(league, result) -> None:
    seasons = sorted(league.features["season"].unique())[-2:]
    assert list(result.predictions.columns) == PREDICTION_COLUMNS
    assert list(result.metrics.columns) == METRIC_COLUMNS
    expected_models = {
        ("base_rates", "train_window"),
        ("market", "odds_shin"),
        ("logistic", "default"),
        ("hgb", "default"),
        ("dixon_coles", "weekly"),
    }
    assert (
        set(map(tuple, result.predictions[["model", "variant"]].drop_duplicates().to_numpy()))
        == expected_models
    )
    assert set(result.metrics["season"]) == {*seasons, "all"}
    assert set(result.metrics["metric"]) == {"rps", "log_loss", "brier", "accuracy", "ece"}
    evaluated = league.features[league.features["season"].isin(seasons)]
    for _, group in result.predictions.groupby(["model", "variant"]):
        assert sorted(group["match_id"]) == sorted(evaluated["match_id"])
    np.testing.assert_allclose(result.predictions[["p_home", "p_draw", "p_away"]].sum(axis=1), 1.0)
    all_rps = result.metrics[
        (result.metrics["season"] == "all") & (result.metrics["metric"] == "rps")
    ]
    assert (all_rps["n_matches"] == len(evaluated)).all()
    assert {"C", "calibration", "n_train", "xi"} <= set(result.selections["parameter"])
    assert set(result.importances["model"]) == {"logistic", "hgb"}


def test_every_model_beats_base_rates(result) -> None:
    rps = result.metrics[(result.metrics["season"] == "all") & (result.metrics["metric"] == "rps")]
    scores = rps.set_index("model")["value"]
    for model in ("market", "logistic", "hgb", "dixon_coles"):
        assert scores[model] < scores["base_rates"], model
    # the synthetic market prices the true probabilities: nothing should beat it by much
    assert scores["market"] <= scores.min() + 0.005


def test_training_sets_stop_before_each_season(league, result) -> None:
    features = league.features
    for season, value in (
        result.selections[
            (result.selections["model"] == "logistic")
            & (result.selections["parameter"] == "n_train")
        ]
        .set_index("season")["value"]
        .items()
    ):
        start = features.loc[features["season"] == season, "kickoff_date"].min()
        assert int(value) == int((features["kickoff_date"] < start).sum())


def test_guard_trips_when_training_reaches_into_the_season(
    league, monkeypatch: pytest.MonkeyPatch
) -> None:
    season = league.features["season"].max()

    def leaky_rows(features: pd.DataFrame, before: pd.Timestamp) -> pd.DataFrame:
        return features[features["label"].notna()]  # a bug: forgets the cut-off

    monkeypatch.setattr(evaluation, "training_rows", leaky_rows)
    with pytest.raises(LeakageError):
        walk_forward_evaluate(league.features, [season], FEATURE_COLUMNS, classifiers=())


def test_a_postponed_match_played_inside_the_season_is_not_trained_on(league) -> None:
    # A match of the previous season replayed after the evaluated season began (2019-20
    # ended in July 2020): selection is by kickoff date, so it stays out of training.
    features = league.features.copy()
    season = features["season"].max()
    previous = sorted(features["season"].unique())[-2]
    start = features.loc[features["season"] == season, "kickoff_date"].min()
    postponed = features.index[features["season"] == previous][-1]
    features.loc[postponed, "kickoff_date"] = start + pd.Timedelta(days=30)
    result = walk_forward_evaluate(features, [season], FEATURE_COLUMNS, classifiers=("logistic",))
    n_train = result.selections.query("model == 'logistic' and parameter == 'n_train'")["value"]
    assert int(n_train.iloc[0]) == int((features["kickoff_date"] < start).sum())
    assert features.loc[postponed, "match_id"] not in set(result.predictions["match_id"])


def test_shuffling_the_evaluated_labels_changes_no_prediction(league) -> None:
    season = league.features["season"].max()
    features = league.features
    shuffled = features.copy()
    in_season = shuffled["season"] == season
    rng = np.random.default_rng(0)
    shuffled.loc[in_season, "label"] = rng.permutation(shuffled.loc[in_season, "label"].to_numpy())
    assert (shuffled["label"] != features["label"]).any()
    kwargs = {
        "classifier_grids": GRIDS,
        "goals_matches": league.matches,
        "goals_options": GOALS,
        "blend": True,
    }
    before = walk_forward_evaluate(features, [season], FEATURE_COLUMNS, **kwargs).predictions
    after = walk_forward_evaluate(shuffled, [season], FEATURE_COLUMNS, **kwargs).predictions
    key = ["model", "variant", "match_id"]
    pd.testing.assert_frame_equal(
        before.sort_values(key).reset_index(drop=True),
        after.sort_values(key).reset_index(drop=True),
    )


def test_feature_sets_become_variants(league) -> None:
    season = league.features["season"].max()
    result = walk_forward_evaluate(
        league.features,
        [season],
        {"form": FEATURE_COLUMNS[:4], "long_form": FEATURE_COLUMNS},
        classifiers=("logistic",),
        market_odds={"book": ("odds_home", "odds_draw", "odds_away")},
        margin_method="power",
        base_rates=False,
    )
    variants = set(
        map(tuple, result.predictions[["model", "variant"]].drop_duplicates().to_numpy())
    )
    assert variants == {("logistic", "form"), ("logistic", "long_form"), ("market", "book_power")}


def test_scores_are_computed_on_common_matches() -> None:
    predictions = pd.DataFrame(
        {
            "model": ["a", "a", "b", "b"],
            "variant": ["v"] * 4,
            "match_id": [1, 2, 1, 2],
            "season": ["2020-21"] * 4,
            "p_home": [0.5, 0.5, 0.6, np.nan],
            "p_draw": [0.3, 0.3, 0.2, np.nan],
            "p_away": [0.2, 0.2, 0.2, np.nan],
        }
    )
    labels = pd.DataFrame({"match_id": [1, 2], "label": ["H", "A"]})
    common = score_predictions(predictions, labels)
    assert (common["n_matches"] == 1).all()  # model b did not price match 2
    separate = score_predictions(predictions, labels, common_matches=False)
    assert set(separate.loc[separate["model"] == "a", "n_matches"]) == {2}
    rps_a = common[
        (common["model"] == "a") & (common["metric"] == "rps") & (common["season"] == "all")
    ]
    assert rps_a["value"].iloc[0] == pytest.approx(((0.5 - 1) ** 2 + (0.8 - 1) ** 2) / 2)


def test_refuses_unknown_seasons_and_duplicate_matches(league) -> None:
    with pytest.raises(ValueError, match="1999-00"):
        walk_forward_evaluate(league.features, ["1999-00"], FEATURE_COLUMNS)
    doubled = pd.concat([league.features, league.features.iloc[:1]])
    with pytest.raises(ValueError, match="one row per match_id"):
        walk_forward_evaluate(doubled, [league.features["season"].max()], FEATURE_COLUMNS)
