"""The stacked blend of market and goals model: the pool, its tuning, its guards, its predictor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ml.modeling.dixon_coles as goals_candidate
from ml.modeling.blend import BlendPredictor
from ml.modeling.dixon_coles import GOALS_COLUMNS, OUTPUT_COLUMNS, DixonColesCandidate
from ml.modeling.evaluation import _span, walk_forward_evaluate
from ml.modeling.interface import History
from ml.models.blend import (
    GOALS,
    MARKET,
    PINNACLE,
    BlendSpec,
    StackedBlend,
    assert_out_of_sample,
    blend_inputs,
    fit_blend,
    source_columns,
)
from ml.models.dixon_coles import DixonColes
from ml.models.leakage import LeakageError
from ml.models.metrics import rps
from tests.synthetic import FEATURE_COLUMNS, TOP, make_league

GOALS_OPTIONS = {"refit_every_days": 14}
ODDS = ("odds_home", "odds_draw", "odds_away")
SPEC = BlendSpec(market_odds=ODDS, window_seasons=3, n_folds=2)


def goals_walk_forward(
    features, goals_matches, eval_seasons, *, window_seasons=0, goals_options=None
):
    """The goals model's weekly walk-forward over ``eval_seasons`` and the ``window_seasons``
    before them, run once: the ``goals_forecasts`` of ``walk_forward_evaluate``."""
    return DixonColesCandidate(dict(goals_options or {})).forecasts(
        History(features, goals_matches), *_span(features, eval_seasons, window_seasons)
    )


@pytest.fixture(scope="module")
def league():
    return make_league(16, 5, second_tier=True, strength_sd=0.4, seed=8, drift_sd=0.05)


@pytest.fixture(scope="module")
def seasons(league) -> list[str]:
    return sorted(league.features["season"].unique())[-2:]


@pytest.fixture(scope="module")
def result(league, seasons):
    return walk_forward_evaluate(
        league.features,
        seasons,
        FEATURE_COLUMNS,
        classifiers=(),
        margin_method="proportional",
        goals_matches=league.matches,
        goals_options=GOALS_OPTIONS,
        blend=True,
        blend_spec=SPEC,
    )


def _noisy(truth: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    logits = np.log(truth) + rng.normal(0.0, scale, truth.shape)
    return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def two_views():
    """True probabilities seen by two independently noisy forecasters, and the outcomes."""
    rng = np.random.default_rng(3)
    n = 6000
    truth = _noisy(np.tile([0.45, 0.27, 0.28], (n, 1)), 0.6, rng)
    labels = np.array([rng.choice(3, p=row) for row in truth])
    inputs = pd.DataFrame(
        np.hstack([_noisy(truth, 0.35, rng), _noisy(truth, 0.35, rng)]),
        columns=[*source_columns(MARKET), *source_columns(GOALS)],
    )
    seasons = np.repeat([f"{2010 + k}-{(11 + k) % 100:02d}" for k in range(6)], n // 6)
    kickoff = pd.to_datetime([f"{s[:4]}-09-01" for s in seasons])
    return truth, labels, inputs, seasons, kickoff


# --- the pool ------------------------------------------------------------------------------


def test_predict_proba_has_columns_h_d_a_summing_to_one(two_views) -> None:
    _, labels, inputs, _, _ = two_views
    model = StackedBlend((MARKET, GOALS), l2=0.01).fit(inputs, labels)
    proba = model.predict_proba(inputs)
    assert list(model.classes_) == ["H", "D", "A"]
    assert proba.shape == (len(inputs), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # the home column follows the home inputs: a pool never reorders outcomes
    assert np.corrcoef(proba[:, 0], inputs["market_p_home"])[0, 1] > 0.9


def test_a_row_missing_a_source_is_not_priced(two_views) -> None:
    _, labels, inputs, _, _ = two_views
    model = StackedBlend((MARKET, GOALS), l2=0.01).fit(inputs, labels)
    holed = inputs.head(3).copy()
    holed.loc[1, "dixon_coles_p_draw"] = np.nan
    proba = model.predict_proba(holed)
    assert np.isnan(proba[1]).all()
    np.testing.assert_allclose(proba[[0, 2]].sum(axis=1), 1.0)


def test_an_infinite_penalty_is_the_market_alone(two_views) -> None:
    _, labels, inputs, _, _ = two_views
    model = StackedBlend((MARKET, GOALS), l2=float("inf")).fit(inputs, labels)
    assert model.weights_ == {MARKET: 1.0, GOALS: 0.0}
    market = inputs[list(source_columns(MARKET))].to_numpy()
    np.testing.assert_allclose(model.predict_proba(inputs), market, atol=1e-12)


def test_the_pool_learns_to_use_an_informative_second_source(two_views) -> None:
    truth, labels, inputs, seasons, kickoff = two_views
    fitted = fit_blend(inputs, labels, seasons, kickoff, sources=(MARKET, GOALS))
    assert np.isfinite(fitted.l2)
    assert fitted.model.weights_[GOALS] > 0.2
    # a fresh sample of the same world: the pool beats each forecaster on its own
    rng = np.random.default_rng(4)
    fresh_truth = _noisy(np.tile([0.45, 0.27, 0.28], (4000, 1)), 0.6, rng)
    fresh_labels = np.array([rng.choice(3, p=row) for row in fresh_truth])
    market, goals = _noisy(fresh_truth, 0.35, rng), _noisy(fresh_truth, 0.35, rng)
    fresh = pd.DataFrame(
        np.hstack([market, goals]), columns=[*source_columns(MARKET), *source_columns(GOALS)]
    )
    pooled = rps(fitted.predict_proba(fresh), fresh_labels)
    assert pooled < min(rps(market, fresh_labels), rps(goals, fresh_labels))
    assert set(fitted.cv_results["season"]) == set(np.unique(seasons)[-3:])


def test_penalty_shrinks_towards_the_market_not_towards_uniform(two_views) -> None:
    _, labels, inputs, _, _ = two_views
    weak = StackedBlend((MARKET, GOALS), l2=1e-4).fit(inputs, labels).weights_
    strong = StackedBlend((MARKET, GOALS), l2=100.0).fit(inputs, labels).weights_
    assert abs(strong[MARKET] - 1.0) < abs(weak[MARKET] - 1.0)
    assert abs(strong[GOALS]) < abs(weak[GOALS])


def test_one_season_leaves_nothing_to_validate_on_so_the_blend_is_the_market(two_views) -> None:
    _, labels, inputs, seasons, kickoff = two_views
    first = seasons == seasons[0]
    fitted = fit_blend(inputs[first], labels[first], seasons[first], kickoff[first])
    assert fitted.l2 == float("inf")
    assert fitted.cv_results.empty


def test_the_market_must_come_first() -> None:
    with pytest.raises(ValueError, match="market"):
        StackedBlend((GOALS, MARKET))
    with pytest.raises(ValueError, match="unknown"):
        StackedBlend((MARKET, "tipster"))


# --- inputs --------------------------------------------------------------------------------


def test_pinnacle_falls_back_to_the_market_where_it_has_no_price() -> None:
    frame = pd.DataFrame(
        {
            "avg_h": [2.0, 2.0],
            "avg_d": [3.4, 3.4],
            "avg_a": [4.0, 4.0],
            "pin_h": [2.1, np.nan],
            "pin_d": [3.5, 3.5],
            "pin_a": [4.1, 4.2],
        }
    )
    spec = BlendSpec(
        market_odds=("avg_h", "avg_d", "avg_a"), pinnacle_odds=("pin_h", "pin_d", "pin_a")
    )
    inputs = blend_inputs(frame, np.full((2, 3), 1 / 3), spec)
    market = inputs[list(source_columns(MARKET))].to_numpy()
    pinnacle = inputs[list(source_columns(PINNACLE))].to_numpy()
    np.testing.assert_allclose(pinnacle[1], market[1])
    assert not np.allclose(pinnacle[0], market[0])
    np.testing.assert_allclose(market.sum(axis=1), 1.0)
    assert spec.sources == (MARKET, GOALS, PINNACLE)
    assert spec.variant == "market_dc_pinnacle"


# --- the walk-forward ------------------------------------------------------------------------


def _overall(result, model: str) -> float:
    rows = result.metrics[
        (result.metrics["model"] == model)
        & (result.metrics["season"] == "all")
        & (result.metrics["metric"] == "rps")
    ]
    return float(rows["value"].iloc[0])


def test_the_blend_beats_base_rates_and_is_no_worse_than_its_worse_input(result) -> None:
    blend, market = _overall(result, "blend"), _overall(result, "market")
    goals, base = _overall(result, "dixon_coles"), _overall(result, "base_rates")
    assert blend < base
    assert blend <= max(market, goals)
    # the synthetic market prices the truth: the blend may not stray far from it
    assert blend <= market + 0.002
    predicted = result.predictions[result.predictions["model"] == "blend"]
    np.testing.assert_allclose(predicted[["p_home", "p_draw", "p_away"]].sum(axis=1), 1.0)


def test_the_blend_logs_what_it_chose_and_learns_only_from_earlier_seasons(
    league, seasons, result
) -> None:
    chosen = result.selections[result.selections["model"] == "blend"]
    assert set(chosen["season"]) == set(seasons)
    assert {"l2", "w_market", "w_dixon_coles", "n_train", "window_from"} <= set(chosen["parameter"])
    for season in seasons:
        rows = chosen[chosen["season"] == season].set_index("parameter")["value"]
        assert rows["window_from"] < season
        assert season not in rows["cv_seasons"].split(",")
        start = league.features.loc[league.features["season"] == season, "kickoff_date"].min()
        assert int(rows["n_train"]) <= int((league.features["kickoff_date"] < start).sum())


def test_extending_the_goals_walk_forward_leaves_its_season_forecasts_alone(
    league, seasons, result
) -> None:
    plain = walk_forward_evaluate(
        league.features,
        seasons,
        FEATURE_COLUMNS,
        classifiers=(),
        base_rates=False,
        market_odds={},
        goals_matches=league.matches,
        goals_options=GOALS_OPTIONS,
    ).predictions
    key = ["match_id"]
    with_blend = result.predictions[result.predictions["model"] == "dixon_coles"].sort_values(key)
    np.testing.assert_allclose(
        with_blend[["p_home", "p_draw", "p_away"]].to_numpy(),
        plain.sort_values(key)[["p_home", "p_draw", "p_away"]].to_numpy(),
        atol=1e-4,  # warm starts from earlier weeks: optimiser tolerance, no more
    )


def test_one_goals_walk_forward_for_all_seasons_gives_the_same_blend(league, seasons) -> None:
    forecasts = goals_walk_forward(
        league.features,
        league.matches,
        seasons,
        window_seasons=SPEC.window_seasons,
        goals_options=GOALS_OPTIONS,
    )
    shared = walk_forward_evaluate(
        league.features,
        [seasons[0]],
        FEATURE_COLUMNS,
        classifiers=(),
        goals_forecasts=forecasts,
        blend=True,
        blend_spec=SPEC,
    )
    own = walk_forward_evaluate(
        league.features,
        [seasons[0]],
        FEATURE_COLUMNS,
        classifiers=(),
        goals_matches=league.matches,
        goals_options=GOALS_OPTIONS,
        blend=True,
        blend_spec=SPEC,
    )
    key = ["model", "match_id"]
    pd.testing.assert_frame_equal(
        shared.predictions.sort_values(key).reset_index(drop=True),
        own.predictions.sort_values(key).reset_index(drop=True),
        atol=1e-4,
    )


# --- leakage guards ---------------------------------------------------------------------------


def test_guard_trips_on_goals_forecasts_of_the_evaluated_season(league, seasons) -> None:
    season = seasons[-1]
    start = league.features.loc[league.features["season"] == season, "kickoff_date"].min()
    matches = league.matches[league.matches["league"] == TOP]
    in_season = matches[matches["season"] == season].assign(refit_date=start)
    with pytest.raises(LeakageError, match="blend"):
        assert_out_of_sample(in_season, start, "blend for the test season")
    before = matches[matches["kickoff_date"] < start].assign(refit_date=matches["kickoff_date"])
    assert_out_of_sample(before, start, "fine")  # the past, forecast in time, passes


def test_guard_trips_on_in_sample_goals_forecasts() -> None:
    forecasts = pd.DataFrame(
        {
            "kickoff_date": pd.to_datetime(["2019-08-10", "2019-08-17"]),
            "refit_date": pd.to_datetime(["2019-08-10", "2020-05-30"]),  # fitted after the match
        }
    )
    with pytest.raises(LeakageError, match="out of sample"):
        assert_out_of_sample(forecasts, pd.Timestamp("2020-08-01"), "test")


def test_walk_forward_refuses_a_blend_fed_the_evaluated_seasons_forecasts(league, seasons) -> None:
    # A join bug: the goals forecasts of the evaluated season carry the ids of earlier
    # matches, so the blender would learn from forecasts of the season it predicts.
    season = seasons[-1]
    forecasts = goals_walk_forward(
        league.features,
        league.matches,
        [season],
        window_seasons=SPEC.window_seasons,
        goals_options=GOALS_OPTIONS,
    )
    forecasts = forecasts[forecasts["league"] == TOP].reset_index(drop=True)
    inside = forecasts.index[forecasts["season"] == season][:5]
    earlier = forecasts.index[forecasts["season"] < season][-5:]
    swapped = forecasts.copy()
    swapped.loc[inside, "match_id"] = forecasts.loc[earlier, "match_id"].to_numpy()
    swapped.loc[earlier, "match_id"] = forecasts.loc[inside, "match_id"].to_numpy()
    with pytest.raises(LeakageError, match="blend for season"):
        walk_forward_evaluate(
            league.features,
            [season],
            FEATURE_COLUMNS,
            classifiers=(),
            goals_forecasts=swapped,
            blend=True,
            blend_spec=SPEC,
        )


def test_walk_forward_refuses_in_sample_goals_forecasts(
    league, seasons, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = goals_candidate.walk_forward_goals

    def fitted_on_everything(*args, **kwargs) -> pd.DataFrame:
        out = real(*args, **kwargs)
        return out.assign(refit_date=out["kickoff_date"].max())  # a bug: one fit, after all

    monkeypatch.setattr(goals_candidate, "walk_forward_goals", fitted_on_everything)
    with pytest.raises(LeakageError, match="out of sample"):
        walk_forward_evaluate(
            league.features,
            [seasons[-1]],
            FEATURE_COLUMNS,
            classifiers=(),
            goals_matches=league.matches,
            goals_options=GOALS_OPTIONS,
            blend=True,
            blend_spec=SPEC,
        )


def test_the_blend_needs_the_goals_model(league, seasons) -> None:
    with pytest.raises(ValueError, match="goals"):
        walk_forward_evaluate(league.features, [seasons[-1]], FEATURE_COLUMNS, blend=True)


# --- serving ----------------------------------------------------------------------------------


def test_blend_predictor_prices_fixtures_from_mart_columns(league, two_views) -> None:
    matches = league.matches
    goals_model = DixonColes(top_league=TOP).fit(matches)
    _, labels, inputs, seasons, kickoff = two_views
    spec = BlendSpec(market_odds=ODDS, pinnacle_odds=("pin_home", "pin_draw", "pin_away"))
    market = inputs[list(source_columns(MARKET))].to_numpy()
    with_pinnacle = inputs.assign(
        **{column: market[:, k] for k, column in enumerate(source_columns(PINNACLE))}
    )
    blender = fit_blend(with_pinnacle, labels, seasons, kickoff, sources=spec.sources)
    predictor = BlendPredictor(goals_model, blender, spec)
    assert predictor.input_columns == [
        "league",
        "kickoff_date",
        "home_team",
        "away_team",
        *ODDS,
        "pin_home",
        "pin_draw",
        "pin_away",
    ]
    fixtures = (
        league.features.tail(4)
        .merge(matches[["match_id", "league", "home_team", "away_team"]], on="match_id")
        .assign(pin_home=[2.0, np.nan, 1.8, 3.0], pin_draw=3.4, pin_away=[4.0, 3.0, 4.5, 2.5])
    )
    fixtures.loc[3, "odds_home"] = np.nan  # the market has not priced it yet
    fixtures = fixtures[predictor.input_columns]
    fixtures.index = [10, 11, 12, 13]
    out = predictor.predict(fixtures)
    assert list(out.columns) == [*OUTPUT_COLUMNS, *GOALS_COLUMNS]
    assert list(out.index) == [10, 11, 12, 13]
    np.testing.assert_allclose(out.loc[[10, 11, 12], list(OUTPUT_COLUMNS)].sum(axis=1), 1.0)
    assert out.loc[13, list(OUTPUT_COLUMNS)].isna().all()
    assert out[list(GOALS_COLUMNS)].notna().all().all()  # goals come from Dixon-Coles alone
