"""Fitted models behind one interface, so the registry stores and serves any of them the same way.

A predictor knows which columns of ``mart_match_features`` it reads (``input_columns``) and
returns a DataFrame with ``p_home, p_draw, p_away`` (and goals forecasts where the model has
them). :class:`PlpredPyfunc` wraps one for MLflow, so ``models:/plpred-E0@champion`` loads
as a plain pyfunc model whichever kind won.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ml.models.blend import BlendFit, BlendSpec
    from ml.models.dixon_coles import DixonColes

OUTPUT_COLUMNS = ("p_home", "p_draw", "p_away")
GOALS_COLUMNS = ("home_xg", "away_xg", "p_over_2_5")


def _frame(proba: np.ndarray, index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(proba, dtype=float), columns=list(OUTPUT_COLUMNS), index=index)


@dataclass
class ClassifierPredictor:
    """A tuned scikit-learn classifier on mart feature columns."""

    estimator: object
    feature_columns: Sequence[str]

    @property
    def input_columns(self) -> list[str]:
        return list(self.feature_columns)

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        matrix = features[list(self.feature_columns)].astype(float)
        return _frame(self.estimator.predict_proba(matrix), features.index)


@dataclass
class GoalsPredictor:
    """A fitted Dixon-Coles model: outcome, over 2.5 and expected goals from team strengths."""

    model: object
    input_columns: list[str] = field(
        default_factory=lambda: ["league", "kickoff_date", "home_team", "away_team"]
    )

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        frame = features.copy()
        frame["kickoff_date"] = pd.to_datetime(frame["kickoff_date"])
        out = self.model.predict(frame)
        return out[[*OUTPUT_COLUMNS, *GOALS_COLUMNS]].set_index(features.index)


@dataclass
class BlendPredictor:
    """The stacked blend served live: a Dixon-Coles fit on every played match and the blender.

    Reads the fixture's identity for the goals model and the pre-match odds columns of
    ``mart_match_features`` for the market (and Pinnacle), exactly as the walk-forward
    did; expected goals and over 2.5 come from the goals model, which is the only part
    that knows about goals. A fixture without market odds gets NaN probabilities, which
    ``plpred score`` leaves for a later run.
    """

    goals_model: DixonColes
    blender: BlendFit
    spec: BlendSpec

    @property
    def input_columns(self) -> list[str]:
        return ["league", "kickoff_date", "home_team", "away_team", *self.spec.odds_columns]

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        from ml.models.blend import blend_inputs

        frame = features.copy()
        frame["kickoff_date"] = pd.to_datetime(frame["kickoff_date"])
        for column in self.spec.odds_columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        goals = self.goals_model.predict(frame)
        inputs = blend_inputs(frame, goals[list(OUTPUT_COLUMNS)].to_numpy(), self.spec)
        out = _frame(self.blender.predict_proba(inputs), features.index)
        for column in GOALS_COLUMNS:
            out[column] = goals[column].to_numpy()
        return out


def pyfunc_model(predictor: object):
    """Wrap a predictor as an MLflow ``PythonModel`` (imported lazily: mlflow is slow to import)."""
    import mlflow.pyfunc

    class PlpredPyfunc(mlflow.pyfunc.PythonModel):
        def __init__(self, inner: object) -> None:
            self.predictor = inner

        def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
            return self.predictor.predict(model_input)

    return PlpredPyfunc(predictor)
