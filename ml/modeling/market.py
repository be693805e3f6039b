"""The market yardsticks: the bookmakers' margin-free probabilities, the bar to clear. Nothing
is fitted; each match is priced from its own odds, and a match without them gets NaN."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ml.modeling.interface import (
    Cadence,
    CandidateBase,
    CandidateOptions,
    History,
    probability_frame,
)
from ml.models.market import market_probabilities
from ml.models.metrics import MarginMethod


@dataclass
class MarketPredictor:
    odds_columns: tuple[str, ...]
    margin_method: MarginMethod

    @property
    def input_columns(self) -> list[str]:
        return list(self.odds_columns)

    def predict_proba(self, matches: pd.DataFrame) -> np.ndarray:
        return market_probabilities(matches, self.margin_method, self.odds_columns)

    def predict(self, matches: pd.DataFrame) -> pd.DataFrame:
        return probability_frame(self.predict_proba(matches), matches.index)

    def summary(self) -> Mapping[str, Any]:
        return {}

    def importances(self) -> pd.DataFrame | None:
        return None


@dataclass(frozen=True)
class MarketYardstick(CandidateBase):
    """One set of prices (``odds_columns``), de-vigged by ``margin_method``; its variant is
    ``<stem>_<margin_method>``."""

    name: str
    stem: str
    odds_columns: tuple[str, ...]
    margin_method: MarginMethod
    needs_market = True
    yardstick = True
    cadence = Cadence.NEVER

    @property
    def variant(self) -> str:
        return f"{self.stem}_{self.margin_method}"

    def fit(self, history: History, as_of: pd.Timestamp) -> MarketPredictor:
        return MarketPredictor(self.odds_columns, self.margin_method)


def candidates(options: CandidateOptions) -> list[MarketYardstick]:
    return [
        MarketYardstick(name, stem, tuple(columns), options.margin_method)
        for name, stem, columns in options.markets
    ]
