"""A new model is one module and one registry line.

The toy candidate below ("always base rates", as a model rather than a yardstick) is what such
a module holds; the tests add it to the registry and nothing else, and find it in the
walk-forward, in the MLflow run and registry (a real SQLite store in a temp PLPRED_HOME) and
in the refit and in the predictions ``plpred score`` writes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

import ml.modeling.candidates as registry_of_candidates
from ml.config import Settings
from ml.ingest import run_ingest
from ml.modeling import registry
from ml.modeling.config import TrainConfig
from ml.modeling.evaluation import walk_forward_evaluate
from ml.modeling.interface import Candidate, CandidateBase, CandidateOptions, Fitted, History
from ml.modeling.score import run_score
from ml.modeling.train import run_refit, run_train
from ml.warehouse.connection import connect
from ml.warehouse.dbt import build
from tests.football_data_files import write_synthetic_source
from tests.synthetic import FEATURE_COLUMNS, make_league

QUIET = Console(file=io.StringIO(), width=150)
TOY = ("always_base_rates", "train_window")


# --- the new model's module ---------------------------------------------------------------


@dataclass
class BaseRateForecast:
    frequencies: np.ndarray
    input_columns: list[str] = field(default_factory=lambda: ["home_team", "away_team"])

    def predict_proba(self, matches: pd.DataFrame) -> np.ndarray:
        return np.tile(self.frequencies, (len(matches), 1))

    def predict(self, matches: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            self.predict_proba(matches), columns=["p_home", "p_draw", "p_away"], index=matches.index
        )

    def summary(self) -> Mapping[str, Any]:
        return {"p_home": round(float(self.frequencies[0]), 4)}

    def importances(self) -> pd.DataFrame | None:
        return None


@dataclass(frozen=True)
class AlwaysBaseRates(CandidateBase):
    name: str = TOY[0]
    variant: str = TOY[1]

    def fit(self, history: History, as_of: pd.Timestamp) -> BaseRateForecast:
        labels = history.features["label"]
        return BaseRateForecast(labels.value_counts(normalize=True)[["H", "D", "A"]].to_numpy())


def toy_candidates(options: CandidateOptions) -> list[AlwaysBaseRates]:
    return [AlwaysBaseRates()]


# --- the one registry line ----------------------------------------------------------------


@pytest.fixture
def with_toy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        registry_of_candidates, "REGISTRY", (*registry_of_candidates.REGISTRY, toy_candidates)
    )


def test_the_toy_is_a_candidate() -> None:
    toy = AlwaysBaseRates()
    assert isinstance(toy, Candidate)
    history = History(pd.DataFrame({"label": ["H", "H", "D", "A"]}))
    fitted = toy.fit(history, pd.Timestamp("2020-01-01"))
    assert isinstance(fitted, Fitted)
    np.testing.assert_allclose(fitted.frequencies, [0.5, 0.25, 0.25])


def test_a_registered_candidate_is_walked_forward_and_scored(with_toy) -> None:
    league = make_league(10, 3, second_tier=False, seed=4)
    seasons = sorted(league.features["season"].unique())[-2:]
    result = walk_forward_evaluate(league.features, seasons, FEATURE_COLUMNS, classifiers=())
    toy = result.predictions[
        (result.predictions["model"] == TOY[0]) & (result.predictions["variant"] == TOY[1])
    ]
    base = result.predictions[result.predictions["model"] == "base_rates"]
    assert len(toy) == len(base) > 0
    np.testing.assert_allclose(
        toy[["p_home", "p_draw", "p_away"]].to_numpy(),
        base[["p_home", "p_draw", "p_away"]].to_numpy(),
    )
    assert {*seasons, "all"} <= set(result.metrics.loc[result.metrics["model"] == TOY[0], "season"])
    assert set(result.selections.loc[result.selections["model"] == TOY[0], "parameter"]) == {
        "p_home"
    }


@pytest.mark.slow
def test_a_registered_candidate_is_trained_registered_and_scored(
    with_toy, duckdb_settings: Settings, tmp_path: Path
) -> None:
    settings = duckdb_settings
    source = write_synthetic_source(tmp_path / "source", n_seasons=3)
    for league, fixtures in (("E0", True), ("E1", False)):
        summary = run_ingest(
            settings.with_overrides(source=str(source.directory), league=league),
            seasons=None,
            files=None,
            file_season=None,
            include_fixtures=fixtures,
            console=QUIET,
        )
        assert summary.ok
    build(settings, console=QUIET)
    with connect(settings) as conn:
        clock = conn.scalar(
            "select min(kickoff_at) from marts.mart_match_features where not is_played"
        ) - timedelta(days=1)

    config = TrainConfig(
        eval_seasons=("2023-24",), classifiers=(), variants=(), goals_model=False, quick=True
    )
    result = run_train(settings, config=config, console=QUIET, as_of=clock - timedelta(days=14))

    # The only candidate that is not a yardstick wins, and is logged and registered.
    assert result.selected == TOY
    champion = registry.get_alias(settings, registry.CHAMPION)
    assert champion.label == "/".join(TOY)
    assert "always_base_rates.train_window.all.rps" in registry.run_metrics(result.run_id)
    with connect(settings) as conn:
        evaluated = conn.fetchall(
            "select distinct model from ml.model_evaluations where run_id = ?", [result.run_id]
        )
    assert TOY[0] in {row[0] for row in evaluated}

    # Two rounds later the refit fits it again on the new matches and makes it champion.
    refit = run_refit(settings, as_of=clock, console=QUIET)
    assert refit is not None and refit.label == "/".join(TOY)
    assert refit.refit_of == result.model_version
    assert registry.get_alias(settings, registry.CHAMPION).version == refit.model_version

    # Scoring loads it from the registry like any model.
    scored = run_score(settings, console=QUIET, as_of=clock + timedelta(minutes=1))
    assert scored.n_scored == 20
    assert set(scored.predictions["model_label"]) == {"/".join(TOY)}
    probabilities = scored.predictions[["p_home", "p_draw", "p_away"]].to_numpy()
    np.testing.assert_allclose(probabilities, np.tile(probabilities[0], (20, 1)))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
