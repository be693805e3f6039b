"""The two baselines every model is judged against: the betting market and base rates.

The market's margin-free probabilities are the bar to clear (on the Premier League the
average pre-match odds score an RPS near 0.198); base rates, the class frequencies of the
training window, are the floor any model with information must beat (about 0.234).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ml.models.metrics import OUTCOMES, MarginMethod, implied_probabilities, outcome_index

DEFAULT_ODDS_COLUMNS: tuple[str, str, str] = ("odds_home", "odds_draw", "odds_away")


def market_probabilities(
    odds: pd.DataFrame | np.ndarray,
    method: MarginMethod = "shin",
    columns: Sequence[str] = DEFAULT_ODDS_COLUMNS,
) -> np.ndarray:
    """Margin-free (n, 3) home/draw/away probabilities from decimal odds.

    ``odds`` is an (n, 3) array or a DataFrame holding ``columns``. Rows with a missing price
    come back as NaN rather than being guessed, so callers see which matches the market
    did not price.
    """
    values = (
        odds[list(columns)].to_numpy(dtype=float)
        if isinstance(odds, pd.DataFrame)
        else np.asarray(odds, dtype=float)
    )
    if values.ndim != 2 or values.shape[1] != 3:
        raise ValueError(f"odds must be (n, 3) home/draw/away, got {values.shape}")
    return implied_probabilities(values, method).probabilities


def market_predictions(
    frame: pd.DataFrame,
    columns: Sequence[str] = DEFAULT_ODDS_COLUMNS,
    method: MarginMethod = "shin",
) -> pd.DataFrame:
    """p_home, p_draw, p_away and the overround for each row of ``frame``, on its index."""
    values = frame[list(columns)].to_numpy(dtype=float)
    implied = implied_probabilities(values, method)
    return pd.DataFrame(
        {
            "p_home": implied.probabilities[:, 0],
            "p_draw": implied.probabilities[:, 1],
            "p_away": implied.probabilities[:, 2],
            "overround": implied.overround,
        },
        index=frame.index,
    )


def base_rates(labels: Sequence[object] | np.ndarray | pd.Series) -> np.ndarray:
    """Home, draw and away frequencies of ``labels`` ('H'/'D'/'A' or 0/1/2), summing to 1."""
    index = outcome_index(labels)
    if index.size == 0:
        raise ValueError("no labels to count")
    return np.bincount(index, minlength=3) / index.size


class BaseRateModel:
    """Predicts the training window's outcome frequencies for every match.

    Has the ``fit``/``predict_proba`` shape of the other models so the walk-forward treats
    it like one; it ignores the features by design.
    """

    classes_ = np.array(OUTCOMES)

    def fit(self, X: object, y: Sequence[object] | np.ndarray | pd.Series) -> BaseRateModel:
        self.probabilities_ = base_rates(y)
        return self

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        if not hasattr(self, "probabilities_"):
            raise RuntimeError("the model is not fitted yet")
        return np.tile(self.probabilities_, (len(X), 1))
