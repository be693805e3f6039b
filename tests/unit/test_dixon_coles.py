"""The Dixon-Coles model: its maths, what it recovers, promoted clubs, and its walk-forward."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime
from scipy.stats import poisson

from ml.models import dixon_coles as dc
from ml.models.dixon_coles import (
    DixonColes,
    expected_goals,
    infer_top_league,
    outcome_probabilities,
    over_probability,
    scoreline_matrix,
    select_xi,
    walk_forward_goals,
)
from ml.models.leakage import LeakageError, assert_no_leakage
from tests.synthetic import SECOND, TOP, make_league


@pytest.fixture(scope="module")
def static_league() -> pd.DataFrame:
    """One division, fixed strengths: what a fit should recover."""
    return make_league(20, 4, second_tier=False, strength_sd=0.3, seed=11)


@pytest.fixture(scope="module")
def two_divisions():
    return make_league(12, 4, second_tier=True, n_swapped=2, seed=5, drift_sd=0.05)


# --- scoreline maths ---------------------------------------------------------------------------


def test_scoreline_matrix_without_rho_is_independent_poisson() -> None:
    matrix = scoreline_matrix(np.array([1.6]), np.array([1.1]), rho=0.0)[0]
    expected = np.outer(poisson.pmf(np.arange(11), 1.6), poisson.pmf(np.arange(11), 1.1))
    np.testing.assert_allclose(matrix, expected / expected.sum(), atol=1e-12)
    assert matrix.sum() == pytest.approx(1.0)


def test_negative_rho_adds_low_score_draws() -> None:
    independent = scoreline_matrix(1.4, 1.2, 0.0)[0]
    corrected = scoreline_matrix(1.4, 1.2, -0.1)[0]
    assert corrected[0, 0] > independent[0, 0]
    assert corrected[1, 1] > independent[1, 1]
    assert corrected[1, 0] < independent[1, 0]
    assert corrected.sum() == pytest.approx(1.0)


def test_derived_probabilities_are_consistent() -> None:
    matrix = scoreline_matrix(np.array([1.5, 0.8, 2.6]), np.array([1.2, 1.9, 0.4]), -0.05)
    outcomes = outcome_probabilities(matrix)
    np.testing.assert_allclose(outcomes.sum(axis=1), 1.0)
    assert outcomes[2, 0] > outcomes[0, 0] > outcomes[1, 0]  # stronger home side, likelier home win
    over = over_probability(matrix)
    assert np.all((over > 0) & (over < 1))
    home_xg, away_xg = expected_goals(matrix)
    np.testing.assert_allclose(home_xg, [1.5, 0.8, 2.6], atol=0.02)  # tau moves the mean a little
    np.testing.assert_allclose(away_xg, [1.2, 1.9, 0.4], atol=0.02)


def test_infer_top_league() -> None:
    assert infer_top_league(["E1", "E0"]) == "E0"
    assert infer_top_league(["SP2", "SP1"]) == "SP1"
    with pytest.raises(ValueError, match="top_league"):
        infer_top_league(["E0", "SP1"])


# --- fitting ----------------------------------------------------------------------------------------


def test_gradient_matches_finite_differences(
    two_divisions, monkeypatch: pytest.MonkeyPatch
) -> None:
    captured = {}
    real_minimize = dc.minimize

    def spy(fun, x0, args, **kwargs):
        captured["args"] = args
        captured["x0"] = x0
        return real_minimize(fun, x0, args=args, **kwargs)

    monkeypatch.setattr(dc, "minimize", spy)
    DixonColes().fit(two_divisions.matches)
    rng = np.random.default_rng(0)
    theta = captured["x0"] + rng.normal(0, 0.1, captured["x0"].size)
    theta[2] = -0.08  # rho
    numeric = approx_fprime(theta, lambda t: dc._objective(t, *captured["args"])[0], 1e-7)
    analytic = dc._objective(theta, *captured["args"])[1]
    np.testing.assert_allclose(analytic, numeric, atol=1e-5)


def test_fit_recovers_known_strengths(static_league) -> None:
    model = DixonColes(xi=0.0, ridge=1.0).fit(static_league.matches)
    truth = static_league.strengths.drop_duplicates("team").set_index("team")
    fitted = model.ratings().set_index("team").loc[truth.index]
    # Ratings are identified up to a shift absorbed by the intercept: compare centred values.
    for column in ("attack", "defence"):
        error = (fitted[column] - fitted[column].mean()) - (truth[column] - truth[column].mean())
        # about 150 matches a club: standard errors near 0.07, so 20 clubs stay within 0.2
        assert np.abs(error).max() < 0.2, column
        assert np.abs(error).mean() < 0.08, column
        assert np.corrcoef(fitted[column], truth[column])[0, 1] > 0.9, column
    assert model.home_advantage_ == pytest.approx(static_league.home_advantage, abs=0.05)
    assert abs(model.rho_) < 0.08  # the simulation has no low-score correlation
    assert model.converged_


def test_time_decay_favours_recent_form() -> None:
    # A club that was poor for three seasons and strong for the last one.
    league = make_league(10, 4, second_tier=False, seed=2)
    matches = league.matches.copy()
    late = matches["season"] == matches["season"].max()
    club = "Club 00"
    matches.loc[late & (matches["home_team"] == club), "home_goals"] += 3
    matches.loc[late & (matches["away_team"] == club), "away_goals"] += 3
    flat = DixonColes(xi=0.0).fit(matches).ratings().set_index("team").loc[club, "attack"]
    decayed = DixonColes(xi=0.005).fit(matches).ratings().set_index("team").loc[club, "attack"]
    assert decayed > flat


def test_ridge_shrinks_a_team_with_few_matches() -> None:
    league = make_league(10, 2, second_tier=False, seed=3)
    weak = DixonColes(ridge=0.5).fit(league.matches).attack_.std()
    strong = DixonColes(ridge=200.0).fit(league.matches).attack_.std()
    assert strong < weak


def test_a_fitted_model_survives_pickling(two_divisions) -> None:
    model = DixonColes().fit(two_divisions.matches)
    fixtures = two_divisions.matches.tail(20)
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(restored.predict(fixtures), model.predict(fixtures))


def test_fit_refuses_matches_on_or_after_the_reference_date(static_league) -> None:
    last = static_league.matches["kickoff_date"].max()
    with pytest.raises(ValueError, match="before the reference date"):
        DixonColes().fit(static_league.matches, reference_date=last)


# --- promoted clubs -----------------------------------------------------------------------------


def _fixture(home: str, away: str, league: str = TOP) -> pd.DataFrame:
    return pd.DataFrame({"league": [league], "home_team": [home], "away_team": [away]})


def test_promoted_club_without_history_gets_a_sensible_prior(two_divisions) -> None:
    top_only = two_divisions.matches[two_divisions.matches["league"] == TOP]
    model = DixonColes().fit(top_only)
    ratings = model.ratings().set_index("team")
    assert (ratings["group"] == "newcomer").any()  # clubs promoted within the data
    best = (ratings["attack"] - ratings["defence"]).idxmax()
    newcomer_attack, newcomer_defence = model.prior_strength(TOP)
    assert (newcomer_attack, newcomer_defence) == model.centres_["newcomer"]
    # the prior sits below the average established club (whose centre is 0)
    assert newcomer_attack - newcomer_defence < 0

    stranger = "Never Seen FC"
    home = model.predict(_fixture(best, stranger)).iloc[0]
    away = model.predict(_fixture(stranger, best)).iloc[0]
    for row in (home, away):
        assert np.isfinite(row.to_numpy()).all()
        assert row[["p_home", "p_draw", "p_away"]].sum() == pytest.approx(1.0)
    assert (
        home["p_home"] > away["p_home"]
    )  # the best club beats a promoted club more easily at home
    assert home["p_home"] > home["p_away"]


def test_without_newcomers_the_prior_is_the_bottom_three(static_league) -> None:
    model = DixonColes().fit(static_league.matches)
    assert "newcomer" not in model.centres_
    ratings = model.ratings()
    weakest = ratings.assign(strength=ratings["attack"] - ratings["defence"]).nsmallest(
        3, "strength"
    )
    attack, defence = model.prior_strength(TOP)
    assert attack == pytest.approx(weakest["attack"].mean())
    assert defence == pytest.approx(weakest["defence"].mean())


def test_joint_fit_links_the_divisions(two_divisions) -> None:
    matches = two_divisions.matches
    last_season = matches["season"].max()
    history = matches[matches["season"] < last_season]
    model = DixonColes().fit(history)
    assert set(model.league_offsets_) == {SECOND}
    assert (
        abs(model.league_offsets_[SECOND]) < 0.3
    )  # the simulation has no division goal-rate effect
    # Clubs promoted for the last season have second-tier history: their own ratings, not a prior.
    previous_season = sorted(history["season"].unique())[-1]
    top_now = set(
        matches.loc[(matches["season"] == last_season) & (matches["league"] == TOP), "home_team"]
    )
    second_before = set(
        history.loc[
            (history["season"] == previous_season) & (history["league"] == SECOND), "home_team"
        ]
    )
    promoted = top_now & second_before
    assert promoted
    ratings = model.ratings().set_index("team")
    never_top = set(ratings.index) - set(history.loc[history["league"] == TOP, "home_team"])
    assert never_top
    for club in promoted:
        assert ratings.loc[club, "effective_matches"] > 10
    for club in never_top:
        assert ratings.loc[club, "group"] == "lower"
    # Second-tier clubs are weaker by construction; the fit sees it through the movers.
    lower_centre = model.centres_["lower"]
    assert lower_centre[0] - lower_centre[1] < 0
    prediction = model.predict(_fixture(sorted(promoted)[0], "Club 00"))
    assert np.isfinite(prediction.to_numpy()).all()


# --- walk-forward -------------------------------------------------------------------------------------


def test_walk_forward_predicts_every_target_with_past_data_only(two_divisions) -> None:
    matches = two_divisions.matches
    start = matches.loc[matches["season"] == matches["season"].max(), "kickoff_date"].min()
    predictions = walk_forward_goals(matches, start, refit_every_days=14)
    targets = matches[(matches["kickoff_date"] >= start) & (matches["league"] == TOP)]
    assert set(predictions["match_id"]) == set(targets["match_id"])
    assert (predictions["refit_date"] <= predictions["kickoff_date"]).all()
    assert (predictions["kickoff_date"] < predictions["refit_date"] + pd.Timedelta(days=14)).all()
    played = matches.dropna(subset=["home_goals"])
    for refit_date, group in predictions.groupby("refit_date"):
        in_window = (played["kickoff_date"] < refit_date) & (
            played["kickoff_date"] >= refit_date - pd.Timedelta(days=dc.DEFAULT_WINDOW_DAYS)
        )
        assert (group["n_train"] == in_window.sum()).all()
    np.testing.assert_allclose(predictions[["p_home", "p_draw", "p_away"]].sum(axis=1), 1.0)


def test_walk_forward_ignores_results_from_the_future(two_divisions) -> None:
    matches = two_divisions.matches
    start = matches.loc[matches["season"] == matches["season"].max(), "kickoff_date"].min()
    cutoff = start + pd.Timedelta(days=56)
    altered = matches.copy()
    future = altered["kickoff_date"] >= cutoff
    rng = np.random.default_rng(0)
    altered.loc[future, "home_goals"] = (
        rng.permutation(altered.loc[future, "home_goals"].to_numpy()) + 2
    )
    altered.loc[future, "away_goals"] = np.nan  # some become "upcoming"
    before = walk_forward_goals(matches, start, refit_every_days=7)
    after = walk_forward_goals(altered, start, refit_every_days=7)
    columns = ["match_id", "p_home", "p_draw", "p_away", "p_over_2_5"]
    early = before[before["kickoff_date"] < cutoff][columns].set_index("match_id").sort_index()
    early_after = after[after["kickoff_date"] < cutoff][columns].set_index("match_id").sort_index()
    pd.testing.assert_frame_equal(early, early_after)
    # upcoming matches are still predicted
    assert set(after["match_id"]) == set(before["match_id"])


def test_walk_forward_guard_trips_on_leaky_selection(
    two_divisions, monkeypatch: pytest.MonkeyPatch
) -> None:
    matches = two_divisions.matches
    start = matches.loc[matches["season"] == matches["season"].max(), "kickoff_date"].min()
    # Simulate a selection bug: training takes everything up to a week after the refit date.
    real = dc._training_positions

    def leaky(kickoffs, refit_date, window_days):
        return real(kickoffs, refit_date + pd.Timedelta(days=7), window_days)

    monkeypatch.setattr(dc, "_training_positions", leaky)
    with pytest.raises(LeakageError):
        walk_forward_goals(matches, start, refit_every_days=28)


def test_assert_no_leakage() -> None:
    assert_no_leakage(
        pd.Series(pd.to_datetime(["2024-01-01"])), pd.Series(pd.to_datetime(["2024-01-02"]))
    )
    with pytest.raises(LeakageError, match="2024-01-02"):
        assert_no_leakage(
            pd.Series(pd.to_datetime(["2024-01-02"])),
            pd.Series(pd.to_datetime(["2024-01-02"])),
            "test",
        )


def test_select_xi_uses_only_the_past(two_divisions) -> None:
    matches = two_divisions.matches
    before = matches.loc[matches["season"] == matches["season"].max(), "kickoff_date"].min()
    selection = select_xi(matches, before, candidates=(0.0, 0.003), validation_days=400)
    assert selection.xi in (0.0, 0.003)
    assert list(selection.scores["xi"]) == [0.0, 0.003]
    assert selection.scores["n_matches"].gt(0).all()
    # results after `before` cannot change the choice
    altered = matches.copy()
    altered.loc[altered["kickoff_date"] >= before, ["home_goals", "away_goals"]] = 9.0
    again = select_xi(altered, before, candidates=(0.0, 0.003), validation_days=400)
    pd.testing.assert_frame_equal(selection.scores, again.scores)
