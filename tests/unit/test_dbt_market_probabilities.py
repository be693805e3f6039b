"""dbt removes the bookmaker's margin (int_odds_devigged_to_probabilities) and the models read
its numbers from mart_match_features: the dbt unit test's expected probabilities must be what
ml.models.metrics computes from the same prices, so SQL users, dashboards and models agree."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from ml.config import PROJECT_ROOT
from ml.models.metrics import implied_probabilities

INTERMEDIATE = PROJECT_ROOT / "dbt_project" / "models" / "intermediate" / "_int__models.yml"
OUTCOMES = ("home", "draw", "away")


def _unit_test(name: str) -> dict:
    tests = yaml.safe_load(INTERMEDIATE.read_text())["unit_tests"]
    return next(test for test in tests if test["name"] == name)


@pytest.mark.parametrize("method", ["proportional", "power"])
def test_dbt_margin_removal_is_ml_metrics_margin_removal(method: str) -> None:
    test = _unit_test("margin_removal_proportional_and_power")
    given = {row["match_id"]: row for row in test["given"][0]["rows"]}
    for expected in test["expect"]["rows"]:
        book = given[expected["match_id"]]
        odds = [book[f"{outcome}_odds"] for outcome in OUTCOMES]
        implied = implied_probabilities(odds, method)
        dbt = [expected[f"{outcome}_prob_{method}"] for outcome in OUTCOMES]
        np.testing.assert_allclose(implied.probabilities, dbt, rtol=0, atol=1e-12)
        assert implied.overround[0] + 1 == pytest.approx(expected["overround"], abs=1e-12)
