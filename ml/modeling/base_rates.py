"""Base rates: the training window's outcome frequencies for every match, the floor any model
with information must beat (about 0.234 RPS on the Premier League)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ml.modeling.interface import CandidateBase, CandidateOptions, History, probability_frame
from ml.models.market import BaseRateModel


@dataclass
class BaseRatePredictor:
    """The same three frequencies for any match; reads only its identity."""

    model: BaseRateModel
    input_columns: list[str] = field(default_factory=lambda: ["match_id"])

    def predict_proba(self, matches: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(matches)

    def predict(self, matches: pd.DataFrame) -> pd.DataFrame:
        return probability_frame(self.predict_proba(matches), matches.index)

    def summary(self) -> Mapping[str, Any]:
        return dict(zip(("H", "D", "A"), self.model.probabilities_.round(4), strict=True))

    def importances(self) -> pd.DataFrame | None:
        return None


@dataclass(frozen=True)
class BaseRates(CandidateBase):
    name: str = "base_rates"
    variant: str = "train_window"
    yardstick = True

    def fit(self, history: History, as_of: pd.Timestamp) -> BaseRatePredictor:
        return BaseRatePredictor(BaseRateModel().fit(None, history.features["label"]))


def candidates(options: CandidateOptions) -> list[BaseRates]:
    return [BaseRates()] if options.base_rates else []
